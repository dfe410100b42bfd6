"""Shared label fixtures: synthetic contents and PDF rasterising."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from labels.content import LabelContent, make_label_content
from ledger.ids import make_media_id, serial_is_usable

needs_pdftoppm = pytest.mark.skipif(
    shutil.which("pdftoppm") is None and os.environ.get("CI") != "true",
    reason="pdftoppm (poppler-utils) is not installed; scripts/test-deps.sh installs it",
)

RETURN_ADDRESS = "Radiology Department\nAddenbrooke's Hospital\nHills Road\nCambridge CB2 0QQ"


def label(serial: int, issuer: str = "RGT", **changes: object) -> LabelContent:
    """A typical label for serial `serial`; keyword arguments override fields."""
    fields: dict[str, object] = {
        "destination_code": "RAL",
        "destination_name": "Royal Free London NHS Foundation Trust",
        "sender_code": "RGT",
        "sender_name": "Cambridge University Hospitals",
        "return_address": RETURN_ADDRESS,
        "date": dt.date(2025, 11, 25),
    }
    fields.update(changes)
    return make_label_content(str(make_media_id(issuer, serial)), **fields)  # type: ignore[arg-type]


def labels_for(count: int, issuer: str = "RGT") -> list[LabelContent]:
    """`count` labels with distinct usable serials and every kind of marker."""
    serials = [s for s in range(1, 10 * count + 10) if serial_is_usable(issuer, s)][:count]
    exceptions = [None, "urgent-clinical", "patient-handover", "secure-with-notes"]
    return [
        label(s, issuer, exception=exceptions[i % 4], urgent=i % 5 == 0)
        for i, s in enumerate(serials)
    ]


def worst_case() -> LabelContent:
    """The longest content we expect: 5-character ODS code, long names, urgent, patient ref."""
    return label(
        12345678,
        "R1K01",
        destination_code="RXH",
        destination_name="University Hospitals Sussex NHS Foundation Trust",
        sender_code="R1K01",
        sender_name="London North West University Healthcare NHS Trust",
        return_address="Imaging, Northwick Park Hospital\nWatford Road, Harrow HA1 3UJ",
        exception="secure-with-notes",
        urgent=True,
        patient_ref="JS",
    )


def rasterise(pdf: Path, dpi: int = 300) -> list[Image.Image]:
    """Every page of `pdf` as a greyscale image, by pdftoppm (independently of labels.decode)."""
    out = pdf.parent / f"{pdf.stem}-page"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", str(pdf), str(out)], check=True)
    files = sorted(
        pdf.parent.glob(f"{pdf.stem}-page*.pgm"), key=lambda p: int(p.stem.split("-")[-1])
    )
    pages = []
    for file in files:
        with Image.open(file) as page:
            pages.append(page.convert("L"))
        file.unlink()
    return pages


def zxing_codes(image: Image.Image) -> set[str]:
    """The Code 128 barcodes zxing-cpp finds in an image: a second, independent decoder."""
    import zxingcpp

    found = zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.Code128)
    return {b.text for b in found}
