"""Render one label to a 1-bit image at 300 dpi, and prove it scans before anyone prints it.

Barcode: Code 128 (python-barcode encodes it, with its code-set optimisation and check
character); bars are drawn here so every module is exactly MODULE_DOTS dots wide.
Module = 3 dots at 300 dpi = 0.254 mm (10 mil): a 203 dpi thermal printer reproduces it as
exactly 2 dots (0.250 mm), so every bar and space keeps its ratio on both printer kinds.
Quiet zones are QUIET_MODULES modules each side, the ISO/IEC 15417 minimum.

Text uses Pillow's built-in scalable font (Aileron, Pillow >= 10.1), so nothing depends on
fonts installed on the machine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from PIL import Image, ImageDraw, ImageFont

from labels.content import LabelContent
from labels.errors import BarcodeNotVerified, LabelDoesNotFit
from labels.templates import Template
from ledger.ids import parse_media_id

DPI = 300
MODULE_DOTS = 3
QUIET_MODULES = 10
MIN_TEXT_PX = 22  # 5.3 pt: the smallest text we print
MIN_BAR_MM = 5.0
MAX_BAR_MM = 12.0
BLACK = 0
WHITE = 1

Box = tuple[int, int, int, int]


class RenderedLabel(NamedTuple):
    """A label image (mode "1", 300 dpi) that has decoded back to `code`; bars at `barcode_box`."""

    code: str
    image: Image.Image
    barcode_box: Box  # left, top, right, bottom of the bars (exclusive), in image pixels


def mm_to_px(mm: float) -> int:
    """Millimetres to whole pixels at 300 dpi."""
    return round(mm * DPI / 25.4)


@lru_cache(maxsize=64)
def font(size: int) -> ImageFont.FreeTypeFont:
    """Pillow's built-in Aileron Regular at `size` pixels."""
    loaded = ImageFont.load_default(size=size)
    if not isinstance(loaded, ImageFont.FreeTypeFont):
        raise RuntimeError("Pillow was built without FreeType; labels need its scalable font")
    return loaded


def line_height(size: int) -> int:
    """Pixels from one line's top to the next line's top at font `size`."""
    ascent, descent = font(size).getmetrics()
    return ascent + descent


@lru_cache(maxsize=8192)
def text_width(text: str, size: int) -> float:
    """Width in pixels of `text` at font `size`."""
    return font(size).getlength(text)


@lru_cache(maxsize=2048)
def _text_mask(text: str, size: int) -> tuple[Image.Image, int, int]:
    """`text` drawn once as a 1-bit mask, with its offset from the line's top-left corner.

    Batches repeat the same lines (destination, sender, marker): drawing each once is the
    largest saving when rendering a thousand labels.
    """
    # Drawn on a padded canvas and cropped to the ink: 1-bit glyphs can spill past getbbox().
    pad = size
    canvas = Image.new(
        "1", (round(text_width(text, size)) + 2 * pad, line_height(size) + 2 * pad), 0
    )
    ImageDraw.Draw(canvas).text((pad, pad), text, font=font(size), fill=1, anchor="la")
    box = canvas.getbbox() or (pad, pad, pad + 1, pad + 1)
    return canvas.crop(box), box[0] - pad, box[1] - pad


@lru_cache(maxsize=4096)
def code128_modules(code: str) -> str:
    """The Code 128 symbol of `code` as a string of modules, "1" for bar, "0" for space."""
    from barcode import Code128  # python-barcode: imported only when a label is drawn

    return str(Code128(code).build()[0])


def barcode_width_px(code: str) -> int:
    """Width of the barcode of `code` with both quiet zones, in pixels."""
    return (len(code128_modules(code)) + 2 * QUIET_MODULES) * MODULE_DOTS


def draw_code128(draw: ImageDraw.ImageDraw, x: int, y: int, code: str, height: int) -> Box:
    """Draw the bars of `code` with the left quiet zone starting at x; return the bars' box."""
    modules = code128_modules(code)
    left = x + QUIET_MODULES * MODULE_DOTS
    i = 0
    while i < len(modules):
        if modules[i] == "1":
            j = i
            while j < len(modules) and modules[j] == "1":
                j += 1
            draw.rectangle(
                (left + i * MODULE_DOTS, y, left + j * MODULE_DOTS - 1, y + height - 1), fill=BLACK
            )
            i = j
        else:
            i += 1
    return left, y, left + len(modules) * MODULE_DOTS, y + height


def wrap(text: str, size: int, width: float) -> list[str] | None:
    """Lines of `text` (one paragraph per newline) wrapped to `width`; None if a word is wider."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}" if current else word
            if text_width(candidate, size) <= width:
                current = candidate
            elif text_width(word, size) > width:
                return None
            else:
                lines.append(current)
                current = word
        if current:
            lines.append(current)
    return lines


def fit(
    text: str, width: float, max_lines: int, largest: int, smallest: int
) -> tuple[int, list[str]]:
    """The largest font size (and its lines) at which `text` wraps into `max_lines` of `width`."""
    for size in range(largest, smallest - 1, -1):
        lines = wrap(text, size, width)
        if lines is not None and len(lines) <= max_lines:
            return size, lines
    raise LabelDoesNotFit(f"{text[:40]!r} does not fit on the label even at the smallest text size")


def verify(image: Image.Image, code: str, bars: Box) -> None:
    """Decode the barcode region of `image`; BarcodeNotVerified unless it reads exactly `code`."""
    from labels.decode import decode_region

    quiet = QUIET_MODULES * MODULE_DOTS
    left, top, right, bottom = bars
    region = image.crop((max(0, left - quiet), top, min(image.width, right + quiet), bottom))
    found = decode_region(region)
    if found != [code]:
        raise BarcodeNotVerified(
            f"the label for {code} decoded as {found or 'nothing'}; not written"
        )


def render_label(content: LabelContent, template: Template) -> RenderedLabel:
    """Draw `content` on `template` and verify its barcode; LabelDoesNotFit / BarcodeNotVerified."""
    if template.shape == "disc":
        image, bars = _render_disc(content, template)
    else:
        image, bars = _render_rect(content, template)
    verify(image, content.media_id, bars)
    return RenderedLabel(content.media_id, image, bars)


def render_code(code: str, caption: str, width_mm: float, bar_mm: float = 10.0) -> RenderedLabel:
    """A caption above the barcode of any Code 128 `code` with the code beneath, verified."""
    width = max(mm_to_px(width_mm), barcode_width_px(code))
    caption_size, caption_lines = fit(caption, width, 2, 44, MIN_TEXT_PX)
    bar_h = mm_to_px(bar_mm)
    caption_h = len(caption_lines) * line_height(caption_size)
    gap = mm_to_px(1.0)
    height = caption_h + gap + bar_h + gap + line_height(30)
    image = Image.new("1", (width, height), WHITE)
    draw = ImageDraw.Draw(image)
    _draw_lines(draw, caption_lines, caption_size, 0, 0, width, centre=True)
    x = (width - barcode_width_px(code)) // 2
    bars = draw_code128(draw, x, caption_h + gap, code, bar_h)
    _draw_lines(draw, [code], 30, 0, bars[3] + gap, width, centre=True)
    verify(image, code, bars)
    return RenderedLabel(code, image, bars)


def _draw_lines(
    draw: ImageDraw.ImageDraw,
    lines: list[str],
    size: int,
    x: int,
    y: int,
    width: int,
    *,
    centre: bool = False,
    fill: int = BLACK,
) -> int:
    """Draw `lines` down from y, centred in `width` or left-aligned; return the y below them."""
    step = line_height(size)
    for line in lines:
        left = x + (width - text_width(line, size)) / 2 if centre else x
        mask, dx, dy = _text_mask(line, size)
        draw.bitmap((round(left) + dx, y + dy), mask, fill=fill)
        y += step
    return y


def _marker_height(size: int) -> int:
    """Height of the encryption marker box for text of `size`."""
    return line_height(size) + 2 * _marker_pad(size)


def _marker_pad(size: int) -> int:
    """Padding inside the marker box around its text."""
    return max(4, size // 5)


def _draw_marker(draw: ImageDraw.ImageDraw, content: LabelContent, size: int, box: Box) -> None:
    """The encryption marker in a box: outlined when encrypted, white on black when not."""
    left, top, right, _ = box
    if content.encrypted:
        draw.rectangle(box, outline=BLACK, width=3, fill=WHITE)
        colour = BLACK
    else:
        draw.rectangle(box, fill=BLACK)
        colour = WHITE
    _draw_lines(
        draw,
        [content.marker],
        size,
        left,
        top + _marker_pad(size),
        right - left,
        centre=True,
        fill=colour,
    )


def _urgent_badge(size: int) -> tuple[int, int]:
    """Width and height of the URGENT badge at font `size`."""
    return round(text_width("URGENT", size)) + 2 * _marker_pad(size), _marker_height(size)


def _draw_urgent(draw: ImageDraw.ImageDraw, x: int, y: int, size: int) -> None:
    """URGENT, white on black, with its top-left corner at (x, y)."""
    w, h = _urgent_badge(size)
    draw.rectangle((x, y, x + w - 1, y + h - 1), fill=BLACK)
    draw.text(
        (x + _marker_pad(size), y + _marker_pad(size)),
        "URGENT",
        font=font(size),
        fill=WHITE,
        anchor="la",
    )


def _to_text(content: LabelContent) -> str:
    """The destination as printed: `TO Name (CODE)`."""
    return f"TO {content.destination_name} ({content.destination_code})"


def _from_text(content: LabelContent, *, compact: bool = False) -> str:
    """Sender and return address; compact drops the sender's name (the address names it)."""
    address = content.return_address.replace("\n", ", ")
    if not address:
        return f"From {content.sender_name} ({content.sender_code})"
    if compact:
        return f"From {content.sender_code}. Return to: {address}"
    return f"From {content.sender_name} ({content.sender_code})\nReturn to: {address}"


def _side_lines(content: LabelContent) -> list[str]:
    """Short facts beside the barcode: the date, and the patient reference if opted in."""
    lines = [content.date.strftime("%d %b %Y")]
    if content.patient_ref:
        lines.append(f"Patient: {content.patient_ref}")
    return lines


def _grouped(content: LabelContent) -> str:
    """The media ID in groups for reading aloud."""
    return parse_media_id(content.media_id).grouped


@dataclass(frozen=True)
class _RectPlan:
    """Font sizes and wrapped lines of one attempt at laying out a rectangular label."""

    header_size: int
    header_lines: list[str]
    id_size: int
    side_size: int
    side_lines: list[str]
    marker_size: int
    from_size: int
    from_lines: list[str]
    from_beside: bool  # the From block sits beside the barcode (wide labels), not at the foot
    urgent_beside: bool  # URGENT sits beside the barcode, not at the end of the header
    bar_h: int


def _plan_rect(
    content: LabelContent,
    template: Template,
    header_max_lines: int,
    scale: float,
    from_text: str,
    urgent_beside: bool,
) -> _RectPlan | None:
    """Sizes and lines for one font scale, or None when something does not fit."""
    w = mm_to_px(template.width_mm - 2 * template.margin_x_mm)
    h = mm_to_px(template.height_mm - 2 * template.margin_y_mm)
    gap = mm_to_px(0.5)

    def px(preferred: int) -> int:
        return max(MIN_TEXT_PX, round(preferred * scale))

    header_size = px(36)
    header = _plan_header(content, header_size, w, gap, header_max_lines, urgent_beside)
    if header is None:
        return None
    header_lines, header_h = header

    id_size = max(28, round(44 * scale))
    side_size = px(28)
    side_lines = _side_lines(content)
    side_w = w - barcode_width_px(content.media_id)
    badge_h = _side_badge_height(side_lines, side_size, side_w, urgent_beside)
    if badge_h is None:
        return None

    marker_size = px(30)
    marker_h = _marker_height(marker_size)
    from_size = px(26)
    from_block = _plan_from(from_text, from_size, side_w, w)
    if from_block is None:
        return None
    from_beside, from_lines, from_h = from_block

    id_h = line_height(id_size)
    foot_h = marker_h + (0 if from_beside else gap + from_h)
    bar_h = min(h - header_h - gap - id_h - gap - foot_h, mm_to_px(MAX_BAR_MM))
    if bar_h < mm_to_px(MIN_BAR_MM):
        return None
    beside_h = len(side_lines) * line_height(side_size) + (from_h if from_beside else 0)
    beside_h += badge_h + gap if urgent_beside else 0
    if beside_h > bar_h + id_h:
        return None
    return _RectPlan(
        header_size,
        header_lines,
        id_size,
        side_size,
        side_lines,
        marker_size,
        from_size,
        from_lines,
        from_beside,
        urgent_beside,
        bar_h,
    )


def _plan_header(
    content: LabelContent,
    header_size: int,
    w: int,
    gap: int,
    header_max_lines: int,
    urgent_beside: bool,
) -> tuple[list[str], int] | None:
    """The header's wrapped lines and height (URGENT at its end unless beside the barcode)."""
    urgent_in_header = content.urgent and not urgent_beside
    urgent_w = _urgent_badge(header_size)[0] + gap if urgent_in_header else 0
    header_lines = wrap(_to_text(content), header_size, w - urgent_w)
    if header_lines is None or len(header_lines) > header_max_lines:
        return None
    header_h = max(
        len(header_lines) * line_height(header_size),
        _urgent_badge(header_size)[1] if urgent_in_header else 0,
    )
    return header_lines, header_h


def _side_badge_height(
    side_lines: list[str], side_size: int, side_w: int, urgent_beside: bool
) -> int | None:
    """The URGENT badge's height beside the barcode; None when it or the side facts do not fit."""
    if side_w < max(text_width(line, side_size) for line in side_lines):
        return None
    badge_w, badge_h = _urgent_badge(side_size)
    if urgent_beside and side_w < badge_w:
        return None
    return badge_h


def _plan_from(
    from_text: str, from_size: int, side_w: int, w: int
) -> tuple[bool, list[str], int] | None:
    """Whether the From block sits beside the barcode, its wrapped lines and their height."""
    from_beside = side_w >= mm_to_px(35)
    from_width = side_w if from_beside else w
    from_lines = wrap(from_text, from_size, from_width)
    if from_lines is None:
        return None
    return from_beside, from_lines, len(from_lines) * line_height(from_size)


def _render_rect(content: LabelContent, template: Template) -> tuple[Image.Image, Box]:
    """Header, barcode with ID and side facts, marker box, From block; largest text that fits."""
    plan = _best_rect_plan(content, template)
    width, height = mm_to_px(template.width_mm), mm_to_px(template.height_mm)
    mx, my = mm_to_px(template.margin_x_mm), mm_to_px(template.margin_y_mm)
    gap = mm_to_px(0.5)
    image = Image.new("1", (width, height), WHITE)
    draw = ImageDraw.Draw(image)

    y = my + _draw_rect_header(draw, content, plan, mx, my, width) + gap
    bars = _draw_rect_barcode(draw, content, plan, mx, y, width)
    y = bars[3] + line_height(plan.id_size) + gap
    _draw_rect_foot(draw, content, plan, y, template)
    return image, bars


def _best_rect_plan(content: LabelContent, template: Template) -> _RectPlan:
    """The first layout that fits, in order of preference; LabelDoesNotFit when none does."""
    # Prefer, in order: a one-line header on a short label, the full sender, URGENT in the
    # header, then the largest text; a long name on a short label takes a second line last.
    attempts = (
        (header_max_lines, 1.0 - step * 0.05, from_text, urgent_beside)
        for header_max_lines in ((1, 2) if template.height_mm < 35 else (2,))
        for from_text in (_from_text(content), _from_text(content, compact=True))
        for urgent_beside in ((False, True) if content.urgent else (False,))
        for step in range(9)
    )
    plan = next((p for a in attempts if (p := _plan_rect(content, template, *a)) is not None), None)
    if plan is None:
        raise LabelDoesNotFit(
            f"the label for {content.media_id} does not fit {template.name}: "
            "shorten the organisation names or the return address"
        )
    return plan


def _draw_rect_header(
    draw: ImageDraw.ImageDraw, content: LabelContent, plan: _RectPlan, mx: int, y: int, width: int
) -> int:
    """Draw the header lines (and URGENT at their end unless it sits beside); its height."""
    _draw_lines(draw, plan.header_lines, plan.header_size, mx, y, width - 2 * mx)
    header_h = len(plan.header_lines) * line_height(plan.header_size)
    if content.urgent and not plan.urgent_beside:
        badge_w, badge_h = _urgent_badge(plan.header_size)
        _draw_urgent(draw, width - mx - badge_w, y, plan.header_size)
        header_h = max(header_h, badge_h)
    return header_h


def _draw_rect_barcode(
    draw: ImageDraw.ImageDraw, content: LabelContent, plan: _RectPlan, mx: int, y: int, width: int
) -> Box:
    """Draw the barcode, the grouped ID under it and the side facts beside it; the bars' box."""
    gap = mm_to_px(0.5)
    bars = draw_code128(draw, mx, y, content.media_id, plan.bar_h)
    quiet = QUIET_MODULES * MODULE_DOTS
    _draw_lines(
        draw,
        [_grouped(content)],
        plan.id_size,
        bars[0] - quiet,
        bars[3],
        bars[2] - bars[0] + 2 * quiet,
        centre=True,
    )
    side_x = bars[2] + quiet
    side_y = y
    if plan.urgent_beside:
        _draw_urgent(draw, side_x, side_y, plan.side_size)
        side_y += _urgent_badge(plan.side_size)[1] + gap
    side_y = _draw_lines(draw, plan.side_lines, plan.side_size, side_x, side_y, width - mx - side_x)
    if plan.from_beside:
        _draw_lines(draw, plan.from_lines, plan.from_size, side_x, side_y, width - mx - side_x)
    return bars


def _draw_rect_foot(
    draw: ImageDraw.ImageDraw, content: LabelContent, plan: _RectPlan, y: int, template: Template
) -> None:
    """Draw the marker box and (unless beside the barcode) the From block on the bottom margin."""
    width, height = mm_to_px(template.width_mm), mm_to_px(template.height_mm)
    mx, my = mm_to_px(template.margin_x_mm), mm_to_px(template.margin_y_mm)
    gap = mm_to_px(0.5)
    marker_h = _marker_height(plan.marker_size)
    foot_h = marker_h
    if not plan.from_beside:
        foot_h += gap + len(plan.from_lines) * line_height(plan.from_size)
    y = max(y, height - my - foot_h)  # the foot sits on the bottom margin; spare space above it
    _draw_marker(draw, content, plan.marker_size, (mx, y, width - mx - 1, y + marker_h - 1))
    y += marker_h + gap
    if not plan.from_beside:
        _draw_lines(draw, plan.from_lines, plan.from_size, mx, y, width - 2 * mx)


def _render_disc(content: LabelContent, template: Template) -> tuple[Image.Image, Box]:
    """A round label: destination and barcode above the hole, marker and sender below it."""
    size = mm_to_px(template.width_mm)
    centre = size / 2
    outer = centre - mm_to_px(template.margin_x_mm)
    hole = mm_to_px(template.hole_mm) / 2 + mm_to_px(template.margin_y_mm)
    gap = mm_to_px(1.0)
    image = Image.new("1", (size, size), WHITE)
    draw = ImageDraw.Draw(image)

    def chord(top: float, bottom: float) -> int:
        """Usable width of the ring between heights top and bottom (above or below the hole)."""
        far = max(abs(top - centre), abs(bottom - centre))
        return int(2 * math.sqrt(max(0.0, outer**2 - far**2)))

    # Above the hole, bottom-up: grouped ID, bars, destination.
    id_size = 44
    id_top = centre - hole - line_height(id_size)
    bar_h = mm_to_px(10)
    bar_top = round(id_top - bar_h)
    bar_x = round(centre - barcode_width_px(content.media_id) / 2)
    bars = draw_code128(draw, bar_x, bar_top, content.media_id, bar_h)
    _draw_lines(draw, [_grouped(content)], id_size, 0, bars[3], size, centre=True)
    header_bottom = bar_top - gap
    header_size, header_lines = fit(
        _to_text(content),
        chord(header_bottom - 2 * line_height(48), header_bottom),
        2,
        48,
        MIN_TEXT_PX,
    )
    header_top = header_bottom - len(header_lines) * line_height(header_size)
    _draw_lines(draw, header_lines, header_size, 0, header_top, size, centre=True)

    # Beside the hole: URGENT on the left, date and patient reference on the right.
    beside = round(outer - hole - 2 * gap)
    side_lines = _side_lines(content)
    side_size, _ = fit(max(side_lines, key=len), beside, 1, 32, MIN_TEXT_PX)
    side_top = round(centre - len(side_lines) * line_height(side_size) / 2)
    _draw_lines(draw, side_lines, side_size, round(centre + hole + gap), side_top, beside)
    if content.urgent:
        badge_w, badge_h = _urgent_badge(44)
        _draw_urgent(draw, round(centre - hole - gap - badge_w), round(centre - badge_h / 2), 44)

    # Below the hole, top-down: marker box, From block.
    y = centre + hole
    marker_size = 30
    marker_h = _marker_height(marker_size)
    marker_w = min(chord(y, y + marker_h), round(text_width(content.marker, marker_size)) + 40)
    left = round(centre - marker_w / 2)
    _draw_marker(draw, content, marker_size, (left, round(y), left + marker_w, round(y) + marker_h))
    y += marker_h + gap
    from_size, from_lines = fit(_from_text(content), chord(y, y + 5 * 32), 5, 30, MIN_TEXT_PX)
    _draw_lines(draw, from_lines, from_size, 0, round(y), size, centre=True)
    return image, bars
