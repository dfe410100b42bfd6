"""A video for Chromium's fake camera, made from the project's own labels.

Chromium reads a Y4M file (`--use-file-for-fake-video-capture=FILE.y4m`): a one-line header,
then each frame as "FRAME\\n" and its raw Y, U and V planes (4:2:0). Each shot is a label as
the ledger prints it, tilted, moving a little from frame to frame, under light that falls off
across the picture, over a grey desk. A patch in the top-left corner, outside the desk's
target frame, has a grey level of its own for each shot, so a test can tell in the page which
shot a frame belongs to.
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
MARK_STEP = 36  # the corner patch of shot i is grey i * MARK_STEP


@dataclass(frozen=True)
class Shot:
    """`frames` frames of `label` (None: the bare desk), tilted `tilt` degrees."""

    frames: int
    label: Image.Image | None = None
    tilt: float = 5.0


def mark_level(index: int) -> int:
    """The grey level of the corner patch in frames of shot `index`."""
    return index * MARK_STEP


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


def write_y4m(path: Path, shots: Sequence[Shot], label_width: int = 500) -> int:
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
                    # Held by hand: a few pixels of drift each way, never still.
                    dx = round(6 * math.sin(i * 0.9))
                    dy = round(4 * math.cos(i * 0.6))
                    x = (WIDTH - picture.width) // 2 + dx
                    y = (HEIGHT - picture.height) // 2 + dy
                    frame.paste(picture, (x, y), outline)
                frame = ImageChops.multiply(frame, light)
                frame.paste(mark_level(index), (0, 0, MARK_SIZE, MARK_SIZE))
                out.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)
                count += 1
    return count
