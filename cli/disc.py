"""`custody disc read`: what is on a DICOM disc, for the sender and the PACS desk."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cli.app import app

if TYPE_CHECKING:
    from ledger.api import Ledger
    from pacs.disc import Disc, DiscStudy

disc_app = typer.Typer(help="DICOM discs: mounted CDs, folders and ISO images.")
app.add_typer(disc_app, name="disc")

_COLUMNS = ("PATIENT ID", "NAME", "DATE", "ACCESSION", "MODALITY", "SERIES", "IMAGES", "STUDY UID")


@disc_app.command("read")
def read(
    path: Path = typer.Argument(..., help="A mounted disc, a folder, or an ISO image."),
    as_json: bool = typer.Option(False, "--json", help="Print the studies as JSON."),
) -> None:
    """List the studies on a disc: patient, date, accession, modalities, UID and counts."""
    from pacs.disc import read_disc

    disc = read_disc(path)
    if as_json:
        typer.echo(json.dumps(disc_json(disc), indent=2))
        return
    for line in disc_lines(disc):
        typer.echo(line)
    for problem in disc.problems:
        typer.echo(f"problem: {problem}", err=True)


def patient_name(dicom_name: str) -> str:
    """A DICOM person name (FAMILY^GIVEN^MIDDLE) as people write it: FAMILY, GIVEN MIDDLE."""
    family, _, rest = dicom_name.partition("^")
    given = " ".join(part for part in rest.split("^")[:2] if part)
    return f"{family}, {given}" if given else family


def _row(study: DiscStudy) -> tuple[str, ...]:
    return (
        study.patient_id or "-",
        patient_name(study.patient_name) or "-",
        study.study_date.isoformat() if study.study_date else "-",
        study.accession or "-",
        "/".join(study.modalities) or "-",
        str(len(study.series)),
        str(study.instance_count),
        study.study_uid,
    )


def disc_lines(disc: Disc) -> list[str]:
    """The studies as an aligned table, then a one-line total."""
    rows = [_COLUMNS, *(_row(s) for s in disc.studies)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS) - 1)]
    lines = [
        "  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]])
        for row in rows
    ]
    images = sum(s.instance_count for s in disc.studies)
    how = (
        "through its DICOMDIR"
        if disc.read_through_dicomdir
        else "file by file (no usable DICOMDIR)"
    )
    lines.append(
        f"{len(disc.studies)} {'study' if len(disc.studies) == 1 else 'studies'}, "
        f"{images} images, read {how}"
        + (f"; {len(disc.problems)} problem(s)" if disc.problems else "")
    )
    return lines


def disc_json(disc: Disc) -> dict[str, Any]:
    """`custody disc read --json`."""
    return {
        "source": disc.source,
        "read_through_dicomdir": disc.read_through_dicomdir,
        "studies": [
            {
                "patient_id": s.patient_id,
                "patient_name": s.patient_name,
                "study_date": s.study_date.isoformat() if s.study_date else None,
                "accession": s.accession,
                "modalities": list(s.modalities),
                "study_uid": s.study_uid,
                "series_count": len(s.series),
                "instance_count": s.instance_count,
                "series": [x._asdict() for x in s.series],
            }
            for s in disc.studies
        ],
        "problems": list(disc.problems),
    }


def arrival_lines(
    ledger: Ledger, action: str, codes: list[str], path: Path
) -> tuple[dict[str, Any], list[str]]:
    """The receive event's detail for the disc at `path`, and lines comparing it with the
    registration; read before anything is recorded, so a locked disc records nothing."""
    from ledger.errors import CustodyError, InvalidValue
    from ledger.studies import studies_detail
    from pacs.disc import read_disc
    from pacs.intake import arrival_check, disc_studies

    if action != "receive":
        raise InvalidValue("--disc goes with `scan receive`: it records what arrived")
    if len(codes) != 1:
        raise InvalidValue("--disc describes one disc: scan one code with it")
    disc = read_disc(path)
    studies = disc_studies(disc)
    try:
        state = ledger.show(codes[0]).state
    except CustodyError:  # the scan itself refuses the code, with its reason
        return {"studies": studies_detail(studies)}, []
    images = sum(s.instance_count for s in studies)
    held = f"  disc: {len(studies)} {'study' if len(studies) == 1 else 'studies'}, {images} images"
    differences = arrival_check(state, disc)
    if differences:
        note = f"{held}; differs from registration: {'; '.join(differences)}"
    elif state.studies:
        note = f"{held}, as registered"
    else:
        note = f"{held} (no studies registered to compare)"
    return {"studies": studies_detail(studies)}, [note]
