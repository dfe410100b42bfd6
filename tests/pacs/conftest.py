"""Fixtures for the PACS tests: a real Orthanc loaded with synthetic studies."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.pacs.orthanc import Orthanc, OrthancUnavailable, running_orthanc, upload
from tests.pacs.synthetic import SyntheticStudy, make_study, synthetic_patients


@dataclass(frozen=True)
class LoadedPacs:
    """Orthanc and the studies it was given: one whole, two cut short, one never sent."""

    server: Orthanc
    complete: SyntheticStudy
    series_missing: SyntheticStudy
    series_short: SyntheticStudy
    absent: SyntheticStudy


@pytest.fixture(scope="session")
def orthanc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Orthanc]:
    """A running Orthanc; fails under CI=true when it cannot start, skips elsewhere."""
    try:
        with running_orthanc(tmp_path_factory.mktemp("orthanc")) as server:
            yield server
    except OrthancUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Orthanc is required under CI: {exc}")
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def loaded_pacs(orthanc: Orthanc) -> LoadedPacs:
    """Orthanc holding a complete study, one with a series missing, one with a series short."""
    patients = synthetic_patients(4)
    complete = make_study(patients[0], (("CT", 3), ("CT", 2)), accession="RXH0001")
    series_missing = make_study(patients[1], (("MR", 2), ("MR", 3)), accession="RXH0002")
    series_short = make_study(patients[2], (("CR", 1), ("CR", 4)), accession="RXH0003")
    absent = make_study(patients[3], (("US", 2),), accession="RXH0004")
    upload(orthanc, complete.instances)
    upload(orthanc, series_missing.series[0])
    upload(orthanc, [*series_short.series[0], *series_short.series[1][:2]])
    return LoadedPacs(orthanc, complete, series_missing, series_short, absent)
