"""Every core command behaves the same on PostgreSQL as on SQLite (issue 7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_helpers import NHS, custody, ok


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A ledger location on each backend."""
    if request.param == "sqlite":
        return str(tmp_path / "ledger.db")
    return str(request.getfixturevalue("pg_url"))


def test_core_commands(db: str, tmp_path: Path) -> None:
    assert ok(db, "init", "--org", "RGT", "--name", "Cambridge") == (
        f"created ledger for RGT Cambridge at {db}\n"
    )
    again = custody(db, "init", "--org", "RGT", "--name", "Cambridge")
    assert (again.exit_code, again.stderr) == (
        1,
        f"error: a ledger already exists at {db}; nothing changed\n",
    )
    assert ok(db, "org", "add", "RXH", "--name", "Brighton") == "added RXH Brighton\n"
    orgs = json.loads(ok(db, "org", "list", "--json"))
    assert orgs == [
        {"code": "RGT", "name": "Cambridge", "address": None, "home": True, "email": None}
        | {"public_key": None},
        {"code": "RXH", "name": "Brighton", "address": None, "home": False, "email": None}
        | {"public_key": None},
    ]
    assert ok(db, "register", "--to", "RXH", "--nhs", NHS[0], "--urgent") == "RGT00000001E\n"
    csv_file = tmp_path / "batch.csv"
    csv_file.write_text(
        "nhs_number,destination,urgent,encrypted,exception,approved_by,exception_reason\n"
        f"{NHS[1]},RXH,no,yes,,,\n"
        f"{NHS[2]},RXH,yes,no,urgent-clinical,Dr Lee,stroke transfer\n"
    )
    assert ok(db, "register", "--from-csv", str(csv_file)) == "RGT00000002C\nRGT00000003A\n"
    bad = tmp_path / "bad.csv"
    bad.write_text(f"nhs_number,destination\n{NHS[0]},XXX\n1234567890,RXH\n")
    refused = custody(db, "register", "--from-csv", str(bad))
    assert refused.exit_code == 1
    assert "2 bad row(s) of 2; nothing was registered" in refused.stderr

    assert ok(db, "scan", "dispatch", "RGT00000001E", "RGT00000002C") == (
        "OK RGT00000001E dispatched\nOK RGT00000002C dispatched\n"
    )
    assert ok(db, "scan", "dispatch", "RGT00000001E").startswith(
        "DUPLICATE RGT00000001E dispatched - already recorded dispatch at "
    )
    # Non-ASCII and quotes: the server hashes the same canonical UTF-8 text as Python.
    operator = "Zoë O'Brien \u2013 Ünal"
    received = ok(db, "scan", "receive", "RGT00000001E", "--site", "RXH", "--operator", operator)
    assert received == "OK RGT00000001E received\n"
    refused_scan = custody(db, "scan", "receive", "RGT00000009X", "RGT000000048")
    assert refused_scan.exit_code == 1
    assert refused_scan.stdout.splitlines() == [
        "REFUSED RGT00000009X: misread - scan again (check character does not match)",
        "REFUSED RGT000000048: unknown medium (not registered)",
    ]

    shown = json.loads(ok(db, "show", "RGT00000001E", "--json"))
    assert (shown["status"], shown["urgent"], shown["encrypted"]) == ("received", True, True)
    assert [e["action"] for e in shown["events"]] == ["register", "dispatch", "receive"]
    assert [e["seq"] for e in shown["events"]] == [1, 4, 6]
    assert shown["events"][2]["operator"] == operator
    unencrypted = json.loads(ok(db, "show", "RGT00000003A", "--json"))
    assert (unencrypted["encrypted"], unencrypted["exception"]) == (False, "urgent-clinical")

    listed = json.loads(ok(db, "list", "--json"))
    assert [(m["media_id"], m["status"], m["urgent"], m["encrypted"]) for m in listed] == [
        ("RGT00000003A", "registered", True, False),
        ("RGT00000002C", "dispatched", False, True),
        ("RGT00000001E", "received", True, True),
    ]
    assert ok(db, "list", "--status", "dispatched") == (
        f"RGT00000002C   dispatched    {_since(listed[1]['status_at'])}  RXH   cd\n"
    )

    wrong = shown["events"][2]["event_id"]
    assert ok(db, "correct", wrong, "--reason", "wrong site") == (
        f"voided {wrong}; RGT00000001E is now dispatched\n"
    )
    again = custody(db, "correct", wrong, "--reason", "twice")
    assert (again.exit_code, again.stderr) == (
        1,
        f"error: event {wrong} is voided already\n",
    )
    verified = ok(db, "verify").splitlines()
    assert verified[0] == "verified 7 events"
    assert len(verified[1].removeprefix("head digest ")) == 64


def _since(status_at: str) -> str:
    from ledger.clock import from_text, london

    return london(from_text(status_at))
