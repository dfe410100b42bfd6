"""The template table: manufacturer geometry, and every label inside its page."""

import pytest

from labels.errors import UnknownTemplate
from labels.templates import TEMPLATES, get_template, slot_origin_mm

# Avery UK template specifications, typed in from the manufacturer's figures.
MANUFACTURER = {
    "avery-l7160": (63.5, 38.1, 3, 7, 7.25, 15.15, 66.04, 38.1),
    "avery-l7163": (99.1, 38.1, 2, 7, 4.65, 15.15, 101.6, 38.1),
}


@pytest.mark.parametrize("name", sorted(MANUFACTURER))
def test_sheet_geometry_is_the_manufacturers(name: str) -> None:
    t = get_template(name)
    assert t.grid is not None
    g = t.grid
    got = (
        t.width_mm,
        t.height_mm,
        g.columns,
        g.rows,
        g.left_mm,
        g.top_mm,
        g.pitch_x_mm,
        g.pitch_y_mm,
    )
    assert got == MANUFACTURER[name]
    assert (g.page_width_mm, g.page_height_mm) == (210.0, 297.0)


@pytest.mark.parametrize("name", [n for n, t in TEMPLATES.items() if t.grid is not None])
def test_every_position_lies_on_the_page(name: str) -> None:
    t = TEMPLATES[name]
    assert t.grid is not None
    for position in range(t.grid.per_sheet):
        x, y = slot_origin_mm(t.grid, position)
        assert x >= 0 and x + t.width_mm <= t.grid.page_width_mm
        assert y >= 0 and y + t.height_mm <= t.grid.page_height_mm + 1e-9


def test_positions_run_row_by_row() -> None:
    grid = get_template("avery-l7160").grid
    assert grid is not None
    assert slot_origin_mm(grid, 0) == (7.25, 15.15)
    assert slot_origin_mm(grid, 2) == pytest.approx((7.25 + 2 * 66.04, 15.15))
    assert slot_origin_mm(grid, 3) == pytest.approx((7.25, 15.15 + 38.1))
    assert slot_origin_mm(grid, 20) == pytest.approx((7.25 + 2 * 66.04, 15.15 + 6 * 38.1))


def test_brother_and_disc_sizes() -> None:
    brother, disc = get_template("brother-62x29"), get_template("cd-disc")
    assert (brother.width_mm, brother.height_mm, brother.grid) == (62.0, 29.0, None)
    assert (disc.shape, disc.width_mm, disc.hole_mm) == ("disc", 117.0, 41.0)


def test_unknown_template_lists_the_known_ones() -> None:
    with pytest.raises(UnknownTemplate, match="avery-l7160"):
        get_template("avery-l9999")
