"""What a disc tells the ledger: the studies to register at the sender, or that arrived.

A disc's Patient ID is often the hospital's own number, not the NHS number, so
it is compared with the NHS number only when it is a valid NHS number itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ledger.errors import CustodyError, InvalidValue
from ledger.ids import check_nhs_number
from ledger.rules import Registration
from ledger.studies import StudyCount
from ledger.transitions import MediaState
from pacs.disc import Disc
from pacs.errors import DiscPatientMismatch


def disc_studies(disc: Disc) -> tuple[StudyCount, ...]:
    """Every study on the disc with its accession and instance counts per series."""
    return tuple(
        StudyCount(s.study_uid, s.instance_count, s.series, s.accession or None)
        for s in disc.studies
    )


def disc_nhs_numbers(disc: Disc) -> list[str]:
    """The distinct Patient IDs on the disc that are valid NHS numbers, in study order."""
    found: dict[str, None] = {}
    for study in disc.studies:
        try:
            found[check_nhs_number(study.patient_id)] = None
        except CustodyError:
            continue
    return list(found)


def patient_nhs_number(disc: Disc, given: str | None) -> str:
    """The NHS number to register: `given`, checked against the disc, or the disc's own."""
    on_disc = disc_nhs_numbers(disc)
    if len(on_disc) > 1:
        raise DiscPatientMismatch(
            f"the disc holds studies of {len(on_disc)} patients (NHS {', '.join(on_disc)}): "
            "one medium is for one patient"
        )
    if given is None:
        if not on_disc:
            ids = ", ".join(dict.fromkeys(s.patient_id or "(empty)" for s in disc.studies))
            raise DiscPatientMismatch(
                f"the disc's patient ID ({ids}) is not an NHS number: give {{nhs_number}} NUMBER",
                field="nhs_number",
            )
        return on_disc[0]
    number = check_nhs_number(given)
    if on_disc and on_disc[0] != number:
        raise DiscPatientMismatch(
            f"{{nhs_number}} {number} does not match the patient on the disc (NHS {on_disc[0]}): "
            "check you have the right disc",
            field="nhs_number",
        )
    return number


def with_disc(reg: Registration, disc: Disc) -> Registration:
    """The registration filled from the disc being burned: NHS number, studies and counts.

    `reg.nhs_number` may be empty, to take it from the disc; accession and study UID
    must be, as the disc's first study provides them.
    """
    if reg.accession or reg.study_uid:
        raise InvalidValue(
            "{from_disc} takes the accession and study UID from the disc; drop them",
            field="from_disc",
        )
    studies = disc_studies(disc)
    first = studies[0]
    return replace(
        reg,
        nhs_number=patient_nhs_number(disc, reg.nhs_number or None),
        accession=first.accession,
        study_uid=first.study_uid,
        studies=studies,
    )


def arrival_differences(
    registered: Sequence[StudyCount], arrived: Sequence[StudyCount]
) -> list[str]:
    """How the disc that arrived differs from what was registered, one phrase per difference."""
    if not registered:
        return []
    held = {s.study_uid: s for s in arrived}
    differences = []
    for study in registered:
        got = held.get(study.study_uid)
        if got is None:
            differences.append(f"study {study.study_uid} missing")
        elif got.instance_count < study.instance_count:
            differences.append(
                f"study {study.study_uid} has {got.instance_count} of "
                f"{study.instance_count} instances"
            )
    expected = {s.study_uid for s in registered}
    differences.extend(
        f"study {s.study_uid} not registered" for s in arrived if s.study_uid not in expected
    )
    return differences


def arrival_check(state: MediaState, disc: Disc) -> list[str]:
    """How the disc that arrived differs from the medium's registration, the patient first: a
    disc whose DICOM NHS numbers do not include the registered patient's is the wrong disc."""
    differences = arrival_differences(state.studies, disc_studies(disc))
    on_disc = disc_nhs_numbers(disc)
    if on_disc and state.nhs_number not in on_disc:
        differences.insert(0, "the patient on the disc is not the registered patient")
    return differences
