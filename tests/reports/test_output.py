"""Output formats: formula neutralisation in CSV and xlsx; London times; no SQL in reports/."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from reports.output import csv_text, json_text, neutralise, table_text, write_xlsx

NASTY = ['=HYPERLINK("http://x")', "+1+2", "-3+4", "@SUM(A1)", "\tTAB", "plain", "a=b"]


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "note": NASTY,
            "count": [1, 2, 3, -4, 5, 6, 7],
            "at": pd.to_datetime([datetime(2026, 7, 1, 8, 30, tzinfo=UTC)] * 7, utc=True),
        }
    )


def test_neutralise() -> None:
    assert [neutralise(v) for v in NASTY] == [
        '\'=HYPERLINK("http://x")',
        "'+1+2",
        "'-3+4",
        "'@SUM(A1)",
        "'\tTAB",
        "plain",
        "a=b",
    ]
    assert neutralise(-4) == -4


def test_csv_neutralises_text_but_not_numbers_and_shows_london_time() -> None:
    lines = csv_text(frame()).splitlines()
    assert lines[0] == "note,count,at"
    assert lines[1] == '"\'=HYPERLINK(""http://x"")",1,2026-07-01 09:30'  # BST
    assert lines[4] == "'@SUM(A1),-4,2026-07-01 09:30"


def test_xlsx_cells_are_text_numbers_and_times_never_formulas(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    write_xlsx({"Sheet": frame()}, path)
    sheet = load_workbook(path)["Sheet"]
    notes = [sheet.cell(row=r, column=1) for r in range(2, 9)]
    assert all(c.data_type == "s" for c in notes)
    assert [c.value for c in notes][:2] == ['\'=HYPERLINK("http://x")', "'+1+2"]
    assert sheet.cell(row=5, column=2).value == -4
    assert sheet.cell(row=2, column=3).value == datetime(2026, 7, 1, 9, 30)
    assert sheet.freeze_panes == "A2"


def test_json_times_are_london_iso_and_missing_is_null() -> None:
    df = frame().head(1).assign(empty=[None])
    assert '"at": "2026-07-01T09:30:00+01:00"' in json_text(df)
    assert '"empty": null' in json_text(df)


def test_table_of_nothing_says_so() -> None:
    assert table_text(pd.DataFrame()) == "(none)"


def test_reports_read_the_ledger_only_through_its_query_api() -> None:
    for path in Path("reports").glob("*.py"):
        tree = ast.parse(path.read_text())
        imported = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in (
                node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")]
            )
        }
        assert not {
            m for m in imported if m.split(".")[0] in ("sqlalchemy", "sqlite3", "sqlmodel")
        }, path
        assert "ledger.store" not in imported, path
        text = path.read_text().upper()
        assert "SELECT " not in text and "FROM EVENTS" not in text, path
