"""How long `pacs verify` takes for 500 media against a local Orthanc, over both protocols.

Two figures per protocol: the batched query alone (library), and `custody pacs verify
--pending` end to end (a new process: start-up, ledger reads, queries, events recorded).
Run from the repository root: .venv/bin/python -m bench.bench_pacs [--studies 500]
It re-runs itself in a loopback-only network namespace (scripts/netns.sh), as the tests do.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ledger.api import Ledger
from ledger.rules import Registration
from pacs import (
    DicomWebSettings,
    DimseSettings,
    DiscSeries,
    ExpectedStudy,
    PacsSettings,
    Verdict,
    compare_studies,
    pacs_client,
)
from tests.pacs.orthanc import AE_TITLE, Orthanc, only_loopback, running_orthanc, upload
from tests.pacs.synthetic import SyntheticStudy, make_study, synthetic_patients

TARGET_SECONDS = 30.0
_IN_NETNS = "CUSTODY_BENCH_IN_NETNS"


def _expected(study: SyntheticStudy) -> ExpectedStudy:
    """The counts the ledger would hold for a disc carrying `study`."""
    series = tuple(DiscSeries(s[0].SeriesInstanceUID, s[0].Modality, len(s)) for s in study.series)
    return ExpectedStudy(study.study_uid, sum(s.instance_count for s in series), series)


def _ledger_with_pacs(path: Path, expected: list[ExpectedStudy], patients: list[str]) -> None:
    """A ledger whose media (one per study, counts registered) are all with the PACS team."""
    ledger = Ledger.create(str(path), "RGT", "Cambridge University Hospitals")
    ledger.add_org("RXH", "University Hospitals Sussex")
    regs = [
        Registration(patients[i % len(patients)], "RXH", study_uid=s.study_uid, studies=(s,))
        for i, s in enumerate(expected)
    ]
    states = ledger.register_many(regs, operator="bench")
    with ledger.session():
        for action in ("dispatch", "receive", "to-pacs"):
            for state in states:
                ledger.scan(action, state.media_id, site="RXH", operator="bench")
    ledger.engine.dispose()


def _cli_verify(db: Path, options: list[str]) -> tuple[float, str]:
    """Run `custody pacs verify --pending` as a user would; its time and its summary line."""
    custody = str(Path(sys.executable).with_name("custody"))
    started = time.perf_counter()
    done = subprocess.run(
        [custody, "--db", str(db), "pacs", "verify", "--pending", *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=True,
    )
    return time.perf_counter() - started, done.stderr.strip().splitlines()[-1]


def _cli_options(server: Orthanc) -> list[tuple[str, list[str]]]:
    """The command-line options that reach `server` over each protocol."""
    dimse = ["--ae-title", AE_TITLE, "--host", "127.0.0.1", "--port", str(server.dicom_port)]
    return [("QIDO-RS", ["--pacs", server.dicomweb_url]), ("C-FIND", dimse)]


def main() -> int:
    """Load Orthanc with synthetic studies, then time a batched verify over each protocol."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=500, help="media to verify (one study each)")
    args = parser.parse_args()
    if not only_loopback():
        if os.environ.get(_IN_NETNS):
            print("bench: could not get a loopback-only network namespace", file=sys.stderr)
            return 1
        root = Path(__file__).resolve().parent.parent
        os.chdir(root)
        os.environ[_IN_NETNS] = "1"
        command = [sys.executable, "-m", "bench.bench_pacs", *sys.argv[1:]]
        os.execv("/bin/bash", ["bash", "scripts/netns.sh", *command])

    patients = synthetic_patients(min(args.studies, 100))
    studies = [
        make_study(patients[i % len(patients)], (("CT", 2), ("CT", 2)), accession=f"B{i:06d}")
        for i in range(args.studies)
    ]
    with tempfile.TemporaryDirectory() as workdir, running_orthanc(Path(workdir)) as server:
        started = time.perf_counter()
        # Every 20th study imported half-way and every 50th not at all, as on a real desk.
        sent = upload(
            server,
            (
                ds
                for i, study in enumerate(studies)
                if i % 50 != 49
                for ds in (study.series[0] if i % 20 == 19 else study.instances)
            ),
        )
        print(
            f"loaded {sent} instances of {len(studies)} studies in "
            f"{time.perf_counter() - started:.1f} s (not timed below)"
        )
        expected = [_expected(study) for study in studies]
        settings: list[tuple[str, PacsSettings]] = [
            ("QIDO-RS", DicomWebSettings(server.dicomweb_url)),
            ("C-FIND", DimseSettings(AE_TITLE, "127.0.0.1", server.dicom_port)),
        ]
        slowest = 0.0
        for name, setting in settings:
            started = time.perf_counter()
            verdicts = compare_studies(pacs_client(setting), expected)
            seconds = time.perf_counter() - started
            slowest = max(slowest, seconds)
            tally = {v: sum(c.verdict is v for c in verdicts) for v in Verdict}
            print(
                f"{name:8} verify {len(expected)} media: {seconds:6.2f} s "
                f"(batch {setting.batch_size}; "
                + ", ".join(f"{v.value} {n}" for v, n in tally.items())
                + ")"
            )
        template = Path(workdir) / "ledger.db"
        _ledger_with_pacs(template, expected, [number for number, _ in patients])
        for name, options in _cli_options(server):
            db = Path(workdir) / f"{name}.db"
            shutil.copy(template, db)
            seconds, summary = _cli_verify(db, options)
            slowest = max(slowest, seconds)
            print(f"{name:8} custody pacs verify --pending: {seconds:6.2f} s ({summary})")
    print(f"target under {TARGET_SECONDS:.0f} s: {'met' if slowest < TARGET_SECONDS else 'MISSED'}")
    return 0 if slowest < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
