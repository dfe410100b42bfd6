"""`custody remind`: each working morning, one e-mail per recipient, over SMTP with STARTTLS.

Who gets what (recipients are accounts with an e-mail address, by role, and partners'
custody mailboxes, `org edit CODE --email`):

- the PACS desk: every disc that passed a threshold since the last reminder (once each);
- the sender of a disc whose receipt is overdue (the account that dispatched it): those
  discs, every working day while they are overdue;
- a partner's custody mailbox: receipts it owes us (discs we sent it, not received) and
  discs its manifest announced that have not arrived here, every working day;
- the governance lead: IR1s still to file, and every data-breach clock running, daily.

The e-mails carry media IDs, reasons and links to the pages, never a patient identifier.
What was sent is recorded (ledger.reminders), so a second run on a day sends nothing new.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import tomllib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pandas as pd

from ledger import reminders as sent_log
from ledger.accounts import Account, Accounts
from ledger.api import Ledger
from ledger.clock import london
from ledger.errors import CustodyError
from ledger.events import Action
from ledger.reasons import INCIDENT_REASONS, UNRECONCILED_REASONS
from reports.calendar import england_and_wales
from reports.thresholds import Thresholds

SMTP_KEYS = {"host", "port", "starttls", "username", "from", "cafile", "timeout"}
# Incidents the governance lead is reminded of arose within this many days.
INCIDENT_DAYS = 90


class InvalidSmtpSettings(CustodyError):
    """An SMTP settings file that is missing, unreadable, or lacks a setting."""


class SendFailed(CustodyError):
    """The SMTP server could not be reached, refused the login, or refused a message."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send: STARTTLS and login unless the file says otherwise."""

    host: str
    sender: str
    port: int = 587
    starttls: bool = True
    username: str | None = None
    cafile: str | None = None  # a private CA (or a test's self-signed certificate)
    timeout: float = 30.0


def smtp_settings(path: Path | None) -> SmtpSettings:
    """The settings in `path`, or in $CUSTODY_SMTP_CONFIG; a one-line error otherwise."""
    chosen = path or (
        Path(os.environ["CUSTODY_SMTP_CONFIG"]) if os.environ.get("CUSTODY_SMTP_CONFIG") else None
    )
    if chosen is None:
        raise InvalidSmtpSettings(
            "no SMTP settings: give {smtp_config} FILE or set $CUSTODY_SMTP_CONFIG "
            "(a TOML file with host, port, starttls, username, from)",
            field="smtp_config",
        )
    try:
        values: dict[str, Any] = tomllib.loads(chosen.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidSmtpSettings(f"SMTP settings file {chosen} does not exist") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidSmtpSettings(f"cannot read SMTP settings {chosen}: {exc}") from None
    values = values.get("smtp", values)
    if "password" in values:
        raise InvalidSmtpSettings(f"{chosen}: the password goes in $CUSTODY_SMTP_PASSWORD")
    unknown = set(values) - SMTP_KEYS
    if unknown:
        raise InvalidSmtpSettings(
            f"{chosen}: unknown setting {sorted(unknown)[0]!r} ({', '.join(sorted(SMTP_KEYS))})"
        )
    try:
        return SmtpSettings(
            host=str(values["host"]),
            sender=str(values["from"]),
            port=int(values.get("port", 587)),
            starttls=bool(values.get("starttls", True)),
            username=str(values["username"]) if values.get("username") else None,
            cafile=str(values["cafile"]) if values.get("cafile") else None,
            timeout=float(values.get("timeout", 30.0)),
        )
    except KeyError as exc:
        raise InvalidSmtpSettings(f"{chosen}: missing setting {exc.args[0]!r}") from None
    except (TypeError, ValueError) as exc:
        raise InvalidSmtpSettings(f"{chosen}: {exc}") from None


@dataclass(frozen=True)
class Item:
    """One line of a reminder, under a key that says whether it was sent before."""

    key: str
    line: str


@dataclass(frozen=True)
class Reminder:
    """One e-mail: to whom, about what. `daily`: repeated each working day while outstanding;
    otherwise each item is sent once."""

    to: str
    who: str
    subject: str
    intro: str
    items: tuple[Item, ...]
    daily: bool
    outro: str = ""

    def body(self) -> str:
        """The e-mail's text."""
        lines = [f"Dear {self.who},", "", self.intro, ""]
        lines += [f"- {item.line}" for item in self.items]
        if self.outro:
            lines += ["", self.outro]
        lines += ["", "custody (sent automatically; no patient identifiers are included)"]
        return "\n".join(lines) + "\n"


def _worklist_line(r: dict[Any, Any], base: str) -> str:
    waited = int(r["working_days"])
    limit = r["threshold"]
    passed = "flagged at once" if limit is None or pd.isna(limit) else f"threshold {int(limit)}"
    urgent = " URGENT" if r["urgent"] else ""
    return (
        f"{r['media_id']}{urgent} {r['reason']} ({UNRECONCILED_REASONS[r['reason']]}): "
        f"{waited} working day{'s' if waited != 1 else ''} since {london(r['since'])}, "
        f"{passed}. {base}/media/{r['media_id']}"
    )


def _dispatcher(ledger: Ledger, media_id: str) -> str | None:
    """Who recorded the disc's latest standing dispatch."""
    record = ledger.show(media_id)
    voided = record.voided
    dispatches = [
        e for e in record.events if e.action == Action.DISPATCH and e.event_id not in voided
    ]
    return dispatches[-1].operator if dispatches else None


def compose(
    ledger: Ledger, accounts: Accounts, as_of: date, thresholds: Thresholds, base_url: str
) -> list[Reminder]:
    """Every reminder due as of the morning of `as_of`, before removing what was sent."""
    from reports.unreconciled import worklist

    base = base_url.rstrip("/")
    people = [a for a in accounts.all() if a.email and not a.disabled]
    work = worklist(ledger, as_of, thresholds).to_dict("records")
    out = (
        _pacs_desk_reminders(ledger, people, work, as_of, base)
        + _sender_reminders(ledger, people, work, as_of, base)
        + _partner_reminders(ledger, work, base)
        + _governance_reminders(ledger, people, as_of, thresholds, base)
    )
    return [r for r in out if r.items]


def _pacs_desk_reminders(
    ledger: Ledger, people: list[Account], work: list[dict[Any, Any]], as_of: date, base: str
) -> list[Reminder]:
    """To each PACS desk account: every disc on the worklist."""
    home = ledger.home
    items = tuple(Item(f"{r['media_id']} {r['reason']}", _worklist_line(r, base)) for r in work)
    return [
        Reminder(
            to=str(person.email),
            who=person.name,
            subject=f"custody {home.code}: discs that passed a threshold ({as_of})",
            intro=f"These discs passed a threshold since the last reminder (as of {as_of}; "
            "waits in working days):",
            items=items,
            daily=False,
            outro=f"The whole list: {base}/worklist",
        )
        for person in people
        if "pacs-desk" in person.roles
    ]


def _sender_reminders(
    ledger: Ledger, people: list[Account], work: list[dict[Any, Any]], as_of: date, base: str
) -> list[Reminder]:
    """To whoever dispatched each disc still not received: their overdue receipts."""
    home = ledger.home
    by_sender: dict[str, list[Item]] = defaultdict(list)
    for r in (r for r in work if r["reason"] == "not-received"):
        who = _dispatcher(ledger, r["media_id"])
        if who:
            by_sender[who].append(Item(f"{r['media_id']} overdue-receipt", _worklist_line(r, base)))
    emails = {p.name: p for p in people}
    out: list[Reminder] = []
    for name, items in sorted(by_sender.items()):
        sender = emails.get(name)
        if sender is None:
            continue
        out.append(
            Reminder(
                to=str(sender.email),
                who=sender.name,
                subject=f"custody {home.code}: receipts overdue for discs you sent ({as_of})",
                intro="No receipt is recorded yet for these discs you dispatched:",
                items=tuple(items),
                daily=True,
                outro="Ask the receiving organisation to confirm receipt, or record the disc "
                "lost if it cannot be found.",
            )
        )
    return out


def _partner_reminders(ledger: Ledger, work: list[dict[Any, Any]], base: str) -> list[Reminder]:
    """To each partner with an e-mail address: receipts it owes us and discs it announced."""
    home = ledger.home
    partners = {o.code: o for o in ledger.organisations() if o.email and not o.home}
    owed: dict[str, list[Item]] = defaultdict(list)
    for r in work:
        if r["partner"] not in partners:
            continue
        if r["reason"] == "not-received":
            line = f"{r['media_id']}: sent to you by {home.code}, {_worklist_line(r, base)}"
            owed[r["partner"]].append(Item(f"{r['media_id']} receipt-owed", line))
        elif r["reason"] == "expected-not-arrived":
            line = f"{r['media_id']}: announced by your manifest, not arrived at {home.code}: " + (
                _worklist_line(r, base)
            )
            owed[r["partner"]].append(Item(f"{r['media_id']} expected", line))
    out: list[Reminder] = []
    for code, items in sorted(owed.items()):
        org = partners[code]
        out.append(
            Reminder(
                to=str(org.email),
                who=f"{org.name} ({code}) custody team",
                subject=f"custody {home.code}: receipts overdue between {home.code} and {code}",
                intro=f"{home.code} {home.name} has no receipt recorded for these discs:",
                items=tuple(items),
                daily=True,
                outro="Please record their receipt (and send us your receipts file), or tell "
                "us if a disc has not arrived.",
            )
        )
    return out


def _governance_items(ledger: Ledger, as_of: date, thresholds: Thresholds, base: str) -> list[Item]:
    """Open data-breach clocks first, then IR1s still to file, over the recent incidents."""
    from reports.incidents import incidents

    found = incidents(
        ledger, as_of, thresholds, since=as_of - timedelta(days=INCIDENT_DAYS)
    ).to_dict("records")
    items: list[Item] = []
    for r in found:
        link = f"{base}/incidents/{r['media_id']}/{r['reason']}"
        if r["data_breach"] and r["ir1_status"] != "closed":
            deadline = r["ico_deadline"].to_pydatetime()
            items.append(
                Item(
                    f"{r['media_id']} {r['reason']} breach",
                    f"DATA BREACH CLOCK: {r['media_id']} {r['reason']}: report to the ICO by "
                    f"{london(deadline)} if it is reportable. {link}",
                )
            )
        if r["ir1_status"] == "to-file":
            items.append(
                Item(
                    f"{r['media_id']} {r['reason']} ir1",
                    f"IR1 to file: {r['media_id']} {r['reason']} "
                    f"({INCIDENT_REASONS[r['reason']]}), detected {london(r['detected_at'])}. "
                    f"{link}",
                )
            )
    items.sort(key=lambda i: 0 if i.key.endswith("breach") else 1)
    return items


def _governance_reminders(
    ledger: Ledger, people: list[Account], as_of: date, thresholds: Thresholds, base: str
) -> list[Reminder]:
    """To each governance account: the open breach clocks and IR1s to file."""
    home = ledger.home
    items = tuple(_governance_items(ledger, as_of, thresholds, base))
    return [
        Reminder(
            to=str(person.email),
            who=person.name,
            subject=f"custody {home.code}: IR1s to file and data-breach clocks ({as_of})",
            intro="Still open as of this morning:",
            items=items,
            daily=True,
            outro=f"All incidents: {base}/incidents",
        )
        for person in people
        if "governance" in person.roles
    ]


def unsent(ledger: Ledger, reminder: Reminder, day: date) -> Reminder | None:
    """The reminder with only what this recipient has not been sent (today, or ever)."""
    with ledger.reading() as conn:
        before = sent_log.sent_items(conn, reminder.to, day if reminder.daily else None)
    fresh = tuple(i for i in reminder.items if i.key not in before)
    return replace(reminder, items=fresh) if fresh else None


def message(reminder: Reminder, sender: str) -> EmailMessage:
    """The reminder as an e-mail."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = reminder.to
    mail["Subject"] = reminder.subject
    mail.set_content(reminder.body())
    return mail


@dataclass(frozen=True)
class Sent:
    """What one run did."""

    day: date
    working_day: bool
    sent: tuple[tuple[str, int], ...]  # (recipient, items)
    nothing_new: tuple[str, ...]  # recipients with reminders, all already sent


Connect = Callable[[SmtpSettings], smtplib.SMTP]


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    return smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)


def send_reminders(
    ledger: Ledger,
    accounts: Accounts,
    as_of: date,
    thresholds: Thresholds,
    settings: SmtpSettings,
    *,
    password: str | None,
    base_url: str,
    connect: Connect = _connect,
) -> Sent:
    """Compose, drop what was sent, send each over one SMTP session, record each once sent."""
    calendar = england_and_wales(as_of.year, as_of.year)
    if not calendar.is_working_day(as_of):
        return Sent(as_of, False, (), ())
    due = compose(ledger, accounts, as_of, thresholds, base_url)
    fresh = [(r, unsent(ledger, r, as_of)) for r in due]
    to_send = [f for _, f in fresh if f is not None]
    nothing_new = tuple(r.to for r, f in fresh if f is None)
    if not to_send:
        return Sent(as_of, True, (), nothing_new)
    done: list[tuple[str, int]] = []
    try:
        with connect(settings) as smtp:
            if settings.starttls:
                context = ssl.create_default_context(cafile=settings.cafile)
                smtp.starttls(context=context)
            if settings.username:
                if not password:
                    raise SendFailed("the SMTP server needs a login: set $CUSTODY_SMTP_PASSWORD")
                smtp.login(settings.username, password)
            for reminder in to_send:
                smtp.send_message(message(reminder, settings.sender))
                with ledger.unit() as work:
                    sent_log.record_sent(work, reminder.to, as_of, (i.key for i in reminder.items))
                done.append((reminder.to, len(reminder.items)))
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        sent = f" after {len(done)} e-mail(s) (recorded)" if done else ""
        raise SendFailed(
            f"sending via {settings.host}:{settings.port} failed{sent}: {exc}"
        ) from None
    return Sent(as_of, True, tuple(done), nothing_new)
