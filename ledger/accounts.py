"""Accounts: who may sign in to the web app, with which roles, and the log of sign-ins.

A person's account name is the operator of every event they record through the web, so
"who scanned it" is a person, never typed text. Passwords follow NCSC guidance: a minimum
length and a list of common passwords, no composition rules; stored as argon2 hashes.
Failed sign-ins slow down, then lock the account for a while. A badge is a random secret
printed as a barcode (`OP...`, read by the station like any badge) that signs its holder in
at a shared desk; only its SHA-256 is kept, so it is shown once, when issued.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import NamedTuple

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ledger.clock import from_text, london, to_text
from ledger.errors import (
    AccountExists,
    InvalidValue,
    SignInRefused,
    UnknownAccount,
    WeakPassword,
)
from ledger.schema import AccountRow, Setting, SignInRow
from ledger.work import OpenLedger, Work

ACCOUNTS: sa.Table = AccountRow.__table__  # type: ignore[attr-defined]
SIGN_INS: sa.Table = SignInRow.__table__  # type: ignore[attr-defined]
SETTINGS: sa.Table = Setting.__table__  # type: ignore[attr-defined]
SECRET_KEY = "web-session-secret"

ROLES = ("post-room", "pacs-desk", "governance", "admin")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
# Failures in a row allowed before each further attempt has to wait, doubling from 2 s.
FREE_FAILURES = 3
MAX_WAIT = timedelta(seconds=60)
LOCK_AFTER = 10
LOCK_FOR = timedelta(minutes=15)
BADGE_PREFIX = "OP"
# A badge must fit a station's badge shape (OP + a letter + up to 17 capitals and digits).
_BADGE_SECRET_LENGTH = 17
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: it may be read aloud
_SIGN_IN_BADGE = re.compile(rf"{BADGE_PREFIX}B[{_ALPHABET}]{{{_BADGE_SECRET_LENGTH}}}")
_NAME = re.compile(r"[a-z][a-z0-9._-]{1,39}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_COMMON = Path(__file__).parent / "data" / "common-passwords.txt.gz"

HASHER = PasswordHasher()


class Account(NamedTuple):
    """An account as shown to an admin: never its password or badge hash."""

    name: str
    roles: tuple[str, ...]
    email: str | None
    disabled: bool
    created_at: datetime
    locked_until: datetime | None
    has_badge: bool
    session_epoch: int


class SignIn(NamedTuple):
    """One line of the sign-in log."""

    at: datetime
    name: str
    address: str | None
    outcome: str
    detail: str | None


@cache
def common_passwords() -> frozenset[str]:
    """The list of common passwords a new password may not be (lower case)."""
    with gzip.open(_COMMON, "rt", encoding="utf-8") as f:
        return frozenset(line.strip().lower() for line in f if line.strip())


def password_problems(password: str, name: str = "") -> list[str]:
    """Why a password may not be used: too short, too long, common, or the account's name."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"a password may have at most {MAX_PASSWORD_LENGTH} characters")
    lowered = password.strip().lower()
    if lowered in common_passwords():
        problems.append("that password is on the list of commonly used passwords")
    elif name and name.lower() in lowered:
        problems.append("a password may not contain the account's name")
    return problems


def check_name(name: str) -> str:
    """An account name: lower-case letter first, then letters, digits, '.', '_' or '-'."""
    cleaned = name.strip().lower()
    if not _NAME.fullmatch(cleaned):
        raise InvalidValue(
            f"{name!r} cannot be an account name: a letter, then 1 to 39 letters, digits, "
            "'.', '_' or '-'"
        )
    return cleaned


def check_roles(roles: Iterable[str]) -> tuple[str, ...]:
    """At least one known role, in the order of ROLES."""
    given = {r.strip().lower() for r in roles if r.strip()}
    unknown = sorted(given - set(ROLES))
    if unknown:
        raise InvalidValue(f"unknown role {', '.join(unknown)} (one of {', '.join(ROLES)})")
    if not given:
        raise InvalidValue(f"an account needs a role ({', '.join(ROLES)})")
    return tuple(r for r in ROLES if r in given)


def check_email(email: str | None) -> str | None:
    """An email address, roughly checked, or None."""
    if email is None or not email.strip():
        return None
    if not _EMAIL.fullmatch(email.strip()):
        raise InvalidValue(f"{email!r} is not an email address")
    return email.strip()


def badge_digest(code: str) -> str:
    """What is stored for a badge code."""
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def is_sign_in_badge(code: str) -> bool:
    """A badge issued to an account (a secret), not a station's name badge (`OPJSMITH`)."""
    return _SIGN_IN_BADGE.fullmatch(code.strip().upper()) is not None


def failure_wait(failures: int) -> timedelta:
    """How long after the last failure the next attempt must wait."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(MAX_WAIT, timedelta(seconds=2 ** (failures - FREE_FAILURES + 1)))


def _account(row: sa.Row) -> Account:
    return Account(
        name=row.name,
        roles=tuple(r for r in row.roles.split(",") if r),
        email=row.email,
        disabled=bool(row.disabled),
        created_at=from_text(row.created_at),
        locked_until=from_text(row.locked_until) if row.locked_until else None,
        has_badge=row.badge_hash is not None,
        session_epoch=int(row.session_epoch),
    )


class Accounts:
    """The accounts of one ledger, each change in a unit of work on it (its clock and its
    transaction rules; no event is recorded)."""

    def __init__(self, ledger: OpenLedger) -> None:
        self.ledger = ledger

    def _row(self, conn: sa.Connection, name: str) -> sa.Row:
        row = conn.execute(sa.select(ACCOUNTS).where(ACCOUNTS.c.name == name)).first()
        if row is None:
            raise UnknownAccount(f"no account {name!r}")
        return row

    def add(
        self, name: str, *, roles: Iterable[str], password: str, email: str | None = None
    ) -> Account:
        """A new account; refuses a taken name or a weak password."""
        name, role_list, email = check_name(name), check_roles(roles), check_email(email)
        problems = password_problems(password, name)
        if problems:
            raise WeakPassword("; ".join(problems))
        digest = HASHER.hash(password)
        with self.ledger.unit() as work:
            conn = work.conn
            if conn.execute(sa.select(ACCOUNTS.c.name).where(ACCOUNTS.c.name == name)).first():
                raise AccountExists(f"account {name} already exists")
            conn.execute(
                sa.insert(ACCOUNTS).values(
                    name=name,
                    email=email,
                    roles=",".join(role_list),
                    password_hash=digest,
                    disabled=False,
                    created_at=to_text(work.now()),
                    failures=0,
                    session_epoch=0,
                )
            )
            return _account(self._row(conn, name))

    def get(self, name: str) -> Account:
        """One account by name."""
        with self.ledger.reading() as conn:
            return _account(self._row(conn, name.strip().lower()))

    def all(self) -> list[Account]:
        """Every account, by name."""
        with self.ledger.reading() as conn:
            return [_account(r) for r in conn.execute(sa.select(ACCOUNTS).order_by("name"))]

    def _update(self, name: str, **values: object) -> Account:
        name = name.strip().lower()
        with self.ledger.unit() as work:
            self._row(work.conn, name)
            work.conn.execute(sa.update(ACCOUNTS).where(ACCOUNTS.c.name == name).values(**values))
            return _account(self._row(work.conn, name))

    def _next_epoch(self) -> sa.ColumnElement[int]:
        return ACCOUNTS.c.session_epoch + 1

    def set_password(self, name: str, password: str) -> Account:
        """A new password; ends every session and clears a lock-out."""
        problems = password_problems(password, name.strip().lower())
        if problems:
            raise WeakPassword("; ".join(problems))
        return self._update(
            name,
            password_hash=HASHER.hash(password),
            failures=0,
            locked_until=None,
            session_epoch=self._next_epoch(),
        )

    def disable(self, name: str) -> Account:
        """The account may no longer sign in; its sessions end and its badge is revoked."""
        return self._update(name, disabled=True, badge_hash=None, session_epoch=self._next_epoch())

    def enable(self, name: str) -> Account:
        """A disabled or locked account may sign in again."""
        return self._update(name, disabled=False, failures=0, locked_until=None)

    def edit(
        self, name: str, *, email: str | None = None, roles: Iterable[str] | None = None
    ) -> Account:
        """Change an account's email address or roles (a change of roles ends its sessions)."""
        values: dict[str, object] = {}
        if email is not None:
            values["email"] = check_email(email)
        if roles is not None:
            values["roles"] = ",".join(check_roles(roles))
            values["session_epoch"] = self._next_epoch()
        if not values:
            raise InvalidValue("nothing to change: give an email address or roles")
        return self._update(name, **values)

    def end_sessions(self, name: str) -> None:
        """Every session cookie of this account stops working (sign-out)."""
        self._update(name, session_epoch=self._next_epoch())

    def session_secret(self) -> str:
        """The secret that signs the web app's session cookies, made on first use.

        Kept in the ledger so that every worker and every server over it shares it.
        """
        with self.ledger.unit() as work:
            query = sa.select(SETTINGS.c.value).where(SETTINGS.c.key == SECRET_KEY)
            found = work.conn.execute(query).scalar()
            if found is None:
                found = secrets.token_urlsafe(48)
                work.conn.execute(sa.insert(SETTINGS).values(key=SECRET_KEY, value=found))
            return str(found)

    # -- badges --------------------------------------------------------------------------

    def issue_badge(self, name: str) -> str:
        """A new badge code for this account (any earlier one stops working); shown once."""
        account = self.get(name)
        if account.disabled:
            raise InvalidValue(f"account {account.name} is disabled: enable it first")
        secret = "".join(secrets.choice(_ALPHABET) for _ in range(_BADGE_SECRET_LENGTH))
        code = BADGE_PREFIX + "B" + secret
        self._update(
            account.name,
            badge_hash=badge_digest(code),
            badge_issued_at=to_text(self.ledger.clock()),
        )
        return code

    def badge_owner(self, code: str) -> str | None:
        """The name of the account that may use this badge now, or None."""
        with self.ledger.reading() as conn:
            row = conn.execute(
                sa.select(ACCOUNTS).where(ACCOUNTS.c.badge_hash == badge_digest(code))
            ).first()
        if row is None or row.disabled:
            return None
        return str(row.name)

    def revoke_badge(self, name: str) -> Account:
        """The account's badge stops working."""
        return self._update(name, badge_hash=None, badge_issued_at=None)

    # -- signing in ----------------------------------------------------------------------

    def log(self, name: str, outcome: str, address: str | None, detail: str | None = None) -> None:
        """Record a sign-in, sign-out or failure."""
        with self.ledger.unit() as work:
            self._log(work, name, outcome, address, detail)

    def _log(
        self,
        work: Work,
        name: str,
        outcome: str,
        address: str | None,
        detail: str | None = None,
    ) -> None:
        work.conn.execute(
            sa.insert(SIGN_INS).values(
                at=to_text(work.now()),
                name=name[:80],
                address=address,
                outcome=outcome,
                detail=detail,
            )
        )

    def sign_in(self, name: str, password: str, address: str | None) -> Account:
        """The account, if the password is right and it may sign in; else SignInRefused.

        Every attempt is logged. After FREE_FAILURES failures in a row each attempt must wait
        longer; after LOCK_AFTER the account is locked for LOCK_FOR, right password or not.
        """
        typed = name.strip().lower()
        with self.ledger.unit() as work:
            # The failure is logged and counted in this transaction, so it is raised after it.
            outcome = self._attempt(work, typed, password, address)
        if isinstance(outcome, SignInRefused):
            raise outcome
        return outcome

    def _attempt(
        self, work: Work, typed: str, password: str, address: str | None
    ) -> Account | SignInRefused:
        conn, now = work.conn, work.now()
        row = conn.execute(sa.select(ACCOUNTS).where(ACCOUNTS.c.name == typed)).first()
        if row is None:
            _burn(password)  # as slow as a real check, so names cannot be probed
            self._log(work, typed, "failed", address, "no such account")
            return SignInRefused("wrong name or password")
        if row.disabled:
            self._log(work, typed, "refused", address, "account disabled")
            return SignInRefused("this account is disabled: ask an admin")
        if row.locked_until and from_text(row.locked_until) > now:
            self._log(work, typed, "refused", address, "account locked")
            return SignInRefused(
                f"too many failed sign-ins: locked until {london(from_text(row.locked_until))}"
            )
        if row.last_failure_at:
            wait_until = from_text(row.last_failure_at) + failure_wait(row.failures)
            if wait_until > now:
                self._log(work, typed, "refused", address, "too soon after a failure")
                seconds = int((wait_until - now).total_seconds()) + 1
                return SignInRefused(f"too many failed sign-ins: try again in {seconds} s")
        if not _verified(row.password_hash, password):
            failures = row.failures + 1
            values: dict[str, object] = {"failures": failures, "last_failure_at": to_text(now)}
            detail = "wrong password"
            if failures >= LOCK_AFTER:
                values.update(locked_until=to_text(now + LOCK_FOR), failures=0)
                detail = "wrong password; account locked"
            conn.execute(sa.update(ACCOUNTS).where(ACCOUNTS.c.name == typed).values(**values))
            self._log(work, typed, "failed", address, detail)
            return SignInRefused("wrong name or password")
        conn.execute(
            sa.update(ACCOUNTS)
            .where(ACCOUNTS.c.name == typed)
            .values(failures=0, last_failure_at=None, locked_until=None)
        )
        self._log(work, typed, "signed-in", address)
        return _account(self._row(conn, typed))

    def badge_sign_in(self, code: str, address: str | None) -> Account:
        """The account whose badge this is; SignInRefused for an unknown or revoked badge."""
        digest = badge_digest(code)
        outcome: Account | SignInRefused
        with self.ledger.unit() as work:
            query = sa.select(ACCOUNTS).where(ACCOUNTS.c.badge_hash == digest)
            row = work.conn.execute(query).first()
            if row is None:
                self._log(work, "(badge)", "failed", address, "unknown or revoked badge")
                outcome = SignInRefused("unknown or revoked badge")
            elif row.disabled or (row.locked_until and from_text(row.locked_until) > work.now()):
                self._log(work, row.name, "refused", address, "badge: account disabled or locked")
                outcome = SignInRefused(f"account {row.name} may not sign in now: ask an admin")
            else:
                self._log(work, row.name, "signed-in", address, "badge")
                outcome = _account(row)
        if isinstance(outcome, SignInRefused):
            raise outcome
        return outcome

    def sign_ins(self, limit: int = 100) -> list[SignIn]:
        """The latest sign-ins, sign-outs and failures, newest first."""
        query = sa.select(SIGN_INS).order_by(SIGN_INS.c.id.desc()).limit(limit)
        with self.ledger.reading() as conn:
            return [
                SignIn(from_text(r.at), r.name, r.address, r.outcome, r.detail)
                for r in conn.execute(query)
            ]


def _verified(digest: str, password: str) -> bool:
    try:
        return HASHER.verify(digest, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    return HASHER.hash(secrets.token_hex(16))


def _burn(password: str) -> None:
    _verified(_dummy_hash(), password)
