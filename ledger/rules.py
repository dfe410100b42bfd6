"""Validation of what people register: each rule a function returning problems.

Adding a rule is adding a function to REGISTRATION_RULES.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ledger.errors import CustodyError
from ledger.ids import check_nhs_number
from ledger.studies import StudyCount
from ledger.text import NAME_MAX, NOTE_MAX, text_problem

KINDS = ("cd", "dvd", "usb")
EXCEPTIONS = {
    "urgent-clinical": "urgent clinical transfer",
    "patient-handover": "handed to the patient",
    "secure-with-notes": "transferred securely with the patient's notes",
}
PASSWORD_ROUTES = ("email", "letter", "phone", "enclosed")
_UID = re.compile(r"(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))+")
_ACCESSION = re.compile(r"[\x21-\x5b\x5d-\x7e][\x20-\x5b\x5d-\x7e]{0,15}")


@dataclass(frozen=True, slots=True)
class Registration:
    """What an imaging admin says about a new medium."""

    nhs_number: str
    destination: str
    accession: str | None = None
    study_uid: str | None = None
    kind: str = "cd"
    urgent: bool = False
    encrypted: bool = True
    exception: str | None = None
    approved_by: str | None = None
    exception_reason: str | None = None
    # Every study on the medium with its counts (from the disc); the first is accession/study_uid.
    studies: tuple[StudyCount, ...] = ()


@dataclass(frozen=True, slots=True)
class Context:
    """What the rules check against."""

    organisations: frozenset[str]
    home: str
    # Bulk imports may record an unencrypted medium with no exception (it is then an incident).
    require_exception: bool = True


Rule = Callable[[Registration, Context], list[str]]


def nhs_number_valid(reg: Registration, _ctx: Context) -> list[str]:
    """The NHS number passes its Modulus 11 check."""
    try:
        check_nhs_number(reg.nhs_number)
    except CustodyError as exc:
        return [str(exc)]
    return []


def destination_known(reg: Registration, ctx: Context) -> list[str]:
    """The destination is a partner organisation of this ledger."""
    if reg.destination == ctx.home:
        return [f"destination {reg.destination} is the home organisation"]
    if reg.destination not in ctx.organisations:
        return [f"unknown organisation {reg.destination!r} (add it with `custody org add`)"]
    return []


def kind_allowed(reg: Registration, _ctx: Context) -> list[str]:
    """The medium is a CD, DVD or USB stick."""
    return [] if reg.kind in KINDS else [f"kind {reg.kind!r} is not one of {', '.join(KINDS)}"]


def study_identifiers_wellformed(reg: Registration, _ctx: Context) -> list[str]:
    """Accession is a DICOM short string; Study Instance UID is dotted digits, 64 at most."""
    problems = []
    if reg.accession is not None and not _ACCESSION.fullmatch(reg.accession):
        problems.append(f"accession {reg.accession!r} is not 1 to 16 printable characters")
    uids = dict.fromkeys(
        [*([reg.study_uid] if reg.study_uid else []), *(s.study_uid for s in reg.studies)]
    )
    problems.extend(
        f"study UID {uid!r} is not dotted digits of 64 characters or fewer"
        for uid in uids
        if len(uid) > 64 or not _UID.fullmatch(uid)
    )
    return problems


def exception_recorded(reg: Registration, ctx: Context) -> list[str]:
    """An unencrypted medium carries an exception from the guidance, who approved it and why."""
    if reg.encrypted:
        if reg.exception:
            return ["an encryption exception applies only to an unencrypted medium"]
        return []
    if reg.exception is None and not ctx.require_exception:
        return []
    problems = []
    if reg.exception not in EXCEPTIONS:
        problems.append(
            f"unencrypted needs an exception: one of {', '.join(EXCEPTIONS)}"
            + (f" (not {reg.exception!r})" if reg.exception else "")
        )
    if not (reg.approved_by or "").strip():
        problems.append("unencrypted needs who approved the exception")
    if not (reg.exception_reason or "").strip():
        problems.append("unencrypted needs the reason for the exception")
    return problems


def free_text_safe(reg: Registration, _ctx: Context) -> list[str]:
    """Who approved an exception, and why, hold no control or text-direction characters."""
    fields = (
        ("approved by", reg.approved_by, NAME_MAX),
        ("reason", reg.exception_reason, NOTE_MAX),
    )
    return [p for what, value, limit in fields if value and (p := text_problem(value, what, limit))]


REGISTRATION_RULES: list[Rule] = [
    nhs_number_valid,
    destination_known,
    kind_allowed,
    study_identifiers_wellformed,
    exception_recorded,
    free_text_safe,
]


def registration_problems(reg: Registration, ctx: Context) -> list[str]:
    """Every problem with a registration; empty when it may be recorded."""
    return [p for rule in REGISTRATION_RULES for p in rule(reg, ctx)]
