"""Rendering: exact module widths, clear quiet zones, ink inside the label, verify-on-render."""

import math

import pytest
from PIL import Image

from labels.errors import BarcodeNotVerified, LabelDoesNotFit
from labels.render import (
    MODULE_DOTS,
    QUIET_MODULES,
    _from_text,
    code128_modules,
    mm_to_px,
    render_code,
    render_label,
    verify,
)
from labels.templates import TEMPLATES, Template
from tests.labels.conftest import label, worst_case

ALL = sorted(TEMPLATES)


def runs(pixels: list[int]) -> list[tuple[int, int]]:
    """(colour, length) runs of a row of 1-bit pixels, dark as 1."""
    out: list[tuple[int, int]] = []
    for p in pixels:
        dark = 1 if p == 0 else 0
        if out and out[-1][0] == dark:
            out[-1] = (dark, out[-1][1] + 1)
        else:
            out.append((dark, 1))
    return out


@pytest.mark.parametrize("name", ALL)
def test_every_module_is_three_dots_and_the_bars_spell_the_code(name: str) -> None:
    rendered = render_label(worst_case(), TEMPLATES[name])
    left, top, right, bottom = rendered.barcode_box
    row = [rendered.image.getpixel((x, (top + bottom) // 2)) for x in range(left, right)]
    expected = runs([0 if m == "1" else 255 for m in code128_modules(rendered.code)])
    assert runs(row) == [(dark, n * MODULE_DOTS) for dark, n in expected]


@pytest.mark.parametrize("name", ALL)
def test_quiet_zones_of_ten_modules_are_clear(name: str) -> None:
    rendered = render_label(worst_case(), TEMPLATES[name])
    left, top, right, bottom = rendered.barcode_box
    quiet = QUIET_MODULES * MODULE_DOTS
    for box in ((left - quiet, top, left, bottom), (right, top, right + quiet, bottom)):
        assert rendered.image.crop(box).convert("L").getextrema() == (255, 255), box


def ink_outside_safe_area(image: Image.Image, template: Template) -> int:
    """Count dark pixels where the template says no ink may go (3 px of glyph spill allowed)."""
    spill = 3
    mx, my = mm_to_px(template.margin_x_mm) - spill, mm_to_px(template.margin_y_mm) - spill
    dark = 0
    if template.shape == "disc":
        c = image.width / 2
        outer = c - mx
        hole = mm_to_px(template.hole_mm) / 2 + my
        step = 2  # sampling every other pixel keeps this fast and still finds any stray text
        for y in range(0, image.height, step):
            for x in range(0, image.width, step):
                r = math.hypot(x - c, y - c)
                if (r > outer or r < hole) and image.getpixel((x, y)) == 0:
                    dark += 1
        return dark
    inner = Image.new("1", image.size, 1)
    inner.paste(image.crop((mx, my, image.width - mx, image.height - my)), (mx, my))
    return image.histogram()[0] - inner.histogram()[0]


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("content", [label(42), worst_case()], ids=["typical", "worst-case"])
def test_labels_stay_inside_the_printable_area(name: str, content: object) -> None:
    template = TEMPLATES[name]
    rendered = render_label(content, template)  # type: ignore[arg-type]
    assert rendered.image.mode == "1"
    assert rendered.image.size == (mm_to_px(template.width_mm), mm_to_px(template.height_mm))
    assert ink_outside_safe_area(rendered.image, template) == 0


def test_an_address_too_long_for_the_label_is_refused() -> None:
    content = label(42, return_address="\n".join(f"Building {i}, Long Street" for i in range(12)))
    with pytest.raises(LabelDoesNotFit, match="brother-62x29"):
        render_label(content, TEMPLATES["brother-62x29"])


def test_verify_refuses_a_label_that_does_not_decode() -> None:
    blank = Image.new("1", (600, 120), 1)
    with pytest.raises(BarcodeNotVerified, match="RGT00000042X"):
        verify(blank, "RGT00000042X", (30, 0, 570, 120))


def test_verify_refuses_a_barcode_of_another_code() -> None:
    other = render_label(label(43), TEMPLATES["avery-l7160"])
    with pytest.raises(BarcodeNotVerified, match="decoded as"):
        verify(other.image, "RGT00000042X", other.barcode_box)


def test_a_station_code_renders_and_verifies() -> None:
    rendered = render_code("CMDRECEIVE", "Receive", width_mm=80)
    assert rendered.code == "CMDRECEIVE"
    assert rendered.image.width == mm_to_px(80)


@pytest.mark.parametrize("name", ALL)
def test_a_sender_without_an_address_gets_no_empty_return_line(name: str) -> None:
    content = label(42, return_address="")
    assert _from_text(content) == "From Cambridge University Hospitals (RGT)"
    assert _from_text(content, compact=True) == "From Cambridge University Hospitals (RGT)"
    assert render_label(content, TEMPLATES[name]).code == content.media_id


@pytest.mark.parametrize("name", ALL)
def test_the_demo_partners_long_names_fit_every_template_with_every_extra(name: str) -> None:
    from demo.synthetic import HOME, PARTNERS

    for code, partner, _address in PARTNERS:
        content = label(
            331,
            destination_code=code,
            destination_name=partner,
            sender_name=HOME[1],
            return_address=HOME[2],
            exception="secure-with-notes",
            urgent=True,
            patient_ref="H1234567",
        )
        assert render_label(content, TEMPLATES[name]).code == content.media_id


@pytest.mark.parametrize("name", ALL)
def test_a_second_decoder_reads_every_template(name: str) -> None:
    from tests.labels.conftest import zxing_codes

    rendered = render_label(worst_case(), TEMPLATES[name])
    assert zxing_codes(rendered.image) == {rendered.code}
