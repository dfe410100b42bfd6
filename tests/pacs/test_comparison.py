"""The verdict on one study from the disc's counts and the PACS's counts."""

from __future__ import annotations

from pacs import (
    DiscSeries,
    ExpectedStudy,
    PacsStudy,
    SeriesShortfall,
    Verdict,
    compare,
    describe,
)

EXPECTED = ExpectedStudy(
    "1.2.3", 7, (DiscSeries("1.2.3.1", "CT", 4), DiscSeries("1.2.3.2", "CT", 3))
)


def test_every_instance_there_is_verified() -> None:
    result = compare(EXPECTED, PacsStudy("1.2.3", 7, {"1.2.3.1": 4, "1.2.3.2": 3}))
    assert (result.verdict, result.shortfalls) == (Verdict.VERIFIED, ())


def test_more_in_pacs_than_on_disc_is_still_verified() -> None:
    found = PacsStudy("1.2.3", 9, {"1.2.3.1": 4, "1.2.3.2": 3, "1.2.3.9": 2})
    assert compare(EXPECTED, found).verdict is Verdict.VERIFIED


def test_missing_series_is_partial_and_named() -> None:
    result = compare(EXPECTED, PacsStudy("1.2.3", 4, {"1.2.3.1": 4}))
    assert result.verdict is Verdict.PARTIAL
    assert result.shortfalls == (SeriesShortfall("1.2.3.2", "CT", 3, 0),)
    assert describe(result) == "partial: 4 of 7 instances in PACS; series 1.2.3.2 (CT) missing"


def test_short_series_is_partial_with_its_count() -> None:
    result = compare(EXPECTED, PacsStudy("1.2.3", 6, {"1.2.3.1": 4, "1.2.3.2": 2}))
    assert describe(result) == "partial: 6 of 7 instances in PACS; series 1.2.3.2 (CT) has 2 of 3"


def test_total_alone_decides_when_series_were_not_recorded() -> None:
    expected = ExpectedStudy("1.2.3", 7)
    assert compare(expected, PacsStudy("1.2.3", 6)).verdict is Verdict.PARTIAL
    assert compare(expected, PacsStudy("1.2.3", 7)).verdict is Verdict.VERIFIED


def test_absent_study_is_not_found() -> None:
    result = compare(EXPECTED, None)
    assert (result.verdict, result.found_instances) == (Verdict.NOT_FOUND, 0)
    assert describe(result) == "not found in PACS"
    assert Verdict.NOT_FOUND == "not-found"
