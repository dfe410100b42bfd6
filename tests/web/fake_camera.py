"""A video for Chromium's fake camera, made from the project's own labels.

Chromium reads a Y4M file (`--use-file-for-fake-video-capture=FILE.y4m`): a one-line header,
then each frame as "FRAME\\n" and its raw Y, U and V planes (4:2:0). Each shot is a label as
the ledger prints it, tilted, moving a little from frame to frame, under light that falls off
across the picture, over a grey desk. Patches in the top-left corner, outside the desk's
target frame, give the shot's number in binary, so a test can tell in the page which shot a
frame belongs to.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops

WIDTH, HEIGHT, FPS = 640, 480, 10
DESK_GREY = 150
MARK_SIZE = 16
MARK_BITS = 3  # shots 0 to 7: patch b (from the left) is white when bit b of the shot is set
DRIFT = 4  # pixels a held label moves up or down at most


@dataclass(frozen=True)
class Shot:
    """`frames` frames of `label` (None: the bare desk), tilted `tilt` degrees, in the middle
    of the picture or with its top edge at `top` (pixels, negative: above the picture)."""

    frames: int
    label: Image.Image | None = None
    tilt: float = 5.0
    top: int | None = None


def _mark(frame: Image.Image, index: int) -> None:
    """Paint shot `index` in the top-left corner: a row of black or white patches, one a bit
    (black and white survive any video range conversion the browser makes)."""
    if index >= 2**MARK_BITS:
        raise ValueError(f"at most {2**MARK_BITS} shots")
    for bit in range(MARK_BITS):
        white = 255 if index >> bit & 1 else 0
        frame.paste(white, (bit * MARK_SIZE, 0, (bit + 1) * MARK_SIZE, MARK_SIZE))


def _lighting() -> Image.Image:
    """Uneven light: full on the top left, falling to about 45% on the bottom right."""
    down = Image.linear_gradient("L").resize((WIDTH, HEIGHT))  # 0 at the top, 255 at the bottom
    across = Image.linear_gradient("L").rotate(90)
    across = across.resize((WIDTH, HEIGHT))  # 0 on the left, 255 on the right
    return Image.blend(across, down, 0.3).point(lambda v: round(255 - 140 * v / 255))


def _on_camera(label: Image.Image, width: int, tilt: float) -> tuple[Image.Image, Image.Image]:
    """The label scaled to `width` pixels and tilted: its picture and its outline mask."""
    grey = label.convert("L")
    height = round(grey.height * width / grey.width)
    grey = grey.resize((width, height), Image.Resampling.LANCZOS)
    mask = Image.new("L", grey.size, 255)
    picture = grey.rotate(tilt, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=0)
    outline = mask.rotate(tilt, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=0)
    return picture, outline


LABEL_WIDTH = 500  # pixels: a label held about a hand's width from a phone


def write_y4m(path: Path, shots: Sequence[Shot], label_width: int = LABEL_WIDTH) -> int:
    """Write the shots one after another to `path`; the number of frames written."""
    light = _lighting()
    chroma = bytes([128]) * ((WIDTH // 2) * (HEIGHT // 2))
    count = 0
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for index, shot in enumerate(shots):
            placed = None if shot.label is None else _on_camera(shot.label, label_width, shot.tilt)
            for i in range(shot.frames):
                frame = Image.new("L", (WIDTH, HEIGHT), DESK_GREY)
                if placed is not None:
                    picture, outline = placed
                    # Held by hand: a few pixels of drift each way (DRIFT), never still.
                    dx = round(6 * math.sin(i * 0.9))
                    dy = round(DRIFT * math.cos(i * 0.6))
                    x = (WIDTH - picture.width) // 2 + dx
                    y = (HEIGHT - picture.height) // 2 if shot.top is None else shot.top
                    y += dy
                    frame.paste(picture, (x, y), outline)
                frame = ImageChops.multiply(frame, light)
                _mark(frame, index)
                out.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)
                count += 1
    return count
