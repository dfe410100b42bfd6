"""Scan-station code sheets: every command and badge barcode reads back."""

from pathlib import Path

import pytest

from labels.code_sheet import write_code_sheet
from labels.decode import decode_codes
from labels.errors import NoLabels, UnencodableCode, UnsupportedOutput
from tests.labels.conftest import needs_pdftoppm, rasterise

ENTRIES = [
    ("CMDRECEIVE", "Receive"),
    ("CMDDISPATCH", "Dispatch"),
    ("CMDPACS", "Hand to PACS team"),
    ("OPJSMITH", "J Smith (post room)"),
]


@needs_pdftoppm
def test_code_sheet_round_trip_over_two_pages(tmp_path: Path) -> None:
    entries = ENTRIES + [(f"OPUSER{i:02d}", f"Operator {i}") for i in range(10)]
    out = write_code_sheet(entries, tmp_path / "station.pdf")
    pages = rasterise(out)
    assert len(pages) == 2
    found = set().union(*(decode_codes(page) for page in pages))
    assert found == {code for code, _ in entries}


@pytest.mark.parametrize("code", ["cmdreceive", "CMD-RECEIVE", "", "A" * 21])
def test_codes_a_scanner_may_mistype_are_refused(tmp_path: Path, code: str) -> None:
    with pytest.raises(UnencodableCode):
        write_code_sheet([(code, "Receive")], tmp_path / "s.pdf")
    assert list(tmp_path.iterdir()) == []


def test_code_sheet_needs_codes_and_a_pdf(tmp_path: Path) -> None:
    with pytest.raises(NoLabels):
        write_code_sheet([], tmp_path / "s.pdf")
    with pytest.raises(UnsupportedOutput):
        write_code_sheet(ENTRIES, tmp_path / "s.png")


@needs_pdftoppm
def test_station_sheet_command_prints_every_code_a_scanner_reads_back(tmp_path: Path) -> None:
    """`custody station-sheet -o`: the PDF decodes to exactly the commands and badges."""
    from station.wedge import sheet_entries
    from tests.cli_helpers import custody

    out = tmp_path / "station-codes.pdf"
    args = ["station-sheet", "-o", str(out), "--operator", "k.wright", "--operator", "M Jones"]
    result = custody(None, *args)
    assert result.exit_code == 0, result.output
    expected = {code for code, _ in sheet_entries(["k.wright", "M Jones"])}
    assert {"CMDRECEIVE", "OPKWRIGHT", "OPMJONES"} <= expected
    found = set().union(*(decode_codes(page) for page in rasterise(out)))
    assert found == expected
