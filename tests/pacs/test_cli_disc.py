"""`disc read`, `register --from-disc`, `scan receive --disc`, PACS errors: in-process CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pacs.disc import LOCKED_MESSAGE
from tests.pacs.synthetic import SyntheticStudy, make_study, synthetic_patients, write_fileset
from tests.pacs.test_disc import _locked_folder


@pytest.fixture
def patient() -> tuple[str, str]:
    return synthetic_patients(1)[0]


@pytest.fixture
def two_studies(patient: tuple[str, str]) -> list[SyntheticStudy]:
    """One patient's CT (3 + 2 images) and MR (4 images): several studies on one disc."""
    return [
        make_study(patient, (("CT", 3), ("CT", 2)), accession="RXH1001", study_date="20240315"),
        make_study(patient, (("MR", 4),), accession="RXH1002", study_date="20240401"),
    ]


@pytest.fixture
def disc(tmp_path: Path, two_studies: list[SyntheticStudy]) -> Path:
    return write_fileset(two_studies, tmp_path / "cd")


def _events(cli: Any, media_id: str) -> list[dict[str, Any]]:
    return json.loads(cli("show", media_id, "--json").stdout)["events"]


def test_disc_read_prints_a_table_of_studies(cli: Any, disc: Path, two_studies: list) -> None:
    ct, mr = two_studies
    result = cli("disc", "read", str(disc))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "PATIENT", "ID", "NAME", "DATE", "ACCESSION", "MODALITY", "SERIES", "IMAGES", "STUDY", "UID"
    ]  # fmt: skip
    assert lines[1].split() == [ct.patient_id, "SMITH,", "ALEX", "2024-03-15", "RXH1001", "CT",
                                "2", "5", ct.study_uid]  # fmt: skip
    assert lines[2].split()[3:] == ["2024-04-01", "RXH1002", "MR", "1", "4", mr.study_uid]
    assert lines[3] == "2 studies, 9 images, read through its DICOMDIR"
    assert result.stderr == ""


def test_disc_read_json(cli: Any, disc: Path, two_studies: list) -> None:
    data = json.loads(cli("disc", "read", str(disc), "--json").stdout)
    first = data["studies"][0]
    assert (first["study_uid"], first["series_count"], first["instance_count"]) == (
        two_studies[0].study_uid,
        2,
        5,
    )
    assert sorted(s["instance_count"] for s in first["series"]) == [2, 3]
    assert data["problems"] == []


def test_disc_read_lists_problems(cli: Any, disc: Path) -> None:
    victim = sorted(p for p in disc.rglob("*") if p.is_file() and p.name != "DICOMDIR")[0]
    victim.write_bytes(b"\0" * 128 + b"DICM" + b"\xff" * 20)
    result = cli("disc", "read", str(disc))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1].endswith("; 1 problem(s)")
    assert result.stderr.startswith("problem: ")
    assert "not a readable DICOM instance" in result.stderr


def test_locked_disc_is_one_line_and_exit_1(cli: Any, tmp_path: Path) -> None:
    result = cli("disc", "read", str(_locked_folder(tmp_path / "locked")))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"error: {LOCKED_MESSAGE}\n"


def test_folder_without_dicom_is_one_line_and_exit_1(cli: Any, tmp_path: Path) -> None:
    folder = tmp_path / "letters"
    folder.mkdir()
    (folder / "letter.txt").write_text("Dear colleague, please find enclosed...\n")
    result = cli("disc", "read", str(folder))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"error: no DICOM studies found on {folder}\n"


def test_register_from_a_multi_study_disc(cli: Any, disc: Path, two_studies: list) -> None:
    ct, mr = two_studies
    result = cli("register", "--to", "RXH", "--from-disc", str(disc), "--json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["nhs_number"] == ct.patient_id  # taken from the disc: a valid NHS number
    assert (record["accession"], record["study_uid"]) == ("RXH1001", ct.study_uid)
    studies = record["studies"]
    assert [(s["study_uid"], s["accession"], s["instances"]) for s in studies] == [
        (ct.study_uid, "RXH1001", 5),
        (mr.study_uid, "RXH1002", 4),
    ]
    assert sorted(x["instances"] for x in studies[0]["series"]) == [2, 3]
    assert _events(cli, record["media_id"])[0]["detail"]["studies"] == studies


def test_register_from_disc_refuses_another_patients_nhs_number(
    cli: Any, disc: Path, patient: tuple[str, str]
) -> None:
    other = next(n for n, _ in synthetic_patients(3) if n != patient[0])
    result = cli("register", "--to", "RXH", "--nhs", other, "--from-disc", str(disc))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: --nhs {other} does not match the patient on the disc (NHS {patient[0]}): "
        "check you have the right disc"
    ]
    assert json.loads(cli("list", "--json").stdout) == []


def test_register_from_a_disc_of_two_patients_is_refused(cli: Any, tmp_path: Path) -> None:
    first, second = synthetic_patients(2)
    studies = [make_study(first, (("CT", 1),)), make_study(second, (("MR", 1),))]
    disc = write_fileset(studies, tmp_path / "cd")
    result = cli("register", "--to", "RXH", "--from-disc", str(disc))
    # Both NHS numbers are named, in the order the disc lists its studies.
    named = sorted(result.stderr.split("(NHS ")[-1].split(")")[0].split(", "))
    assert (result.exit_code, named) == (1, sorted([first[0], second[0]]))
    assert result.stderr.startswith("error: the disc holds studies of 2 patients (NHS ")
    assert result.stderr.endswith("): one medium is for one patient\n")
    assert json.loads(cli("list", "--json").stdout) == []


def test_register_from_disc_with_a_hospital_number_needs_nhs(cli: Any, tmp_path: Path) -> None:
    disc = write_fileset([make_study(("H123456", "DOE^JAN"), (("DX", 1),))], tmp_path / "cd")
    result = cli("register", "--to", "RXH", "--from-disc", str(disc))
    assert result.stderr == (
        "error: the disc's patient ID (H123456) is not an NHS number: give --nhs NUMBER\n"
    )
    # A hospital number cannot be compared with the NHS number, so --nhs is taken as given.
    nhs = synthetic_patients(1)[0][0]
    ok = cli("register", "--to", "RXH", "--nhs", nhs, "--from-disc", str(disc), "--json")
    assert json.loads(ok.stdout)["nhs_number"] == nhs


def test_scan_receive_records_what_arrived(cli: Any, disc: Path, tmp_path: Path) -> None:
    media_id = cli("register", "--to", "RXH", "--from-disc", str(disc)).stdout.strip()
    cli("scan", "dispatch", media_id)
    result = cli("scan", "receive", media_id, "--site", "RXH", "--disc", str(disc))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"OK {media_id} received",
        "  disc: 2 studies, 9 images, as registered",
    ]
    receive = _events(cli, media_id)[-1]
    assert receive["detail"]["studies"] == _events(cli, media_id)[0]["detail"]["studies"]


def test_scan_receive_of_a_short_disc_says_how_it_differs(
    cli: Any, disc: Path, tmp_path: Path, two_studies: list
) -> None:
    media_id = cli("register", "--to", "RXH", "--from-disc", str(disc)).stdout.strip()
    short = write_fileset([two_studies[0]], tmp_path / "short")
    result = cli("scan", "receive", media_id, "--site", "RXH", "--disc", str(short))
    assert result.stdout.splitlines()[1] == (
        f"  disc: 1 study, 5 images; differs from registration: "
        f"study {two_studies[1].study_uid} missing"
    )
    state = json.loads(cli("show", media_id, "--json").stdout)
    assert [s["study_uid"] for s in state["received_studies"]] == [two_studies[0].study_uid]


def test_scan_receive_of_a_locked_disc_records_nothing(
    cli: Any, disc: Path, tmp_path: Path
) -> None:
    media_id = cli("register", "--to", "RXH", "--from-disc", str(disc)).stdout.strip()
    result = cli("scan", "receive", media_id, "--disc", str(_locked_folder(tmp_path / "l")))
    assert (result.exit_code, result.stderr) == (1, f"error: {LOCKED_MESSAGE}\n")
    assert len(_events(cli, media_id)) == 1


def test_disc_goes_with_one_receive_scan(cli: Any, disc: Path) -> None:
    media_id = cli("register", "--to", "RXH", "--from-disc", str(disc)).stdout.strip()
    result = cli("scan", "dispatch", media_id, "--disc", str(disc))
    assert result.stderr == "error: --disc goes with `scan receive`: it records what arrived\n"
    result = cli("scan", "receive", media_id, media_id, "--disc", str(disc))
    assert result.stderr == "error: --disc describes one disc: scan one code with it\n"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--pacs", "http://127.0.0.1:1/dicom-web"], "PACS unreachable at http://127.0.0.1:1/"
         "dicom-web: connection refused"),
        (["--ae-title", "PACS", "--host", "127.0.0.1", "--port", "1", "--timeout", "2"],
         "PACS unreachable at PACS@127.0.0.1:1: no DICOM answer"),
    ],
)  # fmt: skip
def test_unreachable_pacs_is_one_line_and_records_nothing(
    cli: Any, disc: Path, options: list[str], message: str
) -> None:
    media_id = cli("register", "--to", "RXH", "--from-disc", str(disc)).stdout.strip()
    for action in ("dispatch", "receive", "to-pacs"):
        cli("scan", action, media_id, "--site", "RXH")
    before = json.loads(cli("verify").stdout.split()[1])
    result = cli("pacs", "verify", media_id, *options)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"error: {message}\n")
    assert json.loads(cli("verify").stdout.split()[1]) == before == 4


def test_pacs_config_round_trip(cli: Any, tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    missing = cli("pacs", "config", env=env)
    assert missing.exit_code == 1 and missing.stderr.startswith("error: no PACS configured (")
    saved = cli("pacs", "config", "--ae-title", "PACS", "--host", "pacs.nhs", "--port", "104",
                env=env)  # fmt: skip
    path = tmp_path / "config" / "custody" / "pacs.toml"
    assert saved.stdout == f"saved C-FIND PACS@pacs.nhs:104 to {path}\n"
    shown = cli("pacs", "config", env=env)
    assert shown.stdout == f"C-FIND PACS@pacs.nhs:104 (timeout 30 s) from {path}\n"
    both = cli("pacs", "config", "--pacs", "http://x/dicom-web", "--port", "104", env=env)
    assert both.stderr == ("error: give either --pacs URL (DICOMweb) or --ae-title/--host/--port\n")


def test_scan_without_disc_imports_no_pydicom(db_path: Path) -> None:
    # A fresh interpreter measures what the command alone imports; tests.cli_helpers would
    # bring pytest, hypothesis and the fixtures along, so the probe invokes the app itself.
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from cli.main import app\n"
        f"args = ['--db', {str(db_path)!r}, 'scan', 'dispatch', 'RGT00000001E']\n"
        "r = CliRunner().invoke(app, args)\n"
        "assert r.exit_code == 1, r.output\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('pydicom', 'pynetdicom', 'pycdlib')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
