"""`custody pacs verify` against a real Orthanc over QIDO-RS and C-FIND, and its watch loop."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cli import pacs as pacs_cli
from tests.conftest import NHS
from tests.pacs.conftest import LoadedPacs
from tests.pacs.orthanc import AE_TITLE, Orthanc, upload
from tests.pacs.synthetic import SyntheticStudy, make_study, synthetic_patients, write_fileset

PROTOCOLS = ["qido-rs", "c-find"]


def _options(server: Orthanc, protocol: str) -> list[str]:
    if protocol == "qido-rs":
        return ["--pacs", server.dicomweb_url]
    return ["--ae-title", AE_TITLE, "--host", "127.0.0.1", "--port", str(server.dicom_port)]


def _with_pacs(cli: Any, study: SyntheticStudy, tmp_path: Path, *, receive_disc: bool) -> str:
    """A medium registered from a disc holding `study`, received, handed to the PACS team."""
    disc = write_fileset([study], tmp_path / study.accession)
    media_id = cli("register", "--to", "RXH", "--from-disc", str(disc)).stdout.strip()
    cli("scan", "dispatch", media_id)
    received = ["--disc", str(disc)] if receive_disc else []
    assert cli("scan", "receive", media_id, "--site", "RXH", *received).exit_code == 0
    cli("scan", "to-pacs", media_id, "--site", "RXH")
    return media_id


def _state(cli: Any, media_id: str) -> dict[str, Any]:
    return json.loads(cli("show", media_id, "--json").stdout)


def _event_count(cli: Any) -> int:
    return int(cli("verify").stdout.split()[1])


@pytest.mark.orthanc
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_pending_media_verified_partial_and_not_found(
    cli: Any, loaded_pacs: LoadedPacs, protocol: str, tmp_path: Path
) -> None:
    pacs = loaded_pacs
    complete = _with_pacs(cli, pacs.complete, tmp_path, receive_disc=True)
    missing = _with_pacs(cli, pacs.series_missing, tmp_path, receive_disc=False)
    absent = _with_pacs(cli, pacs.absent, tmp_path, receive_disc=True)
    # Registered by hand with the study UID only: the PACS can only say it is there.
    uid_only = cli("register", "--to", "RXH", "--nhs", pacs.complete.patient_id,
                   "--study-uid", pacs.complete.study_uid).stdout.strip()  # fmt: skip
    cli("scan", "imported", uid_only, "--site", "RXH")
    registered_only = cli("register", "--to", "RXH", "--from-disc",
                          str(tmp_path / pacs.complete.accession)).stdout.strip()  # fmt: skip
    before = _event_count(cli)

    result = cli("pacs", "verify", "--pending", *_options(pacs.server, protocol))

    assert result.exit_code == 0, result.output
    missing_series = pacs.series_missing.series[1][0].SeriesInstanceUID
    assert result.stdout.splitlines() == [
        f"VERIFIED {complete}: verified: 5 of 5 instances in PACS - recorded imported (verified)",
        f"PARTIAL {missing}: partial: 2 of 5 instances in PACS; series {missing_series} (MR) "
        "missing - recorded import-partial; status import-failed",
        f"NOT FOUND {absent}: not found in PACS - nothing recorded",
        f"PRESENT {uid_only}: present in PACS with 5 instances (no counts recorded for this "
        "disc: only presence checked) - recorded imported (verified)",
    ]
    assert result.stderr.startswith("checked 4 media against ")
    assert result.stderr.endswith(": 2 verified, 1 partial, 1 not found, 0 skipped; 3 recorded\n")
    assert _event_count(cli) == before + 3
    assert _state(cli, registered_only)["status"] == "registered"

    verified = _state(cli, complete)
    assert (verified["status"], verified["import_check"]) == ("imported", "verified")
    detail = verified["events"][-1]["detail"]
    assert detail["verified"] is True and detail["basis"] == "received-disc"
    assert detail["studies"] == [
        {"study_uid": pacs.complete.study_uid, "verdict": "verified", "found": 5, "expected": 5}
    ]
    partial = _state(cli, missing)
    assert (partial["status"], partial["import_check"]) == ("import-failed", "partial")
    assert partial["import_partial_at"] == partial["events"][-1]["at"]
    assert partial["events"][-1]["action"] == "import-partial"
    assert partial["events"][-1]["detail"]["basis"] == "registration"
    assert partial["anomalies"] == []
    assert _state(cli, absent)["status"] == "with-pacs"
    present = _state(cli, uid_only)
    assert present["import_check"] == "present"
    # Only the desk's own `imported` scan (no dispatch, no receipt) is flagged, not the check.
    assert [a["event_id"] for a in present["anomalies"]] == [present["events"][1]["event_id"]]
    assert present["events"][-1]["detail"]["presence_only"] is True

    again = cli("pacs", "verify", "--pending", *_options(pacs.server, protocol))
    assert [line.split(" - ")[-1] for line in again.stdout.splitlines()] == [
        "already recorded",
        "nothing recorded",
    ]
    assert _event_count(cli) == before + 3


@pytest.mark.orthanc
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_named_media_include_a_multi_study_disc_and_a_false_import(
    cli: Any, loaded_pacs: LoadedPacs, protocol: str, tmp_path: Path
) -> None:
    pacs = loaded_pacs
    patient = synthetic_patients(1)[0]
    whole = make_study(patient, (("CT", 2),), accession=f"M{protocol[:1]}1")
    short = make_study(patient, (("CR", 1), ("CR", 4)), accession=f"M{protocol[:1]}2")
    upload(pacs.server, [*whole.instances, *short.series[0], *short.series[1][:2]])
    both = write_fileset([whole, short], tmp_path / "both")
    media_id = cli("register", "--to", "RXH", "--from-disc", str(both)).stdout.strip()
    cli("scan", "receive", media_id, "--site", "RXH", "--disc", str(both))
    cli("scan", "imported", media_id, "--site", "RXH")
    absent = _with_pacs(cli, pacs.absent, tmp_path, receive_disc=True)
    cli("scan", "imported", absent, "--site", "RXH")
    registered = cli("register", "--to", "RXH", "--from-disc", str(both)).stdout.strip()

    result = cli("pacs", "verify", media_id, absent, registered, "RGT00000001F",
                 *_options(pacs.server, protocol))  # fmt: skip

    short_series = short.series[1][0].SeriesInstanceUID
    by_uid = sorted([whole, short], key=lambda s: s.study_uid)
    texts = {
        whole.study_uid: "verified: 2 of 2 instances in PACS",
        short.study_uid: (
            f"partial: 3 of 5 instances in PACS; series {short_series} (CR) has 2 of 4"
        ),
    }
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"PARTIAL {media_id}: 2 studies - recorded import-partial; status import-failed",
        *(f"  {s.study_uid}: {texts[s.study_uid]}" for s in by_uid),
        f"NOT FOUND {absent}: not found in PACS - nothing recorded; marked imported but the "
        "PACS does not hold it",
        f"SKIPPED {registered}: not with the PACS team (registered)",
        "REFUSED RGT00000001F: misread - scan again (check character does not match)",
    ]
    assert _state(cli, media_id)["status"] == "import-failed"
    assert _state(cli, absent)["status"] == "imported"


@pytest.mark.orthanc
def test_watch_records_an_import_that_completes_between_rounds(
    cli: Any, orthanc: Orthanc, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    study = make_study(synthetic_patients(1)[0], (("DX", 2),), accession="W0001")
    media_id = _with_pacs(cli, study, tmp_path, receive_disc=True)
    monkeypatch.setattr(pacs_cli, "sleep", lambda _seconds: upload(orthanc, study.instances))

    result = cli("pacs", "verify", "--watch", "--every", "1", "--rounds", "2",
                 *_options(orthanc, "qido-rs"))  # fmt: skip

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"NOT FOUND {media_id}: not found in PACS - nothing recorded",
        f"VERIFIED {media_id}: verified: 2 of 2 instances in PACS - recorded imported (verified)",
    ]
    rounds = [line for line in result.stderr.splitlines() if line.startswith("round ")]
    assert [r.split(" at ")[0] for r in rounds] == ["round 1", "round 2"]
    assert _state(cli, media_id)["import_check"] == "verified"


def test_watch_survives_an_unreachable_pacs_and_stops_quietly_on_ctrl_c(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(pacs_cli, "sleep", sleep)
    media_id = cli("register", "--to", "RXH", "--nhs", NHS[0], "--study-uid", "1.2.3").stdout
    cli("scan", "to-pacs", media_id.strip())
    result = cli("pacs", "verify", "--watch", "--every", "0.5", "--pacs", "http://127.0.0.1:1/x")

    assert (result.exit_code, result.stdout, waits) == (0, "", [30.0, 30.0])
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert (
        errors
        == [
            "error: PACS unreachable at http://127.0.0.1:1/x: connection refused "
            "(trying again in 0.5 min)"
        ]
        * 2
    )
    assert result.stderr.splitlines()[-1] == "stopped after 2 round(s)"
