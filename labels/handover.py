"""The handover form: one A4 page the recipient of an unencrypted disc reads and signs.

Text is real PDF text (matplotlib's PDF backend with TrueType fonts), so the form can be read
back and searched; the media ID is a Code 128 barcode drawn and decode-verified by
labels.render, embedded at 300 dpi without resampling. It shows what the disc holds (studies
by accession and modality, the date it was prepared), never the patient's name or NHS number.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from labels.errors import UnsupportedOutput
from labels.render import DPI, render_code
from ledger.files import write_private

PAGE_MM = (210.0, 297.0)
MARGIN_MM = 18.0
BARCODE_MM = 60.0
# Characters per line of body text at 10 pt in DejaVu Sans across the printable width.
WRAP = 92
LONDON_TZ = "Europe/London"
# Studies listed before "and N more": the form stays one page.
MAX_STUDIES = 8

WHY_UNENCRYPTED = {
    "patient-handover": "it is being handed directly to you, the patient or someone acting "
    "for them",
    "secure-with-notes": "it travels securely with the patient's notes (for example by "
    "registered delivery for medico-legal work)",
}
KINDS = {"cd": "CD", "dvd": "DVD", "usb": "USB stick"}


def _figure() -> Any:
    """An A4 figure, not managed by pyplot, whose text stays text in the PDF."""
    import matplotlib
    from matplotlib.figure import Figure

    matplotlib.rcParams.update({"pdf.fonttype": 42, "font.family": "DejaVu Sans"})
    return Figure(figsize=(PAGE_MM[0] / 25.4, PAGE_MM[1] / 25.4))


class _Page:
    """Writes lines down the page, top to bottom, in millimetres."""

    def __init__(self, fig: Any) -> None:
        self.fig = fig
        self.y = MARGIN_MM

    def text(
        self,
        text: str,
        size: float = 10,
        *,
        bold: bool = False,
        x: float = MARGIN_MM,
        gap: float = 1.6,
        wrap: int | None = WRAP,
    ) -> None:
        lines = textwrap.wrap(text, int((wrap or 999) * 10 / size)) if wrap else [text]
        for line in lines or [""]:
            self._next_line(size)
            self._put(x, line, size, bold)
        self.y += gap

    def row(
        self, cells: Iterable[tuple[float, str]], size: float = 9, *, bold: bool = False
    ) -> None:
        """One line of a table: each cell's text starting at its own x (millimetres)."""
        self._next_line(size)
        for x, text in cells:
            self._put(x, text, size, bold)
        self.y += 0.4

    def _next_line(self, size: float) -> None:
        self.y += size * 0.3528 * 1.25  # points to millimetres, with line spacing

    def _put(self, x: float, text: str, size: float, bold: bool) -> None:
        """`text` on the current line, starting `x` millimetres from the left edge."""
        self.fig.text(
            x / PAGE_MM[0],
            1 - self.y / PAGE_MM[1],
            text,
            fontsize=size,
            fontweight="bold" if bold else "normal",
            va="baseline",
        )

    def rule(self, gap: float = 3.0) -> None:
        y = 1 - (self.y + gap / 2) / PAGE_MM[1]
        left, right = MARGIN_MM / PAGE_MM[0], 1 - MARGIN_MM / PAGE_MM[0]
        self.fig.add_artist(_line([left, right], [y, y], self.fig, 0.6))
        self.y += gap

    def signature_line(self, label: str, x: float, width: float) -> None:
        """A label and a line to write on, at the current height (does not move down)."""
        y = 1 - self.y / PAGE_MM[1]
        self.fig.text(x / PAGE_MM[0], y + 1.2 / PAGE_MM[1], label, fontsize=9, va="bottom")
        start = (x + len(label) * 1.9 + 2) / PAGE_MM[0]
        end = (x + width) / PAGE_MM[0]
        self.fig.add_artist(_line([start, end], [y, y], self.fig, 0.5))


def _line(xs: list[float], ys: list[float], fig: Any, width: float) -> Any:
    from matplotlib.lines import Line2D

    return Line2D(xs, ys, transform=fig.transFigure, color="black", linewidth=width)


def _barcode(fig: Any, code: str, top_mm: float) -> float:
    """The media ID's barcode at the top right; returns its height in millimetres."""
    import numpy as np

    label = render_code(code, "Media ID", width_mm=BARCODE_MM, bar_mm=12.0)
    w_mm = label.image.width / DPI * 25.4
    h_mm = label.image.height / DPI * 25.4
    left = PAGE_MM[0] - MARGIN_MM - w_mm
    ax = fig.add_axes(
        (left / PAGE_MM[0], 1 - (top_mm + h_mm) / PAGE_MM[1], w_mm / PAGE_MM[0], h_mm / PAGE_MM[1])
    )
    ax.imshow(
        np.array(label.image.convert("L")),
        cmap="gray",
        vmin=0,
        vmax=255,
        interpolation="none",
        aspect="auto",
    )
    ax.set_axis_off()
    return h_mm


def write_handover_form(
    out_path: str | Path,
    *,
    media_id: str,
    grouped_id: str,
    kind: str,
    exception: str,
    prepared_on: datetime,
    sender_name: str,
    sender_address: str,
    studies: Sequence[tuple[str, str, int]],
) -> Path:
    """Write the handover form for one disc to a PDF (0600, whole or not at all)."""
    from zoneinfo import ZoneInfo

    out = Path(out_path)
    if out.suffix.lower() != ".pdf":
        raise UnsupportedOutput("the handover form is a PDF: give an output ending .pdf")
    fig = _figure()
    page = _Page(fig)
    disc = KINDS.get(kind, kind)
    prepared = prepared_on.astimezone(ZoneInfo(LONDON_TZ)).strftime("%d %B %Y").lstrip("0")
    _heading(fig, page, media_id, grouped_id, disc, sender_name, sender_address)
    _contents_section(page, disc, prepared, sender_name, studies)
    _not_encrypted_section(page, disc, exception)
    _responsibility_section(page, sender_name)
    _acknowledgement_section(fig, page, disc, media_id)

    def save(path: Path) -> None:
        fig.savefig(path, format="pdf", metadata={"CreationDate": None})

    return write_private(out, save)


def _heading(
    fig: Any,
    page: _Page,
    media_id: str,
    grouped_id: str,
    disc: str,
    sender_name: str,
    sender_address: str,
) -> None:
    """The barcode, the sender, the warning title and the media ID, then a rule."""
    barcode_h = _barcode(fig, media_id, MARGIN_MM)
    page.text(sender_name, 11, bold=True, wrap=60)
    if sender_address:
        page.text(sender_address, 9, wrap=60)
    page.y += 4
    page.text(f"Your imaging {disc}", 18, bold=True, wrap=None)
    page.text("is NOT encrypted", 18, bold=True, wrap=None)
    page.y = max(page.y, MARGIN_MM + barcode_h) + 2
    page.text(
        f"Media ID {grouped_id}", 11, bold=True, x=PAGE_MM[0] - MARGIN_MM - BARCODE_MM, wrap=None
    )
    page.rule()


def _contents_section(
    page: _Page,
    disc: str,
    prepared: str,
    sender_name: str,
    studies: Sequence[tuple[str, str, int]],
) -> None:
    """What the disc holds: the studies table (or why there is none), then a rule."""
    page.text(f"What this {disc} holds", 12, bold=True)
    page.text(f"Prepared on {prepared} by the imaging department of {sender_name}.")
    if studies:
        columns = (24.0, 70.0, 110.0)
        page.row(
            zip(columns, ("Accession number", "Type of scan", "Images"), strict=True), bold=True
        )
        for accession, modalities, images in studies[:MAX_STUDIES]:
            cells = (accession, modalities, str(images) if images else "-")
            page.row(zip(columns, cells, strict=True))
        if len(studies) > MAX_STUDIES:
            page.row([(columns[0], f"and {len(studies) - MAX_STUDIES} more studies")])
        page.y += 1.2
    else:
        page.text(
            "The studies on it are not listed in our records; ask the department if you "
            "need to know exactly what it holds."
        )
    page.rule()


def _not_encrypted_section(page: _Page, disc: str, exception: str) -> None:
    """Why the disc carries no password and what that means, then a rule."""
    page.text(f"This {disc} is not encrypted", 12, bold=True)
    why = WHY_UNENCRYPTED.get(exception, "an exception in the national guidance applies")
    page.text(
        f"Discs with patient information are normally encrypted: locked with a password sent "
        f"separately. This one has no password, because {why}. Anyone who has it can open it "
        "on a computer and see the images and reports on it, and the personal details they "
        "carry (name, date of birth, hospital number)."
    )
    page.rule()


def _responsibility_section(page: _Page, sender_name: str) -> None:
    """The recipient's duties as bullet points, then a rule."""
    page.text("Your responsibility", 12, bold=True)
    for point in (
        "Keep it safe, as you would a passport or a bank card; do not leave it where others "
        "can take it or see it.",
        "Give it only to the people it is meant for (for example the doctor or solicitor who "
        "asked for it).",
        f"If it is lost or stolen, tell {sender_name} at once, quoting the media ID above.",
        "When it is no longer needed, return it to us or destroy it (cut the disc in half).",
    ):
        page.text(f"\u2022  {point}", x=MARGIN_MM + 2, gap=1.0)
    page.rule()


def _acknowledgement_section(fig: Any, page: _Page, disc: str, media_id: str) -> None:
    """The recipient's and the staff member's signature blocks, and the staff footnote."""
    page.text("Acknowledgement", 12, bold=True)
    page.text(
        f"I have been told that this {disc} is not encrypted and what that means, and I take "
        "responsibility for keeping it safe."
    )
    page.text("Recipient", 10, bold=True, gap=9)
    page.signature_line("Name", MARGIN_MM, 95)
    page.signature_line("Date", MARGIN_MM + 100, 74)
    page.y += 14
    page.signature_line("Signature", MARGIN_MM, 95)
    page.y += 8
    boxes = "    ".join(f"\u2610 {r}" for r in ("patient", "parent", "carer", "solicitor", "other"))
    page.text(f"Relationship to the patient:    {boxes}", 9, wrap=None)
    page.y += 8
    page.text("Member of staff", 10, bold=True, gap=9)
    page.signature_line("Name", MARGIN_MM, 95)
    page.signature_line("Role", MARGIN_MM + 100, 74)
    page.y += 14
    page.signature_line("Signature", MARGIN_MM, 95)
    page.signature_line("Date", MARGIN_MM + 100, 74)
    fig.text(
        MARGIN_MM / PAGE_MM[0],
        (MARGIN_MM - 6) / PAGE_MM[1],
        f"Staff: keep the signed form with the disc's record, and record the signature with "
        f"custody handover {media_id}",
        fontsize=7,
    )
