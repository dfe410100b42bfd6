"""The handover form read back as a person and a scanner would: its text, and its barcode (#17)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from pyzbar import pyzbar

from ledger.api import Ledger, Registration
from ledger.studies import SeriesCount, StudyCount
from tests.cli_helpers import custody
from tests.conftest import NHS_NUMBERS
from tests.labels.conftest import needs_pdftoppm, rasterise

NHS = NHS_NUMBERS[5]
needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None,
    reason="pdftotext (poppler-utils) is not installed; scripts/test-deps.sh installs it",
)


def handover_disc(db: Path, **changes: object) -> str:
    ledger = Ledger.create(str(db), "RGT", "Cambridge University Hospitals", address="Hills Road")
    ledger.add_org("RXH", "University Hospitals Sussex")
    studies = (
        StudyCount("1.2.3.1", 120, (SeriesCount("1.2.3.1.1", "CT", 120),), "RGT1234567"),
        StudyCount(
            "1.2.3.2",
            40,
            (SeriesCount("1.2.3.2.1", "MR", 30), SeriesCount("1.2.3.2.2", "SR", 10)),
            "RGT7654321",
        ),
    )
    fields = {
        "nhs_number": NHS,
        "destination": "RXH",
        "encrypted": False,
        "exception": "patient-handover",
        "approved_by": "Dr A",
        "exception_reason": "patient collects",
        "studies": studies,
        **changes,
    }
    media_id = ledger.register(Registration(**fields), operator="admin").media_id  # type: ignore[arg-type]
    ledger.engine.dispose()
    return media_id


@needs_pdftoppm
@needs_pdftotext
def test_the_form_reads_back_and_its_barcode_decodes(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    media_id = handover_disc(db)
    out = tmp_path / "form.pdf"
    result = custody(str(db), "handover-form", media_id, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"wrote {out}: sign it, then record it with `custody handover {media_id}`\n"
    )
    assert out.stat().st_mode & 0o777 == 0o600
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    words = " ".join(text.split())
    for expected in (
        "Cambridge University Hospitals",
        "Your imaging CD is NOT encrypted",
        f"Media ID {media_id[:3]} {media_id[3:7]} {media_id[7:11]} {media_id[11]}",
        "RGT1234567 CT 120",
        "RGT7654321 MR/SR 40",
        "This one has no password, because it is being handed directly to you",
        "Your responsibility",
        "I take responsibility for keeping it safe",
        "Relationship to the patient",
        "Member of staff",
    ):
        assert expected in words, expected
    assert words.count("Signature") == 2 and words.count("Date") == 2
    # No more patient data than needed: no NHS number, no study UIDs.
    assert NHS not in words and "1.2.3.1" not in words
    [page] = rasterise(out)
    assert page.size == (2481, 3508)  # A4 at 300 dpi
    decoded = [(c.type, c.data.decode()) for c in pyzbar.decode(page)]
    assert decoded == [("CODE128", media_id)]


def test_an_encrypted_disc_has_no_form_and_nothing_is_written(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    media_id = handover_disc(
        db, encrypted=True, exception=None, approved_by=None, exception_reason=None
    )
    out = tmp_path / "form.pdf"
    result = custody(str(db), "handover-form", media_id, "-o", str(out))
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {media_id} is encrypted: its recipient has no risk to acknowledge\n"
    )
    assert not out.exists()


def test_the_form_is_a_pdf(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    media_id = handover_disc(db)
    out = tmp_path / "form.png"
    result = custody(str(db), "handover-form", media_id, "-o", str(out))
    assert (result.exit_code, result.stderr) == (
        1,
        "error: the handover form is a PDF: give an output ending .pdf\n",
    )
    assert not out.exists()


def test_the_demo_prints_the_form_of_a_disc_handed_to_its_patient(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.demo import demo_handover_form

    db = tmp_path / "l.db"
    media_id = handover_disc(db)
    ledger = Ledger.open(str(db))
    demo_handover_form(ledger, tmp_path)
    assert capsys.readouterr().out.splitlines() == [
        f"handover form for {media_id} (an unencrypted disc handed to its patient):",
        f"  {tmp_path / 'handover-form.pdf'}",
    ]
    assert (tmp_path / "handover-form.pdf").read_bytes().startswith(b"%PDF")
