"""Registration: one medium, a batch, or a CSV file, all or nothing, each checked by the rules."""

from __future__ import annotations

import csv
import gc
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from ledger import store
from ledger.errors import BulkRejected, CustodyError, InvalidValue
from ledger.events import Action, Event, new_event_ids
from ledger.recording import record
from ledger.rules import EXCEPTIONS, Context, Registration, registration_problems
from ledger.studies import StudyCount, studies_detail
from ledger.text import OPERATOR_MAX, checked_text
from ledger.transitions import MediaState
from ledger.work import Work

CSV_COLUMNS = (
    "nhs_number",
    "destination",
    "accession",
    "study_uid",
    "kind",
    "urgent",
    "encrypted",
    "exception",
    "approved_by",
    "exception_reason",
)
# A header longer than this is not a registration file (checked before anything else).
MAX_CSV_COLUMNS = 100
_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f"}


def context(work: Work, *, require_exception: bool = True) -> Context:
    """What the registration rules check against: the known organisations and the home one."""
    codes = frozenset(row.code for row in store.organisations(work.conn))
    return Context(codes, work.home.code, require_exception)


def register(
    work: Work, reg: Registration, *, operator: str, at: datetime | None = None
) -> MediaState:
    """Register one medium; returns its state with the new media ID."""
    normal = _normalised(reg)
    problems = registration_problems(normal, context(work))
    if problems:
        raise InvalidValue("; ".join(problems))
    return _register(work, [normal], operator=operator, at=work.check_at(at))[0]


def register_many(
    work: Work,
    regs: Sequence[Registration],
    *,
    operator: str,
    at: datetime | None = None,
    lines: Sequence[int] | None = None,
    earlier_problems: Sequence[tuple[int, str]] = (),
    normalised: bool = False,
) -> list[MediaState]:
    """Register a batch, all or nothing: any bad row rejects the lot, every row listed.

    `lines` numbers the rows for messages (a CSV file's line numbers); `earlier_problems`
    are (line, reason) for rows that could not even be read; `normalised` says the rows are
    already (as `read_registrations` returns them).
    """
    with bulk():
        normal = list(regs) if normalised else [_normalised(r) for r in regs]
        ctx = context(work, require_exception=False)
        numbers = lines or range(2, len(normal) + 2)
        problems = sorted(
            [
                *earlier_problems,
                *(
                    (n, "; ".join(p))
                    for n, r in zip(numbers, normal, strict=True)
                    if (p := registration_problems(r, ctx))
                ),
            ]
        )
        if problems:
            rows = len(normal) + len(earlier_problems)
            raise BulkRejected(
                f"{len(problems)} bad row(s) of {rows}; nothing was registered",
                [f"line {n}: {text}" for n, text in problems],
            )
        if not normal:
            raise BulkRejected("no rows to register; nothing was registered", [])
        return _register(work, normal, operator=operator, at=work.check_at(at))


def _register(
    work: Work, regs: Sequence[Registration], *, operator: str, at: datetime
) -> list[MediaState]:
    issuer = work.home.code
    operator = checked_text(operator, "operator", OPERATOR_MAX)
    recorded_at = work.now()
    ids = store.issue_media_ids(work.conn, issuer, len(regs))
    events = [
        Event(
            event_id=event_id,
            media_id=media_id,
            action=Action.REGISTER,
            at=at,
            recorded_at=recorded_at,
            site=issuer,
            operator=operator,
            detail=_registration_detail(reg, issuer),
        )
        for reg, media_id, event_id in zip(regs, ids, new_event_ids(len(regs)), strict=True)
    ]
    return record(work.conn, events) or []


@contextmanager
def bulk() -> Iterator[None]:
    """Pause the cyclic garbage collector while a batch builds its records.

    A 100,000-row file makes a million short-lived objects and no reference cycles; the
    collector's full passes over them cost a third of the run.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _opt(value: str | None) -> str | None:
    """An optional text field: trimmed, empty as None."""
    return value.strip() or None if value is not None else None


def normalised_registration(
    nhs_number: str,
    destination: str,
    accession: str | None = None,
    study_uid: str | None = None,
    kind: str = "cd",
    urgent: bool = False,
    encrypted: bool = True,
    exception: str | None = None,
    approved_by: str | None = None,
    exception_reason: str | None = None,
    studies: tuple[StudyCount, ...] = (),
) -> Registration:
    """A registration with trimmed, upper-cased codes and empty optional fields as None."""
    return Registration(
        nhs_number=nhs_number.replace(" ", "").replace("-", "").strip(),
        destination=destination.strip().upper(),
        accession=_opt(accession),
        study_uid=_opt(study_uid),
        kind=kind.strip().lower(),
        urgent=urgent,
        encrypted=encrypted,
        exception=_opt(exception),
        approved_by=_opt(approved_by),
        exception_reason=_opt(exception_reason),
        studies=studies,
    )


def _normalised(reg: Registration) -> Registration:
    """The same registration, normalised."""
    return normalised_registration(
        reg.nhs_number,
        reg.destination,
        reg.accession,
        reg.study_uid,
        reg.kind,
        reg.urgent,
        reg.encrypted,
        reg.exception,
        reg.approved_by,
        reg.exception_reason,
        reg.studies,
    )


def _registration_detail(reg: Registration, issuer: str) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "issuer": issuer,
        "nhs_number": reg.nhs_number,
        "destination": reg.destination,
        "kind": reg.kind,
        "urgent": reg.urgent,
        "encrypted": reg.encrypted,
    }
    if reg.accession:
        detail["accession"] = reg.accession
    if reg.study_uid:
        detail["study_uid"] = reg.study_uid
    if reg.studies:
        detail["studies"] = studies_detail(reg.studies)
    if reg.exception:
        detail["exception"] = {
            "code": reg.exception,
            "approved_by": reg.approved_by,
            "reason": reg.exception_reason,
        }
    return detail


def _flag(value: str, column: str, default: bool) -> bool:
    """A yes/no CSV cell."""
    v = value.strip().lower()
    if not v:
        return default
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise InvalidValue(f"{column} {value!r} is not yes/no")


def read_registrations(
    path: Path,
) -> tuple[list[int], list[Registration], list[tuple[int, str]]]:
    """Registrations from a CSV file with their line numbers, and every row that cannot be read."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidValue(f"cannot read {path}: {exc.strerror}") from None
    lines: list[int] = []
    regs: list[Registration] = []
    problems: list[tuple[int, str]] = []
    with handle:
        try:
            reader = csv.DictReader(handle)
            header = [h.strip().lower() for h in reader.fieldnames or []]
        except (UnicodeDecodeError, csv.Error) as exc:
            raise InvalidValue(f"{path.name} is not a readable CSV file: {exc}") from None
        if len(header) > MAX_CSV_COLUMNS:
            raise InvalidValue(
                f"{path.name}: the header has {len(header)} columns (this file has at most "
                f"{len(CSV_COLUMNS)} kinds; {MAX_CSV_COLUMNS} at the very most)"
            )
        missing = [c for c in ("nhs_number", "destination") if c not in header]
        if missing:
            raise InvalidValue(f"{path.name}: header lacks required column(s) {', '.join(missing)}")
        twice = sorted(h for h, n in Counter(header).items() if n > 1)
        if twice:
            raise InvalidValue(f"{path.name}: column(s) {', '.join(twice)} appear more than once")
        unknown = [h for h in header if h not in CSV_COLUMNS]
        if unknown:
            raise InvalidValue(f"{path.name}: unknown column(s) {', '.join(unknown)}")
        reader.fieldnames = header
        try:
            for row in reader:
                line = reader.line_num
                if None in row:
                    problems.append((line, "more cells than header columns"))
                    continue
                cells = {k: (v or "") for k, v in row.items()}
                try:
                    reg = normalised_registration(
                        nhs_number=cells["nhs_number"],
                        destination=cells["destination"],
                        accession=cells.get("accession"),
                        study_uid=cells.get("study_uid"),
                        kind=cells.get("kind") or "cd",
                        urgent=_flag(cells.get("urgent", ""), "urgent", False),
                        encrypted=_flag(cells.get("encrypted", ""), "encrypted", True),
                        exception=cells.get("exception"),
                        approved_by=cells.get("approved_by"),
                        exception_reason=cells.get("exception_reason"),
                    )
                except CustodyError as exc:
                    problems.append((line, str(exc)))
                    continue
                lines.append(line)
                regs.append(reg)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise InvalidValue(f"{path.name} is not a readable CSV file: {exc}") from None
    return lines, regs, problems


def exception_label(code: str | None) -> str | None:
    """The words for an encryption exception code."""
    return EXCEPTIONS.get(code) if code else None
