"""The studies a medium carries, as the ledger records them: UIDs and instance counts.

Written into the registration event (from the disc being burned) and the
receive event (from the disc that arrived), read back by the fold and by
`custody pacs verify`. Plain data: nothing here reads a disc or asks a PACS.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple


class SeriesCount(NamedTuple):
    """One series of a study and how many distinct instances it holds."""

    series_uid: str
    modality: str
    instance_count: int


@dataclass(frozen=True, slots=True)
class StudyCount:
    """One study on a medium: its UID, instance total and per-series counts, and accession."""

    study_uid: str
    instance_count: int
    series: tuple[SeriesCount, ...] = ()
    accession: str | None = None


def studies_detail(studies: Iterable[StudyCount]) -> list[dict[str, Any]]:
    """Studies as they are stored in an event's detail (JSON)."""
    return [
        {
            "study_uid": s.study_uid,
            **({"accession": s.accession} if s.accession else {}),
            "instances": s.instance_count,
            "series": [
                {"series_uid": x.series_uid, "modality": x.modality, "instances": x.instance_count}
                for x in s.series
            ],
        }
        for s in studies
    ]


def studies_from_detail(detail: Sequence[dict[str, Any]] | None) -> tuple[StudyCount, ...]:
    """Studies read back from an event's detail."""
    if not detail:
        return ()
    return tuple(
        StudyCount(
            study_uid=str(s["study_uid"]),
            instance_count=int(s.get("instances", 0)),
            series=tuple(
                SeriesCount(str(x["series_uid"]), str(x.get("modality", "")), int(x["instances"]))
                for x in s.get("series", ())
            ),
            accession=s.get("accession"),
        )
        for s in detail
    )
