"""Offline: a station whose PostgreSQL is down queues scans; `custody sync` replays them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.station.conftest import Site, custody, make_ledger

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/x"


def run_of_scans(media: list[str]) -> bytes:
    """A morning at the post room: dispatch, a double read, receipts, a misread, a handover."""
    lines = [
        "CMDDISPATCH",
        media[0],
        media[0],
        media[1],
        "CMDRECEIVE",
        media[0].lower(),
        media[2],
        "RGT00000001Z",
        "OPKWRIGHT",
        "CMDTOPACS",
        media[0],
    ]
    return ("\n".join(lines) + "\n").encode()


def ledger_as_seen(env: dict[str, str], db: Path, media: list[str]) -> list[dict[str, object]]:
    """What the ledger says of each medium, without the times that differ between runs."""
    env = {**env, "CUSTODY_DB": str(db)}
    seen = []
    for m in media:
        shown = json.loads(custody(env, "show", m, "--json", check=True).out)
        seen.append(
            {
                "status": shown["status"],
                "misdelivered": shown["misdelivered"],
                "anomalies": [a["text"] for a in shown["anomalies"]],
                "events": [(e["action"], e["site"], e["operator"]) for e in shown["events"]],
            }
        )
    return seen


def test_offline_then_sync_ends_as_if_online_throughout(site: Site, tmp_path: Path) -> None:
    online_db = tmp_path / "online.db"
    assert make_ledger(online_db) == site.media
    online = custody(
        {**site.env, "CUSTODY_DB": str(online_db)},
        "scan",
        "receive",
        stdin=run_of_scans(site.media),
    )

    offline = custody(
        site.env,
        "--db",
        UNREACHABLE,
        "scan",
        "receive",
        "--site",
        "RGT",
        stdin=run_of_scans(site.media),
    )
    assert offline.err.startswith(f"offline - scans are queued in {site.journal}: cannot reach")
    assert offline.out.splitlines()[1:4] == [
        f"QUEUED {site.media[0]} dispatch - offline - queued",
        f"DUPLICATE {site.media[0]} - already queued",
        f"QUEUED {site.media[1]} dispatch - offline - queued",
    ]
    assert "REFUSED RGT00000001Z: misread" in offline.out
    assert offline.err.endswith("1 refused, 0 with anomalies, 5 queued offline\n")
    assert len(site.journal.read_text().splitlines()) == 5

    synced = custody(site.env, "sync", check=True)
    assert synced.out.splitlines()[-1] == (
        f"journal {site.journal}: 5 queued scans - 5 recorded, 0 already in the ledger, "
        "0 duplicate, 0 refused"
    )
    again = custody(site.env, "sync", check=True)
    assert "0 recorded, 5 already in the ledger" in again.out

    assert ledger_as_seen(site.env, site.db, site.media) == ledger_as_seen(
        site.env, online_db, site.media
    )
    assert online.out.count("OK ") == 5
    verified = custody(site.env, "verify", check=True).out
    assert verified.startswith(f"verified {4 + 5} events")


def test_offline_without_a_site_refuses_rather_than_guess(site: Site) -> None:
    run = custody(
        site.env, "--db", UNREACHABLE, "scan", "dispatch", stdin=f"{site.media[0]}\n".encode()
    )
    assert run.out.startswith("REFUSED ledger unreachable and this station has no site set")
    # It says so from the start, and never that scans are queued.
    assert run.err.startswith("offline - cannot reach the ledger")
    assert "this station has no site set, so scans cannot be queued and each is refused" in run.err
    assert "queued" not in run.err.replace("cannot be queued", "")
    assert not site.journal.exists()
