"""Verifying imports against a real Orthanc, over QIDO-RS and over C-FIND."""

from __future__ import annotations

from pathlib import Path

import pytest

from pacs import (
    DicomWebSettings,
    DimseSettings,
    PacsClient,
    PacsSettings,
    Verdict,
    compare_studies,
    describe,
    dicomweb,
    pacs_client,
    read_disc,
)
from pacs.errors import PacsQueryFailed
from tests.pacs.conftest import LoadedPacs
from tests.pacs.orthanc import AE_TITLE, Orthanc, upload
from tests.pacs.synthetic import make_study, synthetic_patients, write_fileset

pytestmark = pytest.mark.orthanc

PROTOCOLS = ["qido-rs", "c-find"]


def _settings(server: Orthanc, protocol: str, batch_size: int = 50) -> PacsSettings:
    """Settings that reach `server` over `protocol`."""
    if protocol == "qido-rs":
        return DicomWebSettings(server.dicomweb_url, timeout=10, batch_size=batch_size)
    return DimseSettings(
        AE_TITLE, "127.0.0.1", server.dicom_port, timeout=10, batch_size=batch_size
    )


def _client(server: Orthanc, protocol: str, batch_size: int = 50) -> PacsClient:
    """A client for `server` over `protocol`."""
    return pacs_client(_settings(server, protocol, batch_size))


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_find_studies_reports_counts_per_series(loaded_pacs: LoadedPacs, protocol: str) -> None:
    complete, short = loaded_pacs.complete, loaded_pacs.series_short
    found = _client(loaded_pacs.server, protocol).find_studies(
        [complete.study_uid, short.study_uid, loaded_pacs.absent.study_uid]
    )

    assert set(found) == {complete.study_uid, short.study_uid}
    assert found[complete.study_uid].instance_count == 5
    assert found[complete.study_uid].series == {
        series[0].SeriesInstanceUID: len(series) for series in complete.series
    }
    assert found[short.study_uid].instance_count == 3
    assert found[short.study_uid].series == {
        short.series[0][0].SeriesInstanceUID: 1,
        short.series[1][0].SeriesInstanceUID: 2,
    }


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("batch_size", [1, 50])
def test_verdicts_for_whole_partial_and_absent_studies(
    loaded_pacs: LoadedPacs, protocol: str, batch_size: int, tmp_path: Path
) -> None:
    pacs = loaded_pacs
    studies = [pacs.complete, pacs.series_missing, pacs.series_short, pacs.absent]
    disc = read_disc(write_fileset(studies, tmp_path / "cd"))
    by_uid = {study.study_uid: study for study in disc.studies}
    expected = [by_uid[study.study_uid] for study in studies]

    verdicts = compare_studies(_client(pacs.server, protocol, batch_size), expected)

    assert [v.verdict for v in verdicts] == [
        Verdict.VERIFIED,
        Verdict.PARTIAL,
        Verdict.PARTIAL,
        Verdict.NOT_FOUND,
    ]
    missing_series = pacs.series_missing.series[1][0].SeriesInstanceUID
    short_series = pacs.series_short.series[1][0].SeriesInstanceUID
    assert describe(verdicts[0]) == "verified: 5 of 5 instances in PACS"
    assert describe(verdicts[1]) == (
        f"partial: 2 of 5 instances in PACS; series {missing_series} (MR) missing"
    )
    assert describe(verdicts[2]) == (
        f"partial: 3 of 5 instances in PACS; series {short_series} (CR) has 2 of 4"
    )
    assert describe(verdicts[3]) == "not found in PACS"


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_disc_imported_later_becomes_verified(
    orthanc: Orthanc, protocol: str, tmp_path: Path
) -> None:
    study = make_study(synthetic_patients(1)[0], (("DX", 2),), accession="RGT0099")
    disc = read_disc(write_fileset([study], tmp_path / "cd"))
    client = _client(orthanc, protocol)

    before = compare_studies(client, disc.studies)
    upload(orthanc, study.instances)
    after = compare_studies(client, disc.studies)

    assert [c.verdict for c in before] == [Verdict.NOT_FOUND]
    assert [c.verdict for c in after] == [Verdict.VERIFIED]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_no_study_uids_asks_nothing(orthanc: Orthanc, protocol: str) -> None:
    assert _client(orthanc, protocol).find_studies([]) == {}


def test_wrong_dicomweb_root_is_a_query_failure(orthanc: Orthanc) -> None:
    client = pacs_client(DicomWebSettings(f"http://127.0.0.1:{orthanc.http_port}/no-such-root"))
    with pytest.raises(PacsQueryFailed, match=r"could not answer the query \(HTTP 404"):
        client.find_studies(["1.2.3"])


def test_qido_rs_reads_every_page(loaded_pacs: LoadedPacs, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dicomweb, "PAGE_SIZE", 2)
    pacs = loaded_pacs
    uids = [pacs.complete.study_uid, pacs.series_missing.study_uid, pacs.series_short.study_uid]

    found = _client(pacs.server, "qido-rs").find_studies(uids)

    assert {uid: len(study.series) for uid, study in found.items()} == {
        uids[0]: 2,
        uids[1]: 1,
        uids[2]: 2,
    }
