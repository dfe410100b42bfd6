"""Reading labels back from photos and scans, degraded as real ones are, and bad input."""

import io
from pathlib import Path

import pytest
from PIL import Image, ImageFilter, ImageOps

from labels.decode import decode_codes, decode_file, decode_media_ids, decode_region
from labels.errors import EmptyImage, NotAnImage, UnreadableImage
from labels.render import render_code, render_label
from labels.sheets import write_labels
from labels.templates import TEMPLATES
from tests.labels.conftest import label, labels_for, needs_pdftoppm, rasterise, worst_case

CODE = label(42).media_id


def photo() -> Image.Image:
    """A greyscale label at 300 dpi on a margin of white, as a scanner or camera sees it."""
    image = render_label(label(42), TEMPLATES["avery-l7160"]).image.convert("L")
    return ImageOps.expand(image, border=80, fill=255)


def jpeg(image: Image.Image, quality: int) -> Image.Image:
    """`image` after a round trip through JPEG at `quality`."""
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer).convert("L")


def test_decodes_a_clean_label() -> None:
    assert decode_media_ids(photo()) == {CODE}


def test_decodes_a_label_rotated_by_5_degrees() -> None:
    rotated = photo().rotate(5, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    assert decode_media_ids(rotated) == {CODE}


def test_decodes_a_label_rotated_by_20_degrees_which_zbar_alone_misses() -> None:
    rotated = photo().rotate(20, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    assert decode_region(rotated) == []
    assert decode_media_ids(rotated) == {CODE}


@pytest.mark.parametrize("angle", [90, 180, 270])
def test_decodes_a_label_turned_by_right_angles(angle: int) -> None:
    assert decode_media_ids(photo().rotate(angle, expand=True)) == {CODE}


def test_decodes_a_label_scanned_at_150_dpi() -> None:
    image = photo()
    small = image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS)
    assert decode_media_ids(small) == {CODE}


def test_decodes_a_label_with_mild_gaussian_blur() -> None:
    assert decode_media_ids(photo().filter(ImageFilter.GaussianBlur(radius=1.5))) == {CODE}


def test_decodes_a_label_saved_as_jpeg_quality_30() -> None:
    assert decode_media_ids(jpeg(photo(), 30)) == {CODE}


def test_decodes_a_label_at_150_dpi_blurred_and_jpeg_20_which_zbar_alone_misses() -> None:
    image = photo()
    image = image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS)
    image = jpeg(image.filter(ImageFilter.GaussianBlur(radius=0.9)), 20)
    assert decode_region(image) == []
    assert decode_media_ids(image) == {CODE}


@needs_pdftoppm
def test_decodes_every_label_of_a_whole_sheet_scanned_askew_at_150_dpi(tmp_path: Path) -> None:
    contents = labels_for(21)
    write_labels(contents, tmp_path / "sheet.pdf", "avery-l7160")
    (page,) = rasterise(tmp_path / "sheet.pdf", dpi=150)
    page = page.rotate(3, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    assert decode_media_ids(jpeg(page, 50)) == {c.media_id for c in contents}


@needs_pdftoppm
def test_decode_file_reads_every_page_of_a_pdf(tmp_path: Path) -> None:
    contents = labels_for(3)
    write_labels(contents, tmp_path / "roll.pdf", "brother-62x29")
    assert decode_file(tmp_path / "roll.pdf") == {c.media_id for c in contents}


def test_decode_file_reads_jpeg_and_every_frame_of_a_tiff(tmp_path: Path) -> None:
    photo().save(tmp_path / "label.jpg", quality=60)
    assert decode_file(tmp_path / "label.jpg") == {CODE}
    frames = [render_label(c, TEMPLATES["avery-l7160"]).image for c in labels_for(2)]
    frames[0].save(tmp_path / "scan.tiff", save_all=True, append_images=frames[1:])
    assert decode_file(tmp_path / "scan.tiff") == {c.media_id for c in labels_for(2)}


def test_other_barcodes_are_found_but_are_not_media_ids() -> None:
    command = render_code("CMDRECEIVE", "Receive", width_mm=80).image
    assert decode_codes(command) == {"CMDRECEIVE"}
    assert decode_media_ids(command) == frozenset()


def test_a_five_character_ods_code_round_trips() -> None:
    image = render_label(worst_case(), TEMPLATES["brother-62x29"]).image
    assert decode_media_ids(image) == {worst_case().media_id}


def test_an_image_without_a_barcode_decodes_to_nothing() -> None:
    noise = Image.effect_noise((400, 300), 60).convert("L")
    assert decode_media_ids(noise) == frozenset()


def test_a_blank_image_is_empty() -> None:
    with pytest.raises(EmptyImage, match="blank"):
        decode_media_ids(Image.new("L", (400, 300), 255))


def test_an_image_without_pixels_is_empty() -> None:
    with pytest.raises(EmptyImage, match="no pixels"):
        decode_media_ids(Image.new("L", (0, 0)))


def test_an_empty_file_is_empty(tmp_path: Path) -> None:
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(EmptyImage, match="empty file"):
        decode_file(tmp_path / "empty.png")


def test_a_missing_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UnreadableImage, match="cannot read"):
        decode_file(tmp_path / "nope.png")


def test_a_text_file_is_not_an_image(tmp_path: Path) -> None:
    (tmp_path / "notes.png").write_text("RGT00000042X\n")
    with pytest.raises(NotAnImage, match="not an image"):
        decode_file(tmp_path / "notes.png")


def test_a_truncated_png_is_unreadable(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    photo().save(buffer, format="PNG")
    (tmp_path / "cut.png").write_bytes(buffer.getvalue()[:2000])
    with pytest.raises(UnreadableImage, match="damaged or truncated"):
        decode_file(tmp_path / "cut.png")


@needs_pdftoppm
def test_a_garbage_pdf_is_unreadable(tmp_path: Path) -> None:
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.4\nthis is not really a pdf\n")
    with pytest.raises(UnreadableImage, match="not a readable PDF"):
        decode_file(tmp_path / "bad.pdf")
