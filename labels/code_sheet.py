"""A4 sheets of command and badge barcodes for a scan station (`CMDRECEIVE`, `OPJSMITH`...)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from labels.errors import NoLabels, UnencodableCode, UnsupportedOutput
from labels.render import mm_to_px, render_code
from labels.sheets import atomic_file, page_size, save_pdf

PAGE_MM = (210.0, 297.0)
MARGIN_MM = 15.0
COLUMNS = 2
ROWS = 6
# Capitals and digits type the same on every keyboard layout; 20 fit a cell's width.
CODE_PATTERN = re.compile(r"[A-Z0-9]{1,20}")


def check_code(code: str) -> str:
    """A station code in capitals and digits (a scanner types it alike on any layout)."""
    if not CODE_PATTERN.fullmatch(code):
        raise UnencodableCode(
            f"{code!r} is not a station code (1 to 20 capitals and digits, e.g. CMDRECEIVE)"
        )
    return code


def write_code_sheet(entries: Sequence[tuple[str, str]], out_path: str | Path) -> Path:
    """Write (code, caption) pairs as captioned, decode-verified Code 128 barcodes on A4 pages."""
    out = Path(out_path)
    if out.suffix.lower() != ".pdf":
        raise UnsupportedOutput("a code sheet is a PDF: give an output ending .pdf")
    if not entries:
        raise NoLabels("no codes to print")
    for code, _ in entries:
        check_code(code)
    size = page_size(*PAGE_MM)
    cell_w = (PAGE_MM[0] - 2 * MARGIN_MM) / COLUMNS
    cell_h = (PAGE_MM[1] - 2 * MARGIN_MM) / ROWS
    rendered = [render_code(code, caption, width_mm=cell_w - 10) for code, caption in entries]
    pages: list[Image.Image] = []
    for i, label in enumerate(rendered):
        page, cell = divmod(i, COLUMNS * ROWS)
        if page == len(pages):
            pages.append(Image.new("1", (size.width_px, size.height_px), 1))
        row, column = divmod(cell, COLUMNS)
        x = (
            _px(MARGIN_MM + column * cell_w, size.dpi_x)
            + (mm_to_px(cell_w) - label.image.width) // 2
        )
        y = _px(MARGIN_MM + row * cell_h, size.dpi_y) + (mm_to_px(cell_h) - label.image.height) // 2
        pages[page].paste(label.image, (x, y))
    atomic_file(out, lambda tmp: save_pdf(pages, size, tmp))
    return out


def _px(mm: float, dpi: float) -> int:
    """Millimetres to whole pixels at `dpi`."""
    return round(mm * dpi / 25.4)
