"""Benchmark: 1,000 labels to A4 sheets (avery-l7160), each decode-verified; prints the seconds.

Run: .venv/bin/python bench/bench_labels.py [COUNT]   (target: under 20 s for 1,000)
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from labels.content import LabelContent, make_label_content
from labels.sheets import write_labels
from ledger.ids import make_media_id, serial_is_usable

TARGET_SECONDS = 20.0
RETURN_ADDRESS = "Radiology Department\nAddenbrooke's Hospital\nHills Road\nCambridge CB2 0QQ"


def contents(count: int) -> list[LabelContent]:
    """`count` label contents with distinct media IDs and a mix of markers."""
    serials = (s for s in range(1, 10 * count) if serial_is_usable("RGT", s))
    exceptions = [None, None, None, "urgent-clinical", "patient-handover", "secure-with-notes"]
    return [
        make_label_content(
            str(make_media_id("RGT", next(serials))),
            destination_code="RAL",
            destination_name="Royal Free London NHS Foundation Trust",
            sender_code="RGT",
            sender_name="Cambridge University Hospitals",
            return_address=RETURN_ADDRESS,
            date=dt.date(2025, 11, 25),
            exception=exceptions[i % len(exceptions)],
            urgent=i % 7 == 0,
        )
        for i in range(count)
    ]


def main() -> None:
    """Time write_labels for COUNT labels and print the result."""
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    items = contents(count)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "labels.pdf"
        t0 = time.perf_counter()
        write_labels(items, out, "avery-l7160")
        seconds = time.perf_counter() - t0
        size = out.stat().st_size
    pages = -(-count // 21)
    verdict = "ok" if count != 1000 or seconds < TARGET_SECONDS else "SLOWER THAN TARGET"
    print(
        f"{count} labels, {pages} A4 pages (avery-l7160), each decode-verified: "
        f"{seconds:.2f} s ({1000 * seconds / count:.1f} ms/label), PDF {size / 1e6:.1f} MB; "
        f"target < {TARGET_SECONDS:.0f} s for 1000: {verdict}"
    )


if __name__ == "__main__":
    main()
