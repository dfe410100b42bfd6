"""`custody report ...` in-process: exact output, formats, errors, help."""

from __future__ import annotations

from pathlib import Path

from tests.cli_helpers import custody as run_custody
from tests.reports.conftest import Book


def custody(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = run_custody(str(tmp_path / "ledger.db"), *args)
    return result.exit_code, result.output


def test_unreconciled_csv_exactly(book: Book, tmp_path: Path) -> None:
    media_id = book.register("2025-12-23 10:00", urgent=True)
    book.scan("dispatch", media_id, "2025-12-24 09:30")
    book.ledger.attach_tracking([media_id], "AB123456785GB", operator="clerk")
    nhs, accession, uid = book.patients[media_id]
    code, out = custody(tmp_path, "report", "unreconciled", "--as-of", "2025-12-29", "-f", "csv")
    assert code == 0
    assert out.splitlines() == [
        "media_id,reason,status,since,working_days,destination,urgent,nhs_number,accession,"
        "study_uid,tracking",
        f"{media_id},not-received,dispatched,2025-12-24 09:30,1,RGN,True,{nhs},{accession},{uid},"
        "AB123456785GB",
    ]


def test_formats_and_output_file(book: Book, tmp_path: Path) -> None:
    book.register("2025-12-22 10:00")
    for fmt in ("table", "json", "html"):
        code, out = custody(tmp_path, "report", "unreconciled", "--as-of", "2026-01-09", "-f", fmt)
        assert code == 0 and "not-dispatched" in out
    code, out = custody(tmp_path, "report", "incidents", "-f", "xlsx")
    assert (code, out) == (1, "error: --format xlsx writes a file: give it with -o FILE\n")
    target = tmp_path / "u.xlsx"
    code, _ = custody(tmp_path, "report", "unreconciled", "-f", "xlsx", "-o", str(target))
    assert code == 0 and target.stat().st_size > 0


def test_bad_dates_and_months_are_one_line_errors(book: Book, tmp_path: Path) -> None:
    code, out = custody(tmp_path, "report", "unreconciled", "--as-of", "31/12/2025")
    assert (code, out) == (1, "error: --as-of '31/12/2025' is not a day (use YYYY-MM-DD)\n")
    code, out = custody(tmp_path, "report", "monthly", "--month", "2025-13")
    assert (code, out) == (1, "error: --month '2025-13' is not a month like 2025-12\n")


def test_thresholds_printed_and_read_back(book: Book, tmp_path: Path) -> None:
    config = tmp_path / "thresholds.toml"
    code, out = custody(tmp_path, "report", "thresholds", "--thresholds", str(config))
    assert code == 0 and "not-received-urgent = 1" in out and "overdue-receipt = 10" in out
    config.write_text("[thresholds]\nnot-dispatched = 7\n")
    code, out = custody(tmp_path, "report", "thresholds", "--thresholds", str(config))
    assert f"# read from {config}" in out and "not-dispatched = 7 " in out
    config.write_text("[thresholds]\nnot-dispached = 7\n")
    code, out = custody(tmp_path, "report", "thresholds", "--thresholds", str(config))
    assert code == 1 and "unknown threshold 'not-dispached'" in out


def test_every_report_command_has_help() -> None:
    for group, commands in (
        ("report", ("unreconciled", "incidents", "monthly", "thresholds")),
        ("ir1", ("draft", "filed", "close")),
    ):
        for command in commands:
            result = run_custody("unused.db", group, command, "--help")
            assert result.exit_code == 0 and "Usage" in result.output
    assert run_custody("unused.db", "transfer", "--help").exit_code == 0


def test_months_beyond_the_calendar_are_one_line_errors(book: Book, tmp_path: Path) -> None:
    for month in ("0001-01", "1899-12", "9999-01", "9999-12"):
        code, out = custody(tmp_path, "report", "monthly", "--month", month)
        assert (code, out) == (
            1,
            f"error: --month '{month}' is out of range: give a month from 1900-01 to 9998-12\n",
        )
    for month in ("1900-01", "9998-12"):
        code, out = custody(tmp_path, "report", "monthly", "--month", month, "-f", "csv")
        assert code == 0 and out.startswith("partner,sent,")


def test_incidents_since_after_as_of_is_a_one_line_error(book: Book, tmp_path: Path) -> None:
    args = ("report", "incidents", "--since", "2026-01-31", "--as-of", "2026-01-30")
    code, out = custody(tmp_path, *args)
    assert (code, out) == (
        1,
        "error: --since 2026-01-31 is after --as-of 2026-01-30: "
        "give a period that starts on or before the day it ends\n",
    )
