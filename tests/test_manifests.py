"""Two organisations, two ledgers (SQLite sender, PostgreSQL receiver): a full round trip."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from ledger.api import Ledger
from ledger.manifests import MEDIA_COLUMNS, expected_not_arrived
from tests.cli_helpers import NHS, custody, ok

UNKNOWN_RJ1 = "RJ100000001U"  # a well-formed ID of a third organisation


@pytest.fixture
def sender(tmp_path: Path) -> str:
    """RGT's ledger (SQLite) with three media dispatched to RXH, one not, one for RJ1."""
    db = str(tmp_path / "rgt.db")
    ok(db, "init", "--org", "RGT", "--name", "Cambridge")
    ok(db, "org", "add", "RXH", "--name", "Brighton")
    ok(db, "org", "add", "RJ1", "--name", "Guy's and St Thomas'")
    for args in (
        ("--nhs", NHS[0], "--accession", "ACC1", "--study-uid", "1.2.826.0.1.1", "--urgent"),
        ("--nhs", NHS[1], "--kind", "dvd"),
        ("--nhs", NHS[2], "--unencrypted", "--exception", "secure-with-notes"),
        ("--nhs", NHS[0]),
    ):
        extra = (
            ("--approved-by", "Dr Lee", "--reason", "solicitor") if "--unencrypted" in args else ()
        )
        ok(db, "register", "--to", "RXH", *args, *extra)
    ok(db, "register", "--to", "RJ1", "--nhs", NHS[1])
    ok(db, "scan", "dispatch", "RGT00000001E", "RGT00000002C", "RGT00000003A", "RGT000000056")
    return db


def _digest(doc: dict[str, object]) -> str:
    body = {k: v for k, v in doc.items() if k != "digest"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def test_round_trip_between_two_ledgers(sender: str, pg_url: str, tmp_path: Path) -> None:
    receiver = pg_url
    as_json, as_csv = tmp_path / "rgt-rxh.json", tmp_path / "rgt-rxh.csv"
    out = ok(sender, "manifest", "export", "--to", "RXH", "-o", str(as_json))
    assert out.startswith(f"wrote 3 media for RXH to {as_json} (json)\ndigest ")
    ok(sender, "manifest", "export", "--to", "RXH", "-o", str(as_csv))
    manifest = json.loads(as_json.read_text())
    head_at_export = Ledger.open(sender).verify()
    assert manifest["sender_head"] == {
        "events": head_at_export.events,
        "digest": head_at_export.head,
    }
    assert manifest["digest"] == _digest(manifest)
    assert [
        (m["media_id"], m["kind"], m["urgent"], m["encrypted"], m["exception"])
        for m in manifest["media"]
    ] == [
        ("RGT00000001E", "cd", True, True, None),
        ("RGT00000002C", "dvd", False, True, None),
        ("RGT00000003A", "cd", False, False, "secure-with-notes"),
    ]
    first = manifest["media"][0]
    assert (first["nhs_number"], first["accession"], first["study_uid"]) == (
        NHS[0],
        "ACC1",
        "1.2.826.0.1.1",
    )
    csv_lines = as_csv.read_text().splitlines()
    assert csv_lines[0] == "# custody-manifest/1"
    assert f"# digest: {manifest['digest']}" not in csv_lines  # made later: another created_at
    assert csv_lines[8] == ",".join(MEDIA_COLUMNS)
    assert len(csv_lines) == 12

    # The receiver loads the CSV, then the JSON of the same media: the second changes nothing.
    ok(receiver, "init", "--org", "RXH", "--name", "Brighton")
    refused = custody(receiver, "manifest", "import", str(as_csv))
    assert (refused.exit_code, refused.stderr) == (
        1,
        "error: unknown organisation 'RGT' (add it with `custody org add`)\n",
    )
    ok(receiver, "org", "add", "RGT", "--name", "Cambridge")
    assert ok(receiver, "manifest", "import", str(as_csv)) == (
        "manifest from RGT: 3 expected media recorded, 0 already recorded\n"
    )
    assert ok(receiver, "manifest", "import", str(as_json)) == (
        "manifest from RGT: 0 expected media recorded, 3 already recorded\n"
    )
    tampered = tmp_path / "tampered.json"
    tampered.write_text(as_json.read_text().replace(NHS[1], NHS[2]))
    bad = custody(receiver, "manifest", "import", str(tampered))
    assert (bad.exit_code, bad.stderr) == (
        1,
        "error: tampered.json: content does not match its digest (changed or damaged on the "
        "way); nothing was imported - ask the sender for a fresh copy\n",
    )
    wrong = custody(sender, "manifest", "import", str(as_json))
    assert wrong.stderr == "error: this manifest is for RXH, this ledger is RGT; nothing imported\n"
    rxh = Ledger.open(receiver)
    assert rxh.verify().events == 3
    expected = rxh.show("RGT00000003A").state
    assert (expected.status, expected.expected, expected.encrypted, expected.issuer) == (
        "dispatched",
        True,
        False,
        "RGT",
    )
    assert expected.dispatched_at == Ledger.open(sender).show("RGT00000003A").state.dispatched_at

    # Arrivals: two announced, one of RGT's never announced, one of a third organisation.
    assert ok(receiver, "scan", "receive", "RGT00000001E", "RGT00000002C") == (
        "OK RGT00000001E received\nOK RGT00000002C received\n"
    )
    ok(receiver, "scan", "to-pacs", "RGT00000001E")
    ok(receiver, "scan", "imported", "RGT00000001E", "--operator", "pacs.desk")
    assert ok(receiver, "scan", "receive", "RGT000000048", UNKNOWN_RJ1) == (
        "OK RGT000000048 received - UNEXPECTED ARRIVAL from RGT: not in this ledger, "
        "recorded for follow-up\n"
        f"OK {UNKNOWN_RJ1} received - UNEXPECTED ARRIVAL from RJ1: not in this ledger, "
        "recorded for follow-up\n"
    )
    unexpected = {m["media_id"] for m in rxh.list_media() if m["unexpected"]}
    assert unexpected == {"RGT000000048", UNKNOWN_RJ1}
    assert [m["media_id"] for m in expected_not_arrived(rxh)] == ["RGT00000003A"]
    assert ok(receiver, "manifest", "expected").startswith("RGT00000003A   from RGT   dispatched ")

    # Receipts flow back: the sender sees the partner's events, with the partner's IDs and times.
    receipts = tmp_path / "rxh-receipts.json"
    assert ok(receiver, "manifest", "receipts", "--from", "RGT", "-o", str(receipts)).startswith(
        f"wrote 5 events for RGT to {receipts}\n"
    )
    assert ok(sender, "manifest", "import", str(receipts)) == (
        "receipts from RXH: 5 events recorded, 0 already recorded\n"
    )
    assert ok(sender, "manifest", "import", str(receipts)) == (
        "receipts from RXH: 0 events recorded, 5 already recorded\n"
    )
    rgt = Ledger.open(sender)
    there = {e.event_id: e for e in rxh.show("RGT00000001E").events}
    here = rgt.show("RGT00000001E")
    assert here.state.status == "imported"
    assert here.state.imported_at == rxh.show("RGT00000001E").state.imported_at
    back = [e for e in here.events if e.site == "RXH"]
    assert [e.action for e in back] == ["receive", "to-pacs", "imported"]
    for e in back:
        assert (e.at, e.recorded_at, e.operator) == (
            there[e.event_id].at,
            there[e.event_id].recorded_at,
            there[e.event_id].operator,
        )
    assert rgt.show("RGT00000002C").state.status == "received"
    assert rgt.show("RGT00000003A").state.status == "dispatched"  # never arrived
    never_dispatched = rgt.show("RGT000000048").state
    assert (never_dispatched.status, never_dispatched.received_site) == ("received", "RXH")

    # Later receipts repeat the earlier events; only the new one is recorded.
    ok(receiver, "scan", "to-pacs", "RGT00000002C")
    ok(receiver, "manifest", "receipts", "--from", "RGT", "-o", str(receipts))
    assert ok(sender, "manifest", "import", str(receipts)) == (
        "receipts from RXH: 1 events recorded, 5 already recorded\n"
    )
    assert ok(sender, "verify").startswith(f"verified {5 + 4 + 6} events\n")
    assert ok(receiver, "verify").startswith(f"verified {3 + 7} events\n")


def test_since_and_csv_digest(sender: str, tmp_path: Path) -> None:
    from ledger.manifests import export_manifest, read_file, write_file

    rgt = Ledger.open(sender)
    dispatched = rgt.show("RGT00000002C").state.dispatched_at
    assert dispatched is not None
    later = export_manifest(rgt, "RXH", since=dispatched)
    assert [m.media_id for m in later.media] == ["RGT00000002C", "RGT00000003A"]
    write_file(later, tmp_path / "m.csv")
    write_file(later, tmp_path / "m.json")
    assert read_file(tmp_path / "m.csv") == read_file(tmp_path / "m.json") == later
    text = (tmp_path / "m.csv").read_text()
    (tmp_path / "m.csv").write_text(text.replace(",dvd,", ",cd,"))
    refused = custody(sender, "manifest", "import", str(tmp_path / "m.csv"))
    assert refused.stderr.startswith("error: m.csv: content does not match its digest")


def test_manifest_after_an_unexpected_arrival(sender: str, tmp_path: Path) -> None:
    receiver = str(tmp_path / "rxh.db")
    ok(receiver, "init", "--org", "RXH", "--name", "Brighton")
    ok(receiver, "org", "add", "RGT", "--name", "Cambridge")
    assert ok(receiver, "scan", "receive", "RGT00000002C") == (
        "OK RGT00000002C received - UNEXPECTED ARRIVAL from RGT: not in this ledger, "
        "recorded for follow-up\n"
    )
    manifest = tmp_path / "late.json"
    ok(sender, "manifest", "export", "--to", "RXH", "-o", str(manifest))
    assert ok(receiver, "manifest", "import", str(manifest)) == (
        "manifest from RGT: 3 expected media recorded, 0 already recorded\n"
    )
    state = Ledger.open(receiver).show("RGT00000002C").state
    # The manifest fills in what the disc is; it still arrived before anyone announced it.
    assert (state.status, state.expected, state.unexpected, state.kind, state.anomalies) == (
        "received",
        True,
        True,
        "dvd",
        (),
    )
    assert [m["media_id"] for m in expected_not_arrived(Ledger.open(receiver))] == [
        "RGT00000001E",
        "RGT00000003A",
    ]
