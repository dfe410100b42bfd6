"""Label templates as data: one frozen record per stock; adding a stock is adding a row.

Sheet geometry is the manufacturer's (Avery UK template specifications): top margin,
side margin, horizontal and vertical pitch, measured from the top-left of the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from labels.errors import UnknownTemplate

A4 = (210.0, 297.0)


@dataclass(frozen=True)
class SheetGrid:
    """Where labels sit on a sheet, in mm from the page's top-left corner."""

    page_width_mm: float
    page_height_mm: float
    columns: int
    rows: int
    left_mm: float
    top_mm: float
    pitch_x_mm: float
    pitch_y_mm: float

    @property
    def per_sheet(self) -> int:
        """How many labels one sheet holds."""
        return self.columns * self.rows


@dataclass(frozen=True)
class Template:
    """One label stock: its size, where ink may go, and its sheet grid (None: one per page)."""

    name: str
    description: str
    width_mm: float
    height_mm: float
    # Keep ink this far inside the cut edge: printers drift and some cannot print to the edge.
    margin_x_mm: float
    margin_y_mm: float
    shape: Literal["rect", "disc"] = "rect"
    hole_mm: float = 0.0
    grid: SheetGrid | None = None


TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in (
        Template(
            name="brother-62x29",
            description="Brother QL die-cut 62 x 29 mm (DK-11209), one label per PNG or PDF page",
            width_mm=62.0,
            height_mm=29.0,
            # Brother QL printable area on 62 x 29 is 696 x 271 dots of 732 x 341 at 300 dpi.
            margin_x_mm=1.6,
            margin_y_mm=3.0,
        ),
        Template(
            name="avery-l7163",
            description="Avery L7163: A4, 2 x 7 labels of 99.1 x 38.1 mm",
            width_mm=99.1,
            height_mm=38.1,
            margin_x_mm=2.0,
            margin_y_mm=2.0,
            grid=SheetGrid(
                *A4,
                columns=2,
                rows=7,
                left_mm=4.65,
                top_mm=15.15,
                pitch_x_mm=101.6,
                pitch_y_mm=38.1,
            ),
        ),
        Template(
            name="avery-l7160",
            description="Avery L7160: A4, 3 x 7 labels of 63.5 x 38.1 mm",
            width_mm=63.5,
            height_mm=38.1,
            margin_x_mm=2.0,
            margin_y_mm=2.0,
            grid=SheetGrid(
                *A4,
                columns=3,
                rows=7,
                left_mm=7.25,
                top_mm=15.15,
                pitch_x_mm=66.04,
                pitch_y_mm=38.1,
            ),
        ),
        Template(
            name="cd-disc",
            description="Printable disc: round 117 mm label with a 41 mm hole, one per page",
            width_mm=117.0,
            height_mm=117.0,
            margin_x_mm=2.0,
            margin_y_mm=2.0,
            shape="disc",
            hole_mm=41.0,
        ),
    )
}


def get_template(name: str) -> Template:
    """The template called `name`, or UnknownTemplate naming the ones there are."""
    try:
        return TEMPLATES[name]
    except KeyError:
        raise UnknownTemplate(
            f"no label template {name!r} (templates: {', '.join(TEMPLATES)})"
        ) from None


def slot_origin_mm(grid: SheetGrid, position: int) -> tuple[float, float]:
    """Top-left corner (x, y) in mm of sheet position `position` (0-based, row by row)."""
    row, column = divmod(position % grid.per_sheet, grid.columns)
    return grid.left_mm + column * grid.pitch_x_mm, grid.top_mm + row * grid.pitch_y_mm
