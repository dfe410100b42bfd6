"""Compare what a disc held with what the PACS holds: verified, partial or not found."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple, Protocol

from ledger.studies import StudyCount
from pacs.disc import DiscSeries
from pacs.query import PacsClient, PacsStudy


class Verdict(StrEnum):
    """How much of a study the PACS holds."""

    VERIFIED = "verified"
    PARTIAL = "partial"
    NOT_FOUND = "not-found"


class ExpectedCounts(Protocol):
    """What a study held on the disc: a `DiscStudy`, or an `ExpectedStudy` from the ledger."""

    @property
    def study_uid(self) -> str:
        """The Study Instance UID."""
        ...

    @property
    def instance_count(self) -> int:
        """Distinct instances of the study on the disc."""
        ...

    @property
    def series(self) -> tuple[DiscSeries, ...]:
        """Its series and their instance counts; may be empty when only the total is known."""
        ...


# A study's counts as the ledger recorded them when the disc was registered or received.
ExpectedStudy = StudyCount


class SeriesShortfall(NamedTuple):
    """A series the PACS holds fewer instances of than the disc did (0: missing)."""

    series_uid: str
    modality: str
    expected: int
    found: int


@dataclass(frozen=True)
class Comparison:
    """The verdict on one study, with the figures behind it."""

    study_uid: str
    verdict: Verdict
    expected_instances: int
    found_instances: int
    shortfalls: tuple[SeriesShortfall, ...] = ()


def compare(expected: ExpectedCounts, found: PacsStudy | None) -> Comparison:
    """Verified when the PACS holds every instance of every series the disc held."""
    if found is None:
        return Comparison(expected.study_uid, Verdict.NOT_FOUND, expected.instance_count, 0)
    shortfalls = tuple(
        SeriesShortfall(s.series_uid, s.modality, s.instance_count, held)
        for s in expected.series
        if (held := found.series.get(s.series_uid, 0)) < s.instance_count
    )
    short = bool(shortfalls) or found.instance_count < expected.instance_count
    return Comparison(
        expected.study_uid,
        Verdict.PARTIAL if short else Verdict.VERIFIED,
        expected.instance_count,
        found.instance_count,
        shortfalls,
    )


def compare_studies(client: PacsClient, expected: Sequence[ExpectedCounts]) -> list[Comparison]:
    """Ask the PACS about every study at once (batched) and compare each; in input order."""
    found = client.find_studies([study.study_uid for study in expected])
    return [compare(study, found.get(study.study_uid)) for study in expected]


def describe(comparison: Comparison) -> str:
    """The verdict in one line for the PACS team: which series are missing or short."""
    if comparison.verdict is Verdict.NOT_FOUND:
        return "not found in PACS"
    figures = f"{comparison.found_instances} of {comparison.expected_instances} instances in PACS"
    if comparison.verdict is Verdict.VERIFIED:
        return f"verified: {figures}"
    details = [
        f"series {s.series_uid}{f' ({s.modality})' if s.modality else ''} "
        + ("missing" if s.found == 0 else f"has {s.found} of {s.expected}")
        for s in comparison.shortfalls
    ]
    return "; ".join([f"partial: {figures}", *details])
