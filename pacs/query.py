"""Ask a PACS which studies it holds and how many instances each has.

Trusts have DICOMweb (QIDO-RS) or DIMSE (C-FIND), so there are two clients
behind one protocol, `PacsClient`. Both batch: one call asks for many
studies, a few dozen UIDs per query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

DEFAULT_TIMEOUT = 30.0
DEFAULT_BATCH_SIZE = 50


@dataclass(frozen=True)
class PacsStudy:
    """What the PACS holds of one study: total instances, and instances per series UID."""

    study_uid: str
    instance_count: int
    series: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class DicomWebSettings:
    """A DICOMweb service: `url` is its root, e.g. http://pacs:8042/dicom-web."""

    url: str
    timeout: float = DEFAULT_TIMEOUT
    batch_size: int = DEFAULT_BATCH_SIZE


@dataclass(frozen=True)
class DimseSettings:
    """A DIMSE service: the PACS's AE title, host and port, and the AE title we call from."""

    ae_title: str
    host: str
    port: int
    calling_ae: str = "CUSTODY"
    timeout: float = DEFAULT_TIMEOUT
    batch_size: int = DEFAULT_BATCH_SIZE


PacsSettings = DicomWebSettings | DimseSettings


class PacsClient(Protocol):
    """Something that can tell which studies a PACS holds."""

    def find_studies(self, study_uids: Sequence[str]) -> dict[str, PacsStudy]:
        """The studies among `study_uids` that the PACS holds, by UID; absent ones are left out."""
        ...


def batches(items: Sequence[str], size: int) -> list[Sequence[str]]:
    """`items` without duplicates, cut into consecutive runs of at most `size`."""
    unique = list(dict.fromkeys(items))
    return [unique[start : start + size] for start in range(0, len(unique), max(size, 1))]


def held_studies(
    wanted: Sequence[str],
    totals: Mapping[str, int | None],
    series: Mapping[str, dict[str, int]],
) -> dict[str, PacsStudy]:
    """The `wanted` studies as the PACS holds them, by UID: each with the study's instance count
    the PACS gave (`totals`) or, where it gave none, its series' counts added up."""
    found: dict[str, PacsStudy] = {}
    for uid in wanted:
        total = totals[uid]
        if total is None:
            total = sum(series[uid].values())
        found[uid] = PacsStudy(uid, total, series[uid])
    return found
