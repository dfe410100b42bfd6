"""Two organisations, two ledgers (SQLite sender; SQLite and PostgreSQL receiver): round trips."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ledger.api import Ledger
from ledger.clock import to_text
from ledger.events import Event, event_json
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


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def receiver_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The receiver's ledger: SQLite (so the round trip never needs a server), and PostgreSQL."""
    if request.param == "sqlite":
        return str(tmp_path / "rxh.db")
    return str(request.getfixturevalue("pg_url"))


def test_round_trip_between_two_ledgers(sender: str, receiver_db: str, tmp_path: Path) -> None:
    receiver = receiver_db
    as_json, as_csv = tmp_path / "rgt-rxh.json", tmp_path / "rgt-rxh.csv"
    out = ok(sender, "manifest", "export", "--to", "RXH", "-o", str(as_json))
    assert out.startswith(f"wrote 3 media for RXH to {as_json} (json)\ndigest ")
    ok(sender, "manifest", "export", "--to", "RXH", "-o", str(as_csv))
    manifest = json.loads(as_json.read_text())
    head_at_export = Ledger.open(sender).verify_chain()
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
    assert csv_lines[8] == ",".join((*MEDIA_COLUMNS, "tracking"))
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
    assert rxh.verify_chain().events == 3
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
        # The partner's times and people; recorded_at is when this ledger recorded it.
        assert (e.at, e.detail["recorded_elsewhere_at"], e.operator) == (
            there[e.event_id].at,
            to_text(there[e.event_id].recorded_at),
            there[e.event_id].operator,
        )
        assert e.recorded_at >= there[e.event_id].recorded_at
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


def test_a_parcels_tracking_reference_travels_in_the_manifest(sender: str, tmp_path: Path) -> None:
    from ledger.manifests import read_file

    # A manifest from before tracking references (no such column) still reads and verifies.
    before, old = tmp_path / "before.csv", tmp_path / "old.csv"
    ok(sender, "manifest", "export", "--to", "RXH", "-o", str(before))
    lines = before.read_text().splitlines()
    assert lines[8].endswith(",tracking") and all(row.endswith(",") for row in lines[9:])
    old.write_text("\n".join([*lines[:8], *(row[: row.rindex(",")] for row in lines[8:])]) + "\n")
    assert read_file(old) == read_file(before)

    ok(sender, "scan", "dispatch", "RGT00000001E", "--tracking", "AB123456785GB")
    as_json, as_csv = tmp_path / "m.json", tmp_path / "m.csv"
    ok(sender, "manifest", "export", "--to", "RXH", "-o", str(as_json))
    ok(sender, "manifest", "export", "--to", "RXH", "-o", str(as_csv))
    manifest = json.loads(as_json.read_text())
    assert [m.get("tracking") for m in manifest["media"]] == ["AB123456785GB", None, None]
    assert manifest["digest"] == _digest(manifest)
    assert read_file(as_csv).media == read_file(as_json).media
    receiver = str(tmp_path / "rxh.db")
    ok(receiver, "init", "--org", "RXH", "--name", "Brighton")
    ok(receiver, "org", "add", "RGT", "--name", "Cambridge")
    ok(receiver, "manifest", "import", str(as_csv))
    assert "tracking     AB 1234 5678 5 GB" in ok(receiver, "show", "RGT00000001E")


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


# -- what a partner's file may and may not do ---------------------------------------------


def _rxh(tmp_path: Path) -> str:
    receiver = str(tmp_path / "rxh.db")
    ok(receiver, "init", "--org", "RXH", "--name", "Brighton")
    ok(receiver, "org", "add", "RGT", "--name", "Cambridge")
    return receiver


def _write(path: Path, doc: object) -> Path:
    """A file holding `doc`, its digest made to match (as a careless or hostile partner could)."""
    if isinstance(doc, dict):
        doc = {**doc, "digest": _digest(doc)}
    path.write_text(json.dumps(doc))
    return path


def _manifest(sender: str, tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "m.json"
    ok(sender, "manifest", "export", "--to", "RXH", "-o", str(path))
    return dict(json.loads(path.read_text()))


def _receipt(media_id: str, action: str, **changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    event = Event(
        event_id=str(uuid.uuid4()),
        media_id=media_id,
        action=action,
        at=now,
        recorded_at=now,
        site="RXH",
        operator="rxh.post",
        detail={},
    )
    return dict(event_json(event._replace(**changes)))


def _receipts(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "format": "custody-receipts/1",
        "from": "RXH",
        "to": "RGT",
        "created_at": "2026-01-01T00:00:00.000000Z",
        "since": None,
        "receiver_head": {"events": 1, "digest": "0" * 64},
        "events": events,
    }


def test_receipts_record_only_the_partners_custody_scans(sender: str, tmp_path: Path) -> None:
    rgt = Ledger.open(sender)
    dispatch = next(e for e in rgt.show("RGT00000001E").events if e.action == "dispatch")
    received = _receipt("RGT00000001E", "receive")
    wrong_receive = _receipt("RGT00000002C", "receive")
    now = datetime.now(UTC)
    good = [
        received,
        _receipt("RGT00000001E", "to-pacs"),
        _receipt("RGT00000001E", "import-partial"),
        wrong_receive,
        _receipt("RGT00000002C", "correct", detail={"voids": wrong_receive["event_id"]}),
        _receipt("RGT00000003A", "lost"),
    ]
    bad = [
        (_receipt("RGT00000001E", "correct", detail={"voids": dispatch.event_id}), "a correction"),
        (_receipt("RGT000000048", "register"), "may not record 'register'"),
        (_receipt("RGT00000001E", "ir1-closed"), "may not record 'ir1-closed'"),
        (_receipt("RGT00000001E", "password-sent"), "may not record 'password-sent'"),
        (_receipt("RGT00000001E", "dispatch"), "may not record 'dispatch'"),
        (_receipt("RGT00000001E", "expected"), "may not record 'expected'"),
        (
            _receipt("RGT00000002C", "imported", at=datetime(2099, 1, 1, tzinfo=UTC)),
            "dated 2099-01-01 00:00 (UK time) is in the future",
        ),
        (
            _receipt("RGT00000002C", "imported", at=datetime(1, 1, 1, tzinfo=UTC)),
            "dated 0001-01-01 is before 2000-01-01",
        ),
        (
            _receipt("RGT00000002C", "imported", recorded_at=now + timedelta(hours=1)),
            "(UK time) is in the future",
        ),
        (_receipt("RGT00000002C", "to-pacs", site="RGT"), "recorded at RGT: RXH may send only"),
        (_receipt("RGT00000002C", "to-pacs", site="RJ1"), "recorded at RJ1: RXH may send only"),
    ]
    path = _write(tmp_path / "r.json", _receipts([*good, *(e for e, _ in bad)]))
    result = custody(sender, "manifest", "import", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout == "receipts from RXH: 6 events recorded, 0 already recorded\n"
    skipped = result.stderr.splitlines()
    assert len(skipped) == len(bad)
    for line, (event, reason) in zip(skipped, bad, strict=True):
        assert line.startswith(f"  skipped {event['media_id']} {event['action']} ")
        assert reason in line
    rgt = Ledger.open(sender)
    assert rgt.show("RGT00000001E").state.status == "import-failed"  # partial: not all studies
    assert rgt.show("RGT00000001E").state.import_partial_at is not None
    assert rgt.show("RGT00000002C").state.status == "dispatched"  # its receive was voided
    assert rgt.show("RGT00000003A").state.status == "lost"
    assert rgt.show("RGT000000048").state.status == "registered"
    assert dispatch.event_id in {e.event_id for e in rgt.show("RGT00000001E").events}
    assert all(e.site in ("RGT", "RXH") for m in MEDIA for e in rgt.show(m).events)
    # A later file may correct an event the partner sent before; not one of ours.
    later = _receipt("RGT00000001E", "correct", detail={"voids": received["event_id"]})
    ours = _receipt("RGT00000003A", "correct", detail={"voids": dispatch.event_id})
    again = _write(tmp_path / "r2.json", _receipts([received, later, ours]))
    result = custody(sender, "manifest", "import", str(again))
    assert result.stdout == "receipts from RXH: 1 events recorded, 1 already recorded\n"
    assert "a correction may void only an event RXH sent for this medium" in result.stderr


MEDIA = ("RGT00000001E", "RGT00000002C", "RGT00000003A", "RGT000000048")


def test_the_same_receipt_twice_in_one_file_is_recorded_once(sender: str, tmp_path: Path) -> None:
    receive = _receipt("RGT00000001E", "receive")
    path = _write(tmp_path / "r.json", _receipts([receive, receive]))
    assert ok(sender, "manifest", "import", str(path)) == (
        "receipts from RXH: 1 events recorded, 0 already recorded\n"
    )
    changed = {**receive, "operator": "someone.else"}
    path = _write(tmp_path / "r2.json", _receipts([receive, changed]))
    result = custody(sender, "manifest", "import", str(path))
    assert (result.exit_code, result.stderr) == (
        1,
        f"error: receipt event {receive['event_id']} appears twice with different content; "
        "nothing imported\n",
    )


def test_a_manifest_listing_a_medium_twice_is_refused_whole(sender: str, tmp_path: Path) -> None:
    receiver = _rxh(tmp_path)
    manifest = _manifest(sender, tmp_path)
    manifest["media"] = [*manifest["media"], manifest["media"][0]]
    result = custody(receiver, "manifest", "import", str(_write(tmp_path / "d.json", manifest)))
    assert (result.exit_code, result.stderr) == (
        1,
        "error: 1 bad line(s); nothing imported: medium 4 (RGT00000001E): RGT00000001E is "
        "listed twice (also medium 1)\n",
    )
    assert Ledger.open(receiver).verify_chain().events == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"media_id": 12345}, "medium 1: media_id 12345 is not text"),
        ({"urgent": "no"}, "medium 1 (RGT00000001E): urgent 'no' is not true or false"),
        ({"encrypted": 1}, "medium 1 (RGT00000001E): encrypted 1 is not true or false"),
        ({"kind": "floppy"}, "medium 1 (RGT00000001E): kind 'floppy' is not one of cd, dvd, usb"),
        ({"nhs_number": 9037763960}, "medium 1 (RGT00000001E): nhs_number 9037763960 is not text"),
        (
            {"dispatched_at": "2026-11-20T10:00:00"},
            "medium 1 (RGT00000001E): dispatched_at '2026-11-20T10:00:00' has no time zone "
            "(UTC offset or Z)",
        ),
        (
            {"dispatched_at": "yesterday"},
            "medium 1 (RGT00000001E): dispatched_at 'yesterday' is not an ISO 8601 time",
        ),
    ],
)
def test_a_manifest_line_of_the_wrong_type_is_refused_in_one_line(
    sender: str, tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    receiver = _rxh(tmp_path)
    manifest = _manifest(sender, tmp_path)
    manifest["media"][0].update(change)
    result = custody(receiver, "manifest", "import", str(_write(tmp_path / "bad.json", manifest)))
    assert (result.exit_code, result.stderr) == (
        1,
        f"error: bad.json is not a custody manifest: {message}\n",
    )
    assert Ledger.open(receiver).verify_chain().events == 0


@pytest.mark.parametrize(
    ("dispatched_at", "message"),
    [
        ("0001-01-01T10:00:00+00:00", "0001-01-01 is before 2000-01-01"),
        ("1999-12-31T23:59:59.000000Z", "1999-12-31 is before 2000-01-01"),
        ("2099-01-01T10:00:00.000000Z", "2099-01-01 10:00 (UK time) is in the future"),
    ],
)
def test_a_manifest_dated_out_of_range_is_refused_whole(
    sender: str, tmp_path: Path, dispatched_at: str, message: str
) -> None:
    receiver = _rxh(tmp_path)
    manifest = _manifest(sender, tmp_path)
    manifest["media"][1]["dispatched_at"] = dispatched_at
    result = custody(receiver, "manifest", "import", str(_write(tmp_path / "old.json", manifest)))
    media_id = manifest["media"][1]["media_id"]
    assert (result.exit_code, result.stderr) == (
        1,
        f"error: 1 bad line(s); nothing imported: medium 2 ({media_id}): dispatched_at {message}\n",
    )
    assert Ledger.open(receiver).verify_chain().events == 0


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], "the file holds a JSON list, not a manifest object"),
        ("x", "the file holds a JSON str, not a manifest object"),
        ({"format": "custody-manifest/1", "media": {}}, "media is not a list"),
        ({"format": "custody-manifest/1", "media": []}, "no 'sender_head' field"),
    ],
)
def test_a_file_that_is_not_a_manifest_object_is_one_line(
    tmp_path: Path, doc: object, message: str
) -> None:
    receiver = _rxh(tmp_path)
    path = tmp_path / "list.json"
    path.write_text(json.dumps(doc))
    result = custody(receiver, "manifest", "import", str(path))
    assert (result.exit_code, result.stderr) == (
        1,
        f"error: list.json is not a custody manifest: {message}\n",
    )


def test_csv_yes_and_no_are_booleans_anything_else_is_refused(sender: str, tmp_path: Path) -> None:
    from ledger.manifests import Manifest, _signed, manifest_csv, read_file

    rgt = Ledger.open(sender)
    exported = _signed(replace(_export(rgt), digest=""))
    text = manifest_csv(exported).replace(",true,", ",yes,").replace(",false,", ",No,")
    header, _, body = text.partition("\nmedia_id")
    path = tmp_path / "m.csv"
    path.write_text(header + "\nmedia_id" + body)
    # The digest covers the values, not their spelling: yes/no read as the same booleans.
    doc = read_file(path)
    assert isinstance(doc, Manifest) and doc.media == exported.media
    path.write_text(text.replace(",yes,", ",maybe,", 1))
    result = custody(sender, "manifest", "import", str(path))
    assert result.stderr == (
        "error: m.csv is not a custody manifest: medium 1: urgent 'maybe' is not true/false "
        "(or yes/no)\n"
    )


def _export(ledger: Ledger) -> Any:
    from ledger.manifests import export_manifest

    return export_manifest(ledger, "RXH")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"at": "2026-11-20T10:00:00"}, "at '2026-11-20T10:00:00' has no time zone"),
        ({"recorded_at": "2026-11-20T10:00"}, "recorded_at '2026-11-20T10:00' has no time zone"),
        ({"media_id": 5}, "media_id 5 is not text"),
        ({"detail": []}, "detail is not an object"),
    ],
)
def test_a_malformed_receipt_refuses_the_file(
    sender: str, tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    event = {**_receipt("RGT00000001E", "receive"), **change}
    path = _write(tmp_path / "r.json", _receipts([_receipt("RGT00000002C", "receive"), event]))
    result = custody(sender, "manifest", "import", str(path))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: receipt event '{event['event_id']}' is malformed: ")
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert Ledger.open(sender).show("RGT00000002C").state.status == "dispatched"


def test_receipts_that_are_not_a_list_of_events_are_one_line(tmp_path: Path) -> None:
    receiver = _rxh(tmp_path)
    path = _write(tmp_path / "r.json", {**_receipts([]), "events": ["x"]})
    result = custody(receiver, "manifest", "import", str(path))
    assert (
        result.stderr
        == "error: r.json is not a custody manifest: events is not a list of objects\n"
    )
