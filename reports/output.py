"""Report frames as a terminal table, CSV, JSON, an xlsx workbook or a plain HTML page.

Times are shown in Europe/London. Text cells that a spreadsheet would run as
a formula (starting with = + - @, or a tab or carriage return) are
neutralised with a leading apostrophe in CSV and xlsx.
"""

from __future__ import annotations

import html
import io
import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ledger.clock import LONDON
from ledger.files import write_private

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TIME_FORMAT = "%Y-%m-%d %H:%M"


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would treat as a formula, made inert; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _time_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if isinstance(df[c].dtype, pd.DatetimeTZDtype)]


def present(df: pd.DataFrame) -> pd.DataFrame:
    """Times as Europe/London text, missing values as empty cells."""
    out = df.copy()
    for c in _time_columns(out):
        out[c] = out[c].dt.tz_convert(LONDON).dt.strftime(TIME_FORMAT)
    return out.astype(object).where(out.notna(), "")


def table_text(df: pd.DataFrame, empty: str = "(none)") -> str:
    """A frame as aligned text for the terminal."""
    if df.empty:
        return empty
    return present(df).to_string(index=False)


def csv_text(df: pd.DataFrame) -> str:
    """A frame as CSV, formula-like text neutralised."""
    buffer = io.StringIO()
    present(df).map(neutralise).to_csv(buffer, index=False)
    return buffer.getvalue()


def _json_value(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return value.astimezone(LONDON).isoformat()
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame as JSON-ready records: times in Europe/London ISO 8601, missing as null."""
    return [
        {str(k): _json_value(v) for k, v in row.items()}
        for row in df.astype(object).to_dict("records")
    ]


def json_text(df: pd.DataFrame) -> str:
    """A frame as a JSON array of records."""
    return json.dumps(records(df), indent=2, ensure_ascii=False)


def write_xlsx(sheets: Mapping[str, pd.DataFrame], path: Path) -> None:
    """One sheet per table: real numbers and times, bold frozen header, widths set."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    for name, df in sheets.items():
        sheet = book.create_sheet(title=name[:31])
        sheet.append([str(c) for c in df.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        local = df.copy()
        times = _time_columns(local)
        for c in times:
            # Excel has no time zones: London wall-clock time, as people read it.
            local[c] = local[c].dt.tz_convert(LONDON).dt.tz_localize(None)
        for row in local.astype(object).itertuples(index=False):
            sheet.append([_cell(v) for v in row])
        shown = present(df.head(1000))
        for i, column in enumerate(df.columns, start=1):
            letter = get_column_letter(i)
            if column in times:
                for cell in sheet[letter][1:]:
                    cell.number_format = "yyyy-mm-dd hh:mm"
            longest = shown[column].astype(str).str.len().max() if len(shown) else 0
            width = max(len(str(column)), int(longest or 0))
            sheet.column_dimensions[letter].width = min(max(width + 2, 8), 60)
        sheet.freeze_panes = "A2"
    write_private(path, book.save)


def _cell(value: Any) -> Any:
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, list | dict | tuple):
        value = json.dumps(value)
    return neutralise(value)


_PAGE_CSS = """
@page { size: A4 landscape; margin: 12mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 9pt; color: #212b32; }
h1 { font-size: 15pt; margin: 0 0 2pt; color: #005eb8; }
p.sub { margin: 0 0 8pt; color: #4c6272; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 0.5pt solid #aeb7bd; padding: 2pt 4pt; text-align: left; vertical-align: top; }
table { table-layout: fixed; }
td { overflow-wrap: anywhere; }
.c-media_id { width: 10%; } .c-reason { width: 9%; } .c-study_uid { width: 14%; }
.c-what { width: 27%; } .c-where { width: 9%; }
.c-detected_at, .c-ico_deadline, .c-since { width: 7%; }
.c-nhs_number, .c-accession { width: 8%; }
.c-ir1_status, .c-ir1_ref, .c-data_breach { width: 5%; }
th { background: #e8edee; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
"""


def html_table(df: pd.DataFrame) -> str:
    """A frame as an HTML table; numbers right-aligned, text escaped."""
    shown = present(df)
    numeric = {
        c
        for c in df.columns
        if pd.api.types.is_numeric_dtype(df[c].dtype) and not pd.api.types.is_bool_dtype(df[c])
    }
    head = "".join(
        f'<th class="c-{c}">{html.escape(str(c)).replace("_", "_<wbr>")}</th>' for c in df.columns
    )
    body = []
    for row in shown.itertuples(index=False):
        cells = []
        for c, v in zip(df.columns, row, strict=True):
            text = html.escape(_plain(v))
            kind = "num" if c in numeric else "text"
            cells.append(f'<td class="{kind} c-{c}">{text}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _plain(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return "yes" if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def html_page(title: str, subtitle: str, df: pd.DataFrame) -> str:
    """A self-contained HTML page with one table, for a list report."""
    table = html_table(df) if not df.empty else "<p>Nothing to report.</p>"
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_PAGE_CSS}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p class='sub'>{html.escape(subtitle)}</p>"
        f"{table}</body></html>\n"
    )
