"""What a line from the scanner means: codes, commands, badges, noise."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.errors import InvalidMediaId, StationConfigError
from ledger.ids import make_media_id
from station import config_file as station_config
from station.wedge import Badge, Code, Command, Noise, read_line, sheet_entries

MEDIA = str(make_media_id("RGT", 1))


def test_a_media_id_as_the_scanner_types_it() -> None:
    assert read_line(MEDIA + "\r\n") == Code(MEDIA)


def test_caps_lock_and_stray_control_characters() -> None:
    assert read_line("\x02" + MEDIA.lower() + "\x03\t") == Code(MEDIA)


def test_configured_prefix_and_suffix_are_stripped() -> None:
    assert read_line("]C0" + MEDIA + "#", prefix="]C0", suffix="#") == Code(MEDIA)
    # Without the setting, the prefix is part of the code (and refused later as not an ID).
    assert read_line("]C0" + MEDIA) == Code("]C0" + MEDIA)


def test_command_codes_switch_the_action() -> None:
    assert read_line("CMDRECEIVE") == Command("receive")
    assert read_line("cmdtopacs") == Command("to-pacs")
    assert read_line("CMDIMPORTFAILED") == Command("import-failed")
    assert isinstance(read_line("CMDTEA"), Noise)


def test_operator_badge_sets_the_operator() -> None:
    assert read_line("OPKWRIGHT") == Badge("kwright")
    # A media ID of an organisation whose code starts OP is a media ID, not a badge.
    op_media = str(make_media_id("OP1", 7))
    assert read_line(op_media) == Code(op_media)


def test_empty_line_and_noise() -> None:
    assert read_line("\r\n") is None
    assert read_line("\x00\x01\x1b") == Noise("not a code: only control characters")
    noise = read_line("A" * 10_000)
    assert isinstance(noise, Noise) and "10,000 characters" in noise.reason


def test_confusables_are_kept_for_the_ledger_to_refuse() -> None:
    # Cyrillic Te in place of Latin T: kept as it is, never silently "corrected".
    confusable = "RG\u0422" + "00000001E"
    assert read_line(confusable) == Code(confusable)


def test_sheet_lists_every_command_then_badges() -> None:
    entries = sheet_entries(["k.wright"])
    codes = [code for code, _ in entries]
    assert codes[:3] == ["CMDDISPATCH", "CMDRECEIVE", "CMDTOPACS"]
    assert len(codes) == 9 and codes[-1] == "OPKWRIGHT"
    assert entries[-1] == ("OPKWRIGHT", "operator kwright")
    assert all(
        read_line(code) is not None and not isinstance(read_line(code), (Code, Noise))
        for code in codes
    )
    with pytest.raises(InvalidMediaId):
        sheet_entries(["7"])


def test_config_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "station.toml"
    config = station_config.StationConfig(site="RGT", prefix="\x02", db="/srv/ledger.db")
    station_config.save(path, config)
    assert station_config.load(path) == config
    cleared = station_config.updated(config, prefix="", operator="m.jones")
    assert cleared == station_config.StationConfig(
        site="RGT", operator="m.jones", db="/srv/ledger.db"
    )
    path.write_text('sight = "RGT"\n')
    with pytest.raises(StationConfigError, match="unknown setting"):
        station_config.load(path)


class Chunks:
    """A pipe that delivers exactly these reads."""

    def __init__(self, *chunks: bytes) -> None:
        self.chunks = list(chunks)

    def read1(self, _size: int) -> bytes:
        return self.chunks.pop(0) if self.chunks else b""


@pytest.mark.parametrize(
    "chunks",
    [
        (b"A1\rB2\nC3\r\nD4",),  # every ending in one read, the last line unended
        (b"A1\r", b"B2\n", b"C3\r", b"\nD4"),  # a CRLF split across two reads is one ending
        (b"A", b"1\rB2", b"\nC3\r\n", b"D4\r\n"),
    ],
)
def test_cr_lf_and_crlf_each_end_one_line(chunks: tuple[bytes, ...]) -> None:
    from station.wedge import scanner_lines

    assert list(scanner_lines(Chunks(*chunks))) == [b"A1", b"B2", b"C3", b"D4"]  # type: ignore[arg-type]


def test_two_bare_crs_are_an_empty_line_between() -> None:
    from station.wedge import scanner_lines

    assert list(scanner_lines(Chunks(b"A1\r\rB2\r"))) == [b"A1", b"", b"B2"]  # type: ignore[arg-type]
