"""Accounts: roles, NCSC password rules, slow-down then lock-out, badges, the sign-in log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from ledger import accounts as acc
from ledger.accounts import Accounts
from ledger.api import Ledger
from ledger.errors import (
    AccountExists,
    InvalidValue,
    LedgerUnreachable,
    SignInRefused,
    UnknownAccount,
    WeakPassword,
)
from station.wedge import Badge, Settings, Station, read_line
from tests.conftest import Clock

GOOD = "correct horse battery"


@pytest.fixture
def accounts(ledger: Ledger) -> Accounts:
    return Accounts(ledger)


def test_add_and_list_with_several_roles(accounts: Accounts) -> None:
    a = accounts.add("J.Smith", roles=["pacs-desk", "post-room"], password=GOOD, email="j@nhs.net")
    assert a.name == "j.smith"
    assert a.roles == ("post-room", "pacs-desk")
    assert [x.name for x in accounts.all()] == ["j.smith"]
    with pytest.raises(AccountExists):
        accounts.add("j.smith", roles=["admin"], password=GOOD)


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short", "at least 10"),
        ("password123", "commonly used"),
        ("Password123", "commonly used"),
        ("x" * 257, "at most 256"),
        ("j.smith-is-here", "account's name"),
    ],
)
def test_weak_passwords_refused(accounts: Accounts, password: str, why: str) -> None:
    with pytest.raises(WeakPassword, match=why):
        accounts.add("j.smith", roles=["admin"], password=password)


def test_no_composition_rules(accounts: Accounts) -> None:
    accounts.add("a.b", roles=["admin"], password="all lower case words")


def test_bad_roles_names_and_email(accounts: Accounts) -> None:
    with pytest.raises(InvalidValue, match="unknown role"):
        accounts.add("j.smith", roles=["porter"], password=GOOD)
    with pytest.raises(InvalidValue, match="needs a role"):
        accounts.add("j.smith", roles=[], password=GOOD)
    with pytest.raises(InvalidValue, match="account name"):
        accounts.add("<script>", roles=["admin"], password=GOOD)
    with pytest.raises(InvalidValue, match="email"):
        accounts.add("j.smith", roles=["admin"], password=GOOD, email="nope")


def test_password_stored_as_argon2(accounts: Accounts, ledger: Ledger) -> None:
    accounts.add("j.smith", roles=["admin"], password=GOOD)
    with ledger.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT password_hash FROM accounts").scalar()
    assert stored.startswith("$argon2id$")
    assert GOOD not in stored


def test_sign_in_logged_with_address(accounts: Accounts) -> None:
    accounts.add("j.smith", roles=["admin"], password=GOOD)
    assert accounts.sign_in("J.Smith ", GOOD, "10.0.0.7").name == "j.smith"
    with pytest.raises(SignInRefused, match="wrong name or password"):
        accounts.sign_in("nobody", GOOD, "10.0.0.8")
    log = accounts.sign_ins()
    assert [(s.name, s.outcome, s.address) for s in log] == [
        ("nobody", "failed", "10.0.0.8"),
        ("j.smith", "signed-in", "10.0.0.7"),
    ]


def test_failures_slow_down_then_lock(accounts: Accounts, clock: Clock) -> None:
    accounts.add("j.smith", roles=["admin"], password=GOOD)
    for _ in range(acc.FREE_FAILURES):
        with pytest.raises(SignInRefused, match="wrong"):
            accounts.sign_in("j.smith", "wrong password!", None)
    # Now each attempt has to wait, even with the right password.
    with pytest.raises(SignInRefused, match="try again in"):
        accounts.sign_in("j.smith", GOOD, None)
    failures = acc.FREE_FAILURES
    while failures < acc.LOCK_AFTER:
        clock.advance(seconds=61)
        with pytest.raises(SignInRefused, match="wrong"):
            accounts.sign_in("j.smith", "wrong password!", None)
        failures += 1
    clock.advance(seconds=61)
    with pytest.raises(SignInRefused, match="locked until"):
        accounts.sign_in("j.smith", GOOD, None)
    clock.advance(minutes=13)
    with pytest.raises(SignInRefused, match="locked until"):
        accounts.sign_in("j.smith", GOOD, None)
    clock.advance(minutes=2)
    assert accounts.sign_in("j.smith", GOOD, None).name == "j.smith"


def test_failure_wait_doubles_to_a_cap() -> None:
    waits = [acc.failure_wait(n) for n in range(12)]
    assert waits[: acc.FREE_FAILURES] == [timedelta(0)] * acc.FREE_FAILURES
    assert waits[acc.FREE_FAILURES : acc.FREE_FAILURES + 3] == [
        timedelta(seconds=2),
        timedelta(seconds=4),
        timedelta(seconds=8),
    ]
    assert max(waits) == acc.MAX_WAIT


def test_disabled_cannot_sign_in_and_sessions_end(accounts: Accounts) -> None:
    before = accounts.add("j.smith", roles=["admin"], password=GOOD)
    after = accounts.disable("j.smith")
    assert after.session_epoch == before.session_epoch + 1
    with pytest.raises(SignInRefused, match="disabled"):
        accounts.sign_in("j.smith", GOOD, None)
    accounts.enable("j.smith")
    accounts.sign_in("j.smith", GOOD, None)


def test_new_password_and_edit(accounts: Accounts) -> None:
    accounts.add("j.smith", roles=["admin"], password=GOOD)
    accounts.set_password("j.smith", "another long passphrase")
    with pytest.raises(SignInRefused):
        accounts.sign_in("j.smith", GOOD, None)
    edited = accounts.edit("j.smith", email="j.smith@nhs.net", roles=["governance"])
    assert (edited.email, edited.roles) == ("j.smith@nhs.net", ("governance",))
    with pytest.raises(UnknownAccount):
        accounts.edit("nobody", email="a@b.cc")


def test_badge_is_a_station_badge_and_signs_in(accounts: Accounts) -> None:
    accounts.add("j.smith", roles=["post-room"], password=GOOD)
    code = accounts.issue_badge("j.smith")
    line = read_line(code.lower() + "\r\n")  # Caps Lock on, as the wedge types it
    assert isinstance(line, Badge)
    assert line.operator == code[2:].lower()
    assert accounts.badge_sign_in(code.lower(), "10.0.0.9").name == "j.smith"
    again = accounts.issue_badge("j.smith")
    with pytest.raises(SignInRefused, match="unknown or revoked"):
        accounts.badge_sign_in(code, None)
    accounts.revoke_badge("j.smith")
    with pytest.raises(SignInRefused):
        accounts.badge_sign_in(again, None)


def test_cli_user_commands(cli: Callable[..., Any]) -> None:
    r = cli(
        "user",
        "add",
        "j.smith",
        "--role",
        "post-room,pacs-desk",
        "--email",
        "j@nhs.net",
        input=GOOD + "\n",
    )
    assert r.exit_code == 0, r.output
    assert r.stdout == "added j.smith (post-room, pacs-desk)\n"
    r = cli("user", "add", "k.jones", "--role", "admin", input="password1\n")
    assert r.exit_code == 1
    assert "error: a password needs at least 10" in r.stderr
    r = cli("user", "list")
    assert r.stdout.split() == ["j.smith", "post-room,pacs-desk", "j@nhs.net"]
    assert cli("user", "password", "j.smith", input="a different phrase\n").exit_code == 0
    assert cli("user", "edit", "j.smith", "--email", "js@nhs.net").exit_code == 0
    badge = cli("user", "badge", "j.smith").stdout.strip()
    assert badge.startswith("OPB") and len(badge) == 20
    assert "badge" in cli("user", "list").stdout
    assert cli("user", "disable", "j.smith").stdout == "disabled j.smith\n"
    assert "disabled" in cli("user", "list").stdout
    r = cli("user", "disable", "nobody")
    assert (r.exit_code, r.stderr) == (1, "error: no account 'nobody'\n")
    listed = cli("station-sheet", "--list", "--badge", "j.smith")
    assert listed.exit_code == 1  # a disabled account gets no badge
    cli("user", "enable", "j.smith")
    listed = cli("station-sheet", "--list", "--badge", "j.smith")
    assert "sign in: j.smith" in listed.stdout


def test_demo_accounts_one_per_role_that_sign_in(ledger: Ledger) -> None:
    from demo.synthetic import add_demo_accounts

    made = add_demo_accounts(ledger)
    assert [role for _, role, _ in made] == list(acc.ROLES)
    accounts = Accounts(ledger)
    for name, role, password in made:
        assert accounts.sign_in(name, password, None).roles == (role,)


def test_terminal_station_reads_a_sign_in_badge_as_its_owner(
    accounts: Accounts, ledger: Ledger, db_path: Path, tmp_path: Path
) -> None:
    accounts.add("j.smith", roles=["post-room"], password=GOOD)
    code = accounts.issue_badge("j.smith")
    st = Station(
        Settings("receive", "clerk", tmp_path / "j.jsonl"), lambda: Ledger.open(str(db_path))
    )
    st.connect()
    assert st.handle(code + "\n").reason == "operator: j.smith"
    assert st.settings.operator == "j.smith"
    assert st.handle("OPJBLOGGS").reason == "operator: jbloggs"  # a name badge, as before
    accounts.revoke_badge("j.smith")
    refused = st.handle(code)
    assert (refused.kind, st.settings.operator) == ("refused", "jbloggs")
    # Offline, a secret badge cannot be checked, so it never becomes an operator name.
    offline = Station(
        Settings("receive", "clerk", tmp_path / "k.jsonl", site="RGT"),
        lambda: (_ for _ in ()).throw(LedgerUnreachable("down")),
    )
    offline.connect()
    assert offline.handle(accounts.issue_badge("j.smith")).kind == "refused"
    assert offline.settings.operator == "clerk"
