"""Writing labels: round trips, sheet geometry, --start, offsets, all-or-nothing."""

from pathlib import Path

import pytest
from PIL import Image

import labels.decode
from labels.decode import decode_codes, media_ids_in
from labels.errors import (
    BarcodeNotVerified,
    InvalidStart,
    LabelOffSheet,
    NoLabels,
    OutputNotWritable,
    UnsupportedOutput,
)
from labels.render import mm_to_px, render_label
from labels.sheets import place_on_sheets, write_labels
from labels.templates import TEMPLATES, slot_origin_mm
from tests.labels.conftest import labels_for, needs_pdftoppm, rasterise, zxing_codes

TOLERANCE_MM = 0.2
PX_PER_MM = 300 / 25.4


def decoded(pages: list[Image.Image]) -> set[str]:
    """Every media ID on the pages, as pyzbar (what the product uses) and zxing-cpp both read."""
    found: set[str] = set()
    for page in pages:
        ours = media_ids_in(decode_codes(page))
        assert ours == zxing_codes(page), "the two decoders disagree"
        found |= ours
    return found


@needs_pdftoppm
@pytest.mark.parametrize(
    ("name", "count"),
    [("avery-l7160", 23), ("avery-l7163", 15), ("brother-62x29", 3), ("cd-disc", 2)],
)
def test_round_trip_pdf_for_every_template(tmp_path: Path, name: str, count: int) -> None:
    contents = labels_for(count)
    out = tmp_path / "labels.pdf"
    assert write_labels(contents, out, name) == [out]
    pages = rasterise(out)
    grid = TEMPLATES[name].grid
    assert len(pages) == (-(-count // grid.per_sheet) if grid else count)
    assert decoded(pages) == {c.media_id for c in contents}


@pytest.mark.parametrize("name", ["brother-62x29", "cd-disc"])
def test_round_trip_png_folder_and_single_png(tmp_path: Path, name: str) -> None:
    contents = labels_for(3)
    written = write_labels(contents + contents[:1], tmp_path / "out", name)
    assert sorted(p.name for p in written) == sorted(
        [f"{c.media_id}.png" for c in contents] + [f"{contents[0].media_id}-2.png"]
    )
    images = [Image.open(p) for p in written]
    assert all(im.info["dpi"] == pytest.approx((300, 300), abs=0.01) for im in images)
    assert decoded(images) == {c.media_id for c in contents}

    single = tmp_path / "one.png"
    write_labels(contents[:1], single, name)
    with Image.open(single) as im:
        t = TEMPLATES[name]
        assert im.size == (mm_to_px(t.width_mm), mm_to_px(t.height_mm))
        assert decoded([im]) == {contents[0].media_id}


def bars_top_left(page: Image.Image, expect_x: int, expect_y: int) -> tuple[int, int] | None:
    """The first bar's top-left corner found within 1.7 mm of where it is expected."""
    window = 20
    rows = range(expect_y + window, expect_y + window + 10)
    for x in range(expect_x - window, expect_x + window):
        if all(page.getpixel((x, y)) < 128 for y in rows):  # type: ignore[operator]
            y = expect_y + window
            while page.getpixel((x + 1, y - 1)) < 128:  # type: ignore[operator]
                y -= 1
            return x, y
    return None


@needs_pdftoppm
@pytest.mark.parametrize(
    ("name", "start", "dx", "dy"),
    [
        ("avery-l7160", 1, 0.0, 0.0),
        ("avery-l7160", 5, 1.5, -2.0),
        ("avery-l7163", 1, 0.0, 0.0),
        ("avery-l7163", 4, -3.0, 2.5),
    ],
)
def test_label_positions_match_the_template_to_a_fifth_of_a_mm(
    tmp_path: Path, name: str, start: int, dx: float, dy: float
) -> None:
    template = TEMPLATES[name]
    grid = template.grid
    assert grid is not None
    contents = labels_for(grid.per_sheet - start + 1)
    out = tmp_path / "sheet.pdf"
    write_labels(contents, out, name, start=start, offset_x_mm=dx, offset_y_mm=dy)
    (page,) = rasterise(out)
    # The page is A4: 2480.3 x 3507.9 dots, which pdftoppm rounds up.
    assert page.size in {(2480, 3508), (2481, 3508)}
    for i, content in enumerate(contents):
        bars = render_label(content, template).barcode_box
        x_mm, y_mm = slot_origin_mm(grid, start - 1 + i)
        want = ((x_mm + dx) * PX_PER_MM + bars[0], (y_mm + dy) * PX_PER_MM + bars[1])
        found = bars_top_left(page, round(want[0]), round(want[1]))
        assert found is not None, f"no barcode near position {start + i}"
        assert abs(found[0] - want[0]) / PX_PER_MM <= TOLERANCE_MM
        assert abs(found[1] - want[1]) / PX_PER_MM <= TOLERANCE_MM
    # Positions before --start are left blank for the labels already peeled off.
    for position in range(start - 1):
        x_mm, y_mm = slot_origin_mm(grid, position)
        box = [round(v * PX_PER_MM) for v in (x_mm + dx, y_mm + dy)]
        blank = page.crop((box[0], box[1], box[0] + 700, box[1] + 400))
        assert blank.getextrema()[0] > 128


def test_start_continues_on_later_sheets() -> None:
    placements = place_on_sheets(TEMPLATES["avery-l7160"], 5, start=20)
    assert [p.page for p in placements] == [0, 0, 1, 1, 1]
    assert placements[2][1:] == (7.25, 15.15)


@pytest.mark.parametrize(("dx", "dy"), [(-7.3, 0.0), (7.2, 0.0), (0.0, -15.2), (0.0, 15.2)])
def test_an_offset_off_the_sheet_writes_nothing(tmp_path: Path, dx: float, dy: float) -> None:
    out = tmp_path / "sheet.pdf"
    with pytest.raises(LabelOffSheet, match="off the"):
        write_labels(labels_for(1), out, "avery-l7160", offset_x_mm=dx, offset_y_mm=dy)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "count", "dx", "dy"),
    [("avery-l7160", 21, -7.25, 15.15), ("avery-l7163", 14, 4.65, -15.15)],
)
def test_the_largest_offsets_that_fit_are_accepted(
    name: str, count: int, dx: float, dy: float
) -> None:
    t = TEMPLATES[name]
    placed = place_on_sheets(t, count, offset_x_mm=dx, offset_y_mm=dy)
    assert len(placed) == count and {p.page for p in placed} == {0}
    # Every label still on the A4 page (210 x 297 mm), to the hundredth of a mm.
    assert min(p.x_mm for p in placed) >= -0.005 and min(p.y_mm for p in placed) >= -0.005
    assert max(p.x_mm for p in placed) + t.width_mm <= 210.005
    assert max(p.y_mm for p in placed) + t.height_mm <= 297.005
    # A tenth of a millimetre more is off the sheet.
    with pytest.raises(LabelOffSheet):
        place_on_sheets(t, count, offset_x_mm=dx + (0.1 if dx > 0 else -0.1), offset_y_mm=dy)


@pytest.mark.parametrize("start", [0, 22, -1])
def test_start_outside_the_sheet_is_refused(tmp_path: Path, start: int) -> None:
    with pytest.raises(InvalidStart, match="1 to 21"):
        write_labels(labels_for(1), tmp_path / "s.pdf", "avery-l7160", start=start)


def test_start_and_offset_do_not_apply_to_a_roll(tmp_path: Path) -> None:
    with pytest.raises(InvalidStart):
        write_labels(labels_for(1), tmp_path / "b.pdf", "brother-62x29", start=2)
    with pytest.raises(LabelOffSheet):
        write_labels(labels_for(1), tmp_path / "b.pdf", "brother-62x29", offset_x_mm=1)


@pytest.mark.parametrize(
    ("name", "out", "count"),
    [("avery-l7160", "s.png", 1), ("brother-62x29", "b.png", 2), ("brother-62x29", "b.jpg", 1)],
)
def test_outputs_a_template_cannot_write(tmp_path: Path, name: str, out: str, count: int) -> None:
    with pytest.raises(UnsupportedOutput):
        write_labels(labels_for(count), tmp_path / out, name)


def test_no_labels_and_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(NoLabels):
        write_labels([], tmp_path / "s.pdf")
    with pytest.raises(OutputNotWritable, match="does not exist"):
        write_labels(labels_for(1), tmp_path / "missing" / "s.pdf")


@pytest.mark.parametrize(("name", "out"), [("avery-l7160", "s.pdf"), ("brother-62x29", "folder")])
def test_a_label_that_fails_to_verify_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, out: str
) -> None:
    contents = labels_for(4)
    target = tmp_path / out
    if target.suffix:
        target.write_bytes(b"previous sheet")
    real = labels.decode.decode_region

    def misread_third(image: Image.Image) -> list[str]:
        found = real(image)
        return [] if found == [contents[2].media_id] else found

    monkeypatch.setattr(labels.decode, "decode_region", misread_third)
    with pytest.raises(BarcodeNotVerified, match=contents[2].media_id):
        write_labels(contents, target, name)
    if target.suffix:
        assert target.read_bytes() == b"previous sheet"
        assert [p.name for p in tmp_path.iterdir()] == [out]
    else:
        assert list(tmp_path.iterdir()) == []
