"""Read media IDs back from images: photos, flatbed scans, PDFs of labels.

zbar scans rows and columns, so a label at 90, 180 or 270 degrees or a few degrees off
usually reads as it is; the further passes (threshold, upscale, small and right-angle
rotations) are tried only when the cheap ones find nothing.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from PIL import Image, ImageFilter, ImageOps, ImageSequence, UnidentifiedImageError
from pyzbar import pyzbar

from labels.errors import EmptyImage, NotAnImage, PdfRasteriserMissing, UnreadableImage
from ledger.errors import InvalidMediaId
from ledger.ids import parse_media_id

PDF_DPI = 300
SMALL_ANGLES = (4, -4, 8, -8)
RIGHT_ANGLES = (90, 180, 270)
UPSCALE_BELOW_PX = 2000  # images smaller than this on their long side are also tried at 2x

Pass = Callable[[Image.Image], Image.Image]


def decode_region(image: Image.Image) -> list[str]:
    """Every Code 128 text zbar finds in `image` as it is, in reading order (no retries)."""
    found = pyzbar.decode(image, symbols=[pyzbar.ZBarSymbol.CODE128])
    return [symbol.data.decode("ascii", errors="replace") for symbol in found]


def _threshold(image: Image.Image) -> Image.Image:
    """Black and white at the midpoint of the image's own contrast (blur, JPEG, grey paper)."""
    stretched = ImageOps.autocontrast(image, cutoff=1)
    return stretched.point(lambda v: 255 if v >= 128 else 0)


def _upscale(image: Image.Image) -> Image.Image:
    """Twice the size, so modules of 1 to 2 pixels (a 150 dpi scan) become 2 to 4."""
    return image.resize((image.width * 2, image.height * 2), Image.Resampling.BICUBIC)


def _sharpen(image: Image.Image) -> Image.Image:
    """Unsharp mask, for photos slightly out of focus."""
    return image.filter(ImageFilter.UnsharpMask(radius=2, percent=150, threshold=2))


def _rotated(angle: int) -> Pass:
    """A pass that rotates by `angle` degrees on a white background."""

    def rotate(image: Image.Image) -> Image.Image:
        return image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)

    return rotate


def _passes(image: Image.Image) -> Iterator[list[Pass]]:
    """Groups of passes, cheapest first; later groups run only if earlier ones found nothing."""
    small = max(image.size) < UPSCALE_BELOW_PX
    yield [lambda im: im, _threshold, *([_upscale] if small else [])]
    yield [_sharpen, *([lambda im: _threshold(_upscale(im))] if small else [])]
    yield [_rotated(angle) for angle in SMALL_ANGLES]
    yield [_rotated(angle) for angle in RIGHT_ANGLES]


def check_not_empty(image: Image.Image) -> Image.Image:
    """The image in greyscale, or EmptyImage when it has no pixels or is one flat colour."""
    if image.width == 0 or image.height == 0:
        raise EmptyImage("the image has no pixels")
    grey = image.convert("L")
    low, high = grey.getextrema()
    if low == high:
        raise EmptyImage("the image is blank (one flat colour): nothing to decode")
    return grey


def decode_codes(image: Image.Image) -> frozenset[str]:
    """Every Code 128 text in `image`, trying harder passes until one finds something."""
    grey = check_not_empty(image)
    found: set[str] = set()
    for group in _passes(grey):
        for apply in group:
            found.update(decode_region(apply(grey)))
        if found:
            break
    return frozenset(found)


def media_ids_in(codes: frozenset[str]) -> frozenset[str]:
    """The codes that are valid media IDs, in compact form; other barcodes are ignored."""
    ids: set[str] = set()
    for code in codes:
        try:
            ids.add(str(parse_media_id(code)))
        except InvalidMediaId:
            continue
    return frozenset(ids)


def decode_media_ids(source: Image.Image | str | Path) -> frozenset[str]:
    """The media IDs in an image, or in every page or frame of an image or PDF file."""
    if isinstance(source, Image.Image):
        return media_ids_in(decode_codes(source))
    return decode_file(source)


def decode_file(path: str | Path) -> frozenset[str]:
    """The media IDs in every page of a PDF or every frame of an image file."""
    found: set[str] = set()
    pages = load_pages(path)
    blank = 0
    for page in pages:
        try:
            found |= media_ids_in(decode_codes(page))
        except EmptyImage:
            blank += 1
    if blank == len(pages):
        raise EmptyImage(f"{path} has no pages with anything on them")
    return frozenset(found)


def load_pages(path: str | Path) -> list[Image.Image]:
    """Each page (PDF) or frame (multi-page TIFF) of a file as a greyscale image."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            head = f.read(5)
    except OSError as e:
        raise UnreadableImage(f"cannot read {path}: {e.strerror or e}") from None
    if not head:
        raise EmptyImage(f"{path} is an empty file")
    if head == b"%PDF-":
        return rasterise_pdf(path)
    try:
        with Image.open(path) as image:
            pages = [
                ImageOps.exif_transpose(frame).convert("L")
                for frame in ImageSequence.Iterator(image)
            ]
    except UnidentifiedImageError:
        raise NotAnImage(f"{path} is not an image or a PDF") from None
    except (OSError, SyntaxError, ValueError) as e:
        raise UnreadableImage(f"{path} is damaged or truncated: {e}") from None
    return pages


def rasterise_pdf(path: Path, dpi: int = PDF_DPI) -> list[Image.Image]:
    """Every page of a PDF as a greyscale image at `dpi`, via poppler's pdftoppm."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise PdfRasteriserMissing("reading a PDF needs pdftoppm: apt-get install poppler-utils")
    with tempfile.TemporaryDirectory(prefix="custody-pdf-") as tmp:
        run = subprocess.run(
            [tool, "-r", str(dpi), "-gray", str(path), str(Path(tmp) / "page")],
            capture_output=True,
            text=True,
            check=False,
        )
        if run.returncode != 0:
            detail = run.stderr.strip().splitlines()[-1:] or ["no detail"]
            raise UnreadableImage(f"{path} is not a readable PDF: {detail[0]}")
        pages = []
        for file in sorted(Path(tmp).glob("page*.pgm"), key=lambda p: int(p.stem.split("-")[-1])):
            with Image.open(file) as page:
                pages.append(page.convert("L"))
    return pages
