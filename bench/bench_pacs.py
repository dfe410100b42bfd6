"""How long `pacs verify` takes for 500 media against a local Orthanc, over both protocols.

Run from the repository root: .venv/bin/python -m bench.bench_pacs [--studies 500]
It re-runs itself in a loopback-only network namespace (scripts/netns.sh), as the tests do.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from ledger.pacs import (
    DicomWebSettings,
    DimseSettings,
    DiscSeries,
    ExpectedStudy,
    PacsSettings,
    Verdict,
    pacs_client,
    verify_studies,
)
from tests.pacs.orthanc import AE_TITLE, only_loopback, running_orthanc, upload
from tests.pacs.synthetic import SyntheticStudy, make_study, synthetic_patients

TARGET_SECONDS = 30.0
_IN_NETNS = "CUSTODY_BENCH_IN_NETNS"


def _expected(study: SyntheticStudy) -> ExpectedStudy:
    """The counts the ledger would hold for a disc carrying `study`."""
    series = tuple(DiscSeries(s[0].SeriesInstanceUID, s[0].Modality, len(s)) for s in study.series)
    return ExpectedStudy(study.study_uid, sum(s.instance_count for s in series), series)


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
            verdicts = verify_studies(pacs_client(setting), expected)
            seconds = time.perf_counter() - started
            slowest = max(slowest, seconds)
            tally = {v: sum(c.verdict is v for c in verdicts) for v in Verdict}
            print(
                f"{name:8} verify {len(expected)} media: {seconds:6.2f} s "
                f"(batch {setting.batch_size}; "
                + ", ".join(f"{v.value} {n}" for v, n in tally.items())
                + ")"
            )
    print(f"target under {TARGET_SECONDS:.0f} s: {'met' if slowest < TARGET_SECONDS else 'MISSED'}")
    return 0 if slowest < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
