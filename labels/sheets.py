"""Write labels: one PNG, a folder of PNGs, or a true-size PDF (A4 sheets or one label a page).

All or nothing: every label is rendered and verified before anything is written, and each
file is written under a temporary name and renamed into place.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from PIL import Image

from labels.content import LabelContent
from labels.errors import (
    InvalidStart,
    LabelOffSheet,
    NoLabels,
    OutputNotWritable,
    UnsupportedOutput,
)
from labels.render import DPI, RenderedLabel, mm_to_px, render_label
from labels.templates import SheetGrid, Template, get_template, slot_origin_mm
from ledger.files import PRIVATE, write_private

PDF_TITLE = "custody labels"


class Placement(NamedTuple):
    """Where one label goes: its page (0-based) and its top-left corner in mm on that page."""

    page: int
    x_mm: float
    y_mm: float


class PageSize(NamedTuple):
    """A page in whole pixels and the exact dpi that makes those pixels its true size in mm."""

    width_px: int
    height_px: int
    dpi_x: float
    dpi_y: float


def page_size(width_mm: float, height_mm: float) -> PageSize:
    """Pixels at ~300 dpi for a page, with per-axis dpi so the PDF page is exactly the size."""
    w, h = mm_to_px(width_mm), mm_to_px(height_mm)
    return PageSize(w, h, w * 25.4 / width_mm, h * 25.4 / height_mm)


def check_offset(template: Template, offset_x_mm: float, offset_y_mm: float) -> None:
    """LabelOffSheet unless every sheet position, shifted by the offset, stays on the page."""
    grid = template.grid
    if grid is None:
        if offset_x_mm or offset_y_mm:
            raise LabelOffSheet(f"{template.name} is not a sheet: an offset does not apply to it")
        return
    left = grid.left_mm + offset_x_mm
    top = grid.top_mm + offset_y_mm
    right = left + (grid.columns - 1) * grid.pitch_x_mm + template.width_mm
    bottom = top + (grid.rows - 1) * grid.pitch_y_mm + template.height_mm
    slack = 1e-6  # float rounding only
    if (
        left < -slack
        or top < -slack
        or right > grid.page_width_mm + slack
        or (bottom > grid.page_height_mm + slack)
    ):
        raise LabelOffSheet(
            f"offset ({offset_x_mm:g} mm, {offset_y_mm:g} mm) pushes labels off the "
            f"{grid.page_width_mm:g} x {grid.page_height_mm:g} mm page of {template.name}"
        )


def place_on_sheets(
    template: Template,
    count: int,
    start: int = 1,
    offset_x_mm: float = 0.0,
    offset_y_mm: float = 0.0,
) -> list[Placement]:
    """Pages and positions for `count` labels from sheet position `start` (1-based, row by row)."""
    grid = _sheet_grid(template)
    if not 1 <= start <= grid.per_sheet:
        raise InvalidStart(
            f"{{start}} must be 1 to {grid.per_sheet} on {template.name}, not {start}",
            field="start",
        )
    check_offset(template, offset_x_mm, offset_y_mm)
    placements = []
    for i in range(count):
        position = start - 1 + i
        x, y = slot_origin_mm(grid, position)
        placements.append(Placement(position // grid.per_sheet, x + offset_x_mm, y + offset_y_mm))
    return placements


def render_labels(contents: Sequence[LabelContent], template: Template) -> list[RenderedLabel]:
    """Render and verify every label; the first failure raises and nothing is returned."""
    return [render_label(content, template) for content in contents]


def compose_sheets(
    rendered: Sequence[RenderedLabel], template: Template, placements: Sequence[Placement]
) -> tuple[list[Image.Image], PageSize]:
    """The 1-bit page images of a sheet template with each label pasted at its placement."""
    grid = _sheet_grid(template)
    size = page_size(grid.page_width_mm, grid.page_height_mm)
    pages = [
        Image.new("1", (size.width_px, size.height_px), 1)
        for _ in range(max(p.page for p in placements) + 1)
    ]
    for label, where in zip(rendered, placements, strict=True):
        x = round(where.x_mm * size.dpi_x / 25.4)
        y = round(where.y_mm * size.dpi_y / 25.4)
        pages[where.page].paste(label.image, (x, y))
    return pages, size


def save_pdf(pages: Sequence[Image.Image], size: PageSize, path: Path) -> None:
    """Write `pages` as one PDF whose pages have the true size of `size`."""
    first, *rest = pages
    first.save(
        path,
        format="PDF",
        save_all=True,
        append_images=rest,
        dpi=(size.dpi_x, size.dpi_y),
        title=PDF_TITLE,
    )


def write_labels(
    contents: Sequence[LabelContent],
    out: str | Path,
    template: Template | str = "avery-l7160",
    *,
    start: int = 1,
    offset_x_mm: float = 0.0,
    offset_y_mm: float = 0.0,
) -> list[Path]:
    """Render, verify and write labels to `out`; return the files written.

    Sheet templates write a PDF (`out` ends in .pdf). Single-label templates write one PNG
    (`out` ends in .png, one label only), a multi-page PDF (.pdf), or a folder of
    `<media id>.png` files (`out` without a suffix).
    """
    tpl = get_template(template) if isinstance(template, str) else template
    out = Path(out)
    if not contents:
        raise NoLabels("no labels to write")
    kind = _output_kind(tpl, out, len(contents))
    placements: list[Placement] = []
    if tpl.grid is not None:
        placements = place_on_sheets(tpl, len(contents), start, offset_x_mm, offset_y_mm)
    else:
        if start != 1:
            raise InvalidStart(
                f"{tpl.name} is not a sheet: {{start}} does not apply to it", field="start"
            )
        check_offset(tpl, offset_x_mm, offset_y_mm)
    rendered = render_labels(contents, tpl)

    if tpl.grid is not None:
        pages, size = compose_sheets(rendered, tpl, placements)
        atomic_file(out, lambda tmp: save_pdf(pages, size, tmp))
        return [out]
    if kind == "pdf":
        size = page_size(tpl.width_mm, tpl.height_mm)
        atomic_file(out, lambda tmp: save_pdf([r.image for r in rendered], size, tmp))
        return [out]
    if kind == "png":
        atomic_file(out, lambda tmp: _save_png(rendered[0].image, tmp))
        return [out]
    return _write_folder(rendered, out)


def _sheet_grid(template: Template) -> SheetGrid:
    """The template's sheet grid, or InvalidStart for a template with one label per page."""
    if template.grid is None:
        raise InvalidStart(f"{template.name} is not a sheet: it has no positions")
    return template.grid


def _output_kind(template: Template, out: Path, count: int) -> str:
    """The kind of output `out` asks for: pdf, png or folder; UnsupportedOutput if not allowed."""
    suffix = out.suffix.lower()
    if template.grid is not None:
        if suffix != ".pdf":
            raise UnsupportedOutput(f"{template.name} writes A4 sheets: give an output ending .pdf")
        return "pdf"
    if suffix == ".pdf":
        return "pdf"
    if suffix == ".png":
        if count > 1:
            raise UnsupportedOutput(
                f"{count} labels do not fit one PNG: give a folder or a file ending .pdf"
            )
        return "png"
    if suffix:
        raise UnsupportedOutput(f"{template.name} writes .png, .pdf or a folder, not {suffix}")
    if out.exists() and not out.is_dir():
        raise UnsupportedOutput(f"{out} is a file, not a folder")
    return "folder"


def _save_png(image: Image.Image, path: Path) -> None:
    """A 1-bit PNG that says 300 dpi, so it prints at true size."""
    image.save(path, format="PNG", dpi=(DPI, DPI))


def atomic_file(out: Path, write: Callable[[Path], None]) -> None:
    """Write through `write` to a private temporary file beside `out`, then rename it into place.

    Labels may carry a patient reference: written 0600 by the one writer of such files.
    """
    write_private(out, write)


def _write_folder(rendered: Sequence[RenderedLabel], out: Path) -> list[Path]:
    """One `<code>.png` per label (`<code>-2.png` for a second copy) in folder `out`."""
    if not out.parent.is_dir():
        raise OutputNotWritable(f"folder {out.parent} does not exist")
    names: list[str] = []
    seen: dict[str, int] = {}
    for label in rendered:
        seen[label.code] = seen.get(label.code, 0) + 1
        copy = seen[label.code]
        names.append(f"{label.code}.png" if copy == 1 else f"{label.code}-{copy}.png")
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        try:
            for label, name in zip(rendered, names, strict=True):
                _save_png(label.image, staging / name)
                os.chmod(staging / name, PRIVATE)
            out.mkdir(exist_ok=True)
            for name in names:
                os.replace(staging / name, out / name)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    except OSError as e:
        raise OutputNotWritable(f"cannot write to {out}: {e.strerror or e}") from None
    return [out / name for name in names]
