"""Signed checkpoints, signed manifests, partners' keys (#12).

Someone with write access to the database but not the key file cannot rewrite history and
have it verify, cannot forge a checkpoint, and cannot forge a partner's manifest.
"""

from __future__ import annotations

import json
import sqlite3
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from ledger import signing, store
from ledger.api import Ledger, Registration
from ledger.errors import IntegrityError, InvalidValue, SigningKeyError
from ledger.events import event_hash
from tests.cli_helpers import custody, ok
from tests.conftest import NHS, Clock


@pytest.fixture
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "keys" / "signing.key"
    monkeypatch.setenv(signing.KEY_ENV, str(path))
    return path


@pytest.fixture
def signed(ledger: Ledger, clock: Clock, key_file: Path, cli: Callable[..., Any]) -> str:
    """A ledger with a key, three media, a checkpoint; returns the checkpoint DIGEST@COUNT."""
    result = cli("key", "init")
    assert result.exit_code == 0, result.output
    for n in NHS[:3]:
        media_id = ledger.register(
            Registration(nhs_number=n, destination="RXH"), operator="admin"
        ).media_id
        clock.advance(minutes=5)
        ledger.scan("dispatch", media_id, operator="post")
    result = cli("checkpoint")
    assert result.exit_code == 0, result.output
    return str(result.stdout.strip())


@pytest.fixture
def raw(db_path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(db_path, isolation_level=None)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"):
        conn.execute(f"DROP TRIGGER {name}")
    yield conn
    conn.close()


def test_key_init_makes_a_private_file_and_prints_one_line(
    key_file: Path, cli: Callable[..., Any], ledger: Ledger
) -> None:
    result = cli("key", "init")
    assert result.exit_code == 0
    public = result.stdout
    assert public.count("\n") == 1 and public.startswith("ed25519:")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    assert cli("key", "show").stdout == public
    assert ledger.signing_public_key() == public.strip()
    again = cli("key", "init")
    assert (again.exit_code, again.stderr) == (
        1,
        f"error: a signing key exists already at {key_file}; nothing changed "
        "(`custody key show`)\n",
    )
    assert cli("key", "show").stdout == public


def test_checkpoint_prints_the_head_and_verify_checks_it(
    ledger: Ledger, signed: str, cli: Callable[..., Any]
) -> None:
    head = ledger.verify_chain()
    assert signed == f"{head.head}@{head.events}" == f"{head.head}@6"
    out = cli("verify").stdout
    assert f"1 signed checkpoint verified (latest {signed}) against ed25519:" in out
    assert cli("verify", "--expect", signed).exit_code == 0


def test_full_recomputation_after_a_checkpoint_does_not_verify(
    ledger: Ledger, signed: str, raw: sqlite3.Connection
) -> None:
    # Change the first dispatch into a loss and recompute every later hash with our own code.
    raw.execute("UPDATE events SET action = 'lost' WHERE seq = 2")
    with ledger.engine.connect() as conn:
        rows = list(conn.execute(sa.select(store.EVENTS).order_by(store.EVENTS.c.seq)))
    prev = rows[0].hash
    for row in rows[1:]:
        digest = event_hash(store.to_event(row), prev)
        raw.execute(
            "UPDATE events SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, row.seq)
        )
        prev = digest
    raw.execute("UPDATE chain_head SET hash = ?", (prev,))
    ledger.rebuild_projection()
    with pytest.raises(IntegrityError) as caught:
        ledger.verify_chain()
    assert str(caught.value).startswith(
        f"checkpoint {signed} (signed "
    ) and "no event has the expected head digest" in str(caught.value)


def test_truncation_with_the_head_fixed_after_a_checkpoint_does_not_verify(
    ledger: Ledger, signed: str, raw: sqlite3.Connection
) -> None:
    raw.execute("DELETE FROM events WHERE seq > 4")
    seq, digest = raw.execute("SELECT seq, hash FROM events ORDER BY seq DESC").fetchone()
    raw.execute("UPDATE chain_head SET seq = ?, count = 4, hash = ?", (seq, digest))
    ledger.rebuild_projection()
    with pytest.raises(IntegrityError, match="no event has the expected head digest"):
        ledger.verify_chain()


def test_a_checkpoint_signed_with_another_key_is_named(
    ledger: Ledger, signed: str, raw: sqlite3.Connection, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    # The attacker makes a key of their own, records it as the ledger's, signs a checkpoint.
    theirs = signing.create_key(tmp_path / "mallory.key")
    raw.execute(
        "UPDATE settings SET value = ? WHERE key = 'signing_public_key'",
        (signing.public_text(theirs.public_key()),),
    )
    raw.execute("DELETE FROM checkpoints")
    ledger.checkpoint(theirs)
    # Checked against the key file this account holds, the forgery is named.
    result = cli("verify")
    assert result.exit_code == 1
    assert "its signature is not by this ledger's key" in result.stderr
    # An auditor without the key file gives the public key they were handed.
    public = signing.public_text(signing.load_key(signing.key_path()).public_key())
    assert (
        ledger.check(public_key=public)
        .problems[0]
        .text.endswith("its signature is not by this ledger's key")
    )


def test_a_key_that_is_not_the_ledgers_cannot_sign_its_checkpoints(
    ledger: Ledger, signed: str, tmp_path: Path
) -> None:
    other = signing.create_key(tmp_path / "other.key")
    with pytest.raises(SigningKeyError, match="not the one this ledger recorded"):
        ledger.checkpoint(other)


@pytest.mark.parametrize("bad", ["", "ed25519:short", "rsa:AAAA", "ed25519:" + "!" * 44])
def test_a_malformed_public_key_is_one_line(ledger: Ledger, bad: str) -> None:
    with pytest.raises(InvalidValue, match="is not an Ed25519 public key"):
        ledger.add_org("R1K", "London North West", public_key=bad)


# -- manifests between two ledgers -----------------------------------------------------------


@pytest.fixture
def partners(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str, Path]:
    """RGT (with a key, one disc dispatched to RXH) and RXH, which holds RGT's public key."""
    rgt, rxh = str(tmp_path / "rgt.db"), str(tmp_path / "rxh.db")
    key = tmp_path / "rgt.key"
    monkeypatch.setenv(signing.KEY_ENV, str(key))
    ok(rgt, "init", "--org", "RGT", "--name", "Cambridge")
    public = ok(rgt, "key", "init").strip()
    ok(rgt, "org", "add", "RXH", "--name", "Brighton")
    ok(rgt, "register", "--to", "RXH", "--nhs", NHS[0])
    ok(rgt, "scan", "dispatch", "RGT00000001E")
    ok(rxh, "init", "--org", "RXH", "--name", "Brighton")
    assert ok(rxh, "org", "add", "RGT", "--name", "Cambridge", "--public-key", public) == (
        "added RGT Cambridge with its public key\n"
    )
    return rgt, rxh, key


def _digest(doc: dict[str, Any]) -> str:
    from ledger.manifests import _parse_json, content_digest

    return content_digest(_parse_json(json.dumps({**doc, "digest": ""})))


def test_a_signed_manifest_is_imported(partners: tuple[str, str, Path], tmp_path: Path) -> None:
    rgt, rxh, _key = partners
    path = tmp_path / "m.json"
    out = ok(rgt, "manifest", "export", "--to", "RXH", "-o", str(path))
    assert out.endswith("signed with this ledger's key\n")
    assert json.loads(path.read_text())["signature"]
    assert "1 " in ok(rxh, "manifest", "import", str(path))
    csv = tmp_path / "m.csv"
    ok(rgt, "manifest", "export", "--to", "RXH", "-o", str(csv))
    assert "# signature: " in csv.read_text()
    assert ok(rxh, "manifest", "import", str(csv))


@pytest.mark.parametrize("attack", ["unsigned", "edited", "other-key"])
def test_a_forged_manifest_from_a_partner_with_a_key_is_refused(
    partners: tuple[str, str, Path], tmp_path: Path, attack: str
) -> None:
    rgt, rxh, _key = partners
    path = tmp_path / "m.json"
    ok(rgt, "manifest", "export", "--to", "RXH", "-o", str(path))
    doc = json.loads(path.read_text())
    if attack == "unsigned":
        del doc["signature"]
    elif attack == "edited":
        doc["media"][0]["encrypted"] = False  # the digest recomputed, as a hostile sender could
        doc["digest"] = _digest(doc)
    else:
        from ledger.manifests import _parse_json, _signed_text

        mallory = signing.create_key(tmp_path / "mallory.key")
        doc["signature"] = signing.sign(mallory, _signed_text(_parse_json(json.dumps(doc))))
    path.write_text(json.dumps(doc))
    result = custody(rxh, "manifest", "import", str(path))
    reason = (
        "this manifest is not signed, and RGT has a registered public key"
        if attack == "unsigned"
        else "this manifest's signature is not by RGT's registered public key"
    )
    assert (result.exit_code, result.stderr) == (1, f"error: m.json: {reason}; nothing imported\n")
    assert Ledger.open(rxh).verify_chain().events == 0


def test_receipts_are_signed_and_checked_the_same_way(
    partners: tuple[str, str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rgt, rxh, _key = partners
    manifest = tmp_path / "m.json"
    ok(rgt, "manifest", "export", "--to", "RXH", "-o", str(manifest))
    ok(rxh, "manifest", "import", str(manifest))
    ok(rxh, "scan", "receive", "RGT00000001E")
    # RXH has its own key now, and RGT registers it.
    monkeypatch.setenv(signing.KEY_ENV, str(tmp_path / "rxh.key"))
    rxh_public = ok(rxh, "key", "init").strip()
    ok(rgt, "org", "edit", "RXH", "--public-key", rxh_public)
    receipts = tmp_path / "r.json"
    ok(rxh, "manifest", "receipts", "--from", "RGT", "-o", str(receipts))
    doc = json.loads(receipts.read_text())
    unsigned = tmp_path / "r-unsigned.json"
    unsigned.write_text(json.dumps({k: v for k, v in doc.items() if k != "signature"}))
    result = custody(rgt, "manifest", "import", str(unsigned))
    assert result.exit_code == 1 and "receipts is not signed" in result.stderr
    assert "1 events recorded" in ok(rgt, "manifest", "import", str(receipts))
