"""A realistic synthetic ledger: one hospital, its partners, three months of media.

Synthetic NHS numbers only (the nhs-number package's never-issued range).
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path

from ledger.api import Ledger, Registration
from ledger.clock import LONDON, utcnow
from ledger.events import Event

HOME = (
    "RGT",
    "Cambridge University Hospitals NHS Foundation Trust",
    "Addenbrooke's Hospital, Hills Road, Cambridge CB2 0QQ",
)
PARTNERS = [
    ("RGN", "North West Anglia NHS Foundation Trust", "Peterborough City Hospital, PE3 9GZ"),
    (
        "RM1",
        "Norfolk and Norwich University Hospitals NHS Foundation Trust",
        "Colney Lane, Norwich NR4 7UY",
    ),
    ("RQW", "The Princess Alexandra Hospital NHS Trust", "Hamstel Road, Harlow CM20 1QX"),
    ("RJ1", "Guy's and St Thomas' NHS Foundation Trust", "Westminster Bridge Road, London SE1 7EH"),
    (
        "RRV",
        "University College London Hospitals NHS Foundation Trust",
        "235 Euston Road, London NW1 2BU",
    ),
    ("RAL", "Royal Free London NHS Foundation Trust", "Pond Street, London NW3 2QG"),
]
ADMINS = ["a.patel", "s.okafor", "l.nguyen"]
POST_ROOM = ["post.room1", "m.jones", "k.wright"]
PACS_TEAM = ["pacs.desk", "r.singh", "e.murphy"]


@dataclass(frozen=True)
class DemoSummary:
    """What `custody demo` made and where."""

    db_path: Path
    media: int
    events: int
    head: str
    by_status: dict[str, int]
    organisations: int
    anomalies: int
    exceptions: int


@dataclass(frozen=True)
class _Step:
    """One planned event: when it happened, how late it is recorded, what, where, who.

    For a password-sent step, `site` holds the route (email, letter, enclosed).
    """

    at: datetime
    delay: timedelta
    action: str
    site: str
    who: str


@dataclass
class _Plan:
    """One medium's planned life: its registration, then its steps."""

    registration: Registration
    registered_at: datetime
    steps: list[_Step] = field(default_factory=list)


def _working_time(rng: random.Random, day: datetime, *, back: bool = False) -> datetime:
    """A moment in working hours on `day`, or the next weekday (the one before, with `back`)."""
    local = day.astimezone(LONDON)
    while local.weekday() >= 5:
        local += timedelta(days=-1 if back else 1)
    return local.replace(
        hour=rng.randint(8, 16), minute=rng.randint(0, 59), second=rng.randint(0, 59), microsecond=0
    )


def _next_step_at(rng: random.Random, last: datetime, days: float) -> datetime:
    """When a disc's next step happens: in working hours `days` after its last one, and at
    least ten minutes after it."""
    return max(_working_time(rng, last + timedelta(days=days)), last + timedelta(minutes=10))


def _plan_media(rng: random.Random, now: datetime, count: int) -> list[_Plan]:
    import nhs_number

    random.seed(rng.random())  # nhs_number draws from the module-level generator
    numbers = nhs_number.generate(quantity=count + len(_SCRIPTED))
    plans = []
    for i in range(count):
        dest = rng.choice(PARTNERS)[0]
        urgent = rng.random() < 0.08
        encrypted, exception, approver, why = True, None, None, None
        roll = rng.random()
        if roll < 0.03:
            encrypted, exception, approver, why = (
                False,
                "urgent-clinical",
                "Dr H. Clarke (consultant neuroradiologist)",
                "neurosurgical referral; no image link available out of hours",
            )
        elif roll < 0.05:
            encrypted, exception, approver, why = (
                False,
                "patient-handover",
                "patient (informed of the risk, signed)",
                "patient collected the disc in person for a private second opinion",
            )
        elif roll < 0.06:
            encrypted, exception, approver, why = (
                False,
                "secure-with-notes",
                "medico-legal office",
                "registered delivery with the notes to the instructing solicitor",
            )
        elif roll < 0.065:
            encrypted = False  # a paper-log backfill with no exception: an incident in itself
        reg = Registration(
            nhs_number=numbers[i],
            destination=dest,
            accession=f"RGT{rng.randint(10**6, 10**7 - 1)}",
            study_uid=f"1.2.826.0.1.3680043.10.1082.{rng.randint(10**9, 10**10)}.{i + 1}",
            kind=rng.choices(["cd", "dvd", "usb"], [85, 10, 5])[0],
            urgent=urgent,
            encrypted=encrypted,
            exception=exception,
            approved_by=approver,
            exception_reason=why,
        )
        if i >= count - 8:  # this morning's discs, not yet in the post
            registered = now - timedelta(hours=rng.uniform(1, 5))
        else:
            registered = _working_time(rng, now - timedelta(days=rng.uniform(1, 92)), back=True)
        plan = _Plan(reg, registered)
        _plan_journey(rng, plan, now)
        plans.append(plan)
    return plans + _scripted_plans(now, numbers[count:])


def _plan_journey(rng: random.Random, plan: _Plan, now: datetime) -> None:
    """A plausible life for one disc, cut off at `now`; a few go wrong on purpose."""
    reg = plan.registration
    t = plan.registered_at
    quick = timedelta(minutes=rng.randint(1, 20))

    def step(days: float, action: str, site: str, who: list[str], late: bool = False) -> bool:
        nonlocal t
        t = _next_step_at(rng, t, days)
        if t > now - timedelta(hours=1):
            return False
        delay = timedelta(days=rng.randint(2, 6)) if late else quick
        plan.steps.append(_Step(t, delay, action, site, rng.choice(who)))
        return True

    if reg.encrypted:
        _plan_password(rng, plan, now, quick)
    fate = rng.random()
    dest = reg.destination
    if fate < 0.02:  # arrives without a dispatch scan
        step(rng.uniform(2, 5), "receive", dest, POST_ROOM)
        step(rng.uniform(0, 2), "to-pacs", dest, POST_ROOM)
        return
    if not step(rng.uniform(0, 2), "dispatch", "RGT", POST_ROOM):
        return
    if fate < 0.045:
        step(rng.uniform(8, 15), "lost", "RGT", ADMINS)
        return
    if fate < 0.07:  # overdue: still in the post
        return
    wrong = fate < 0.085
    site = rng.choice([p[0] for p in PARTNERS if p[0] != dest]) if wrong else dest
    if not step(rng.uniform(1, 5), "receive", site, POST_ROOM, late=rng.random() < 0.1):
        return
    if wrong:
        step(rng.uniform(1, 3), "returned", site, POST_ROOM)
        return
    if fate < 0.11:  # sitting in a clinician's tray
        return
    if not step(rng.uniform(0, 3), "to-pacs", dest, POST_ROOM):
        return
    if fate < 0.16:
        if step(rng.uniform(0, 2), "import-failed", dest, PACS_TEAM) and fate < 0.14:
            step(rng.uniform(0, 2), "imported", dest, PACS_TEAM)
        return
    if not step(rng.uniform(0, 3), "imported", dest, PACS_TEAM):
        return
    if fate > 0.93:
        step(rng.uniform(5, 20), "destroyed", dest, PACS_TEAM)


def _plan_password(rng: random.Random, plan: _Plan, now: datetime, quick: timedelta) -> None:
    """How and when an encrypted disc's password goes out, just after it is registered."""
    t = plan.registered_at
    r = rng.random()
    # 4% never recorded as sent; a few put in the parcel with the disc.
    route, after = (
        ("email", timedelta(minutes=rng.randint(5, 90)))
        if r < 0.86
        else ("letter", timedelta(hours=rng.randint(1, 6)))
        if r < 0.93
        else ("enclosed", timedelta(minutes=rng.randint(5, 30)))
        if r < 0.96
        else (None, timedelta(0))
    )
    if route and t + after < now:
        plan.steps.append(_Step(t + after, quick, "password-sent", route, rng.choice(ADMINS)))


# Journeys the demo always has, whatever the day and time it is built: one for every status
# and every incident reason. Each is (what it shows, destination, encrypted, password route,
# steps); a step is (days after the Monday it is registered, hour, action, where). Registered
# on the Monday four weeks before the week of `now`, so every step is weeks in the past.
_REGISTERED_ONLY = ("registered, never dispatched", "RGN", True, "email", ())
_SCRIPTED: tuple[tuple[str, str, bool, str | None, tuple[tuple[int, int, str, str], ...]], ...] = (
    _REGISTERED_ONLY,
    ("overdue in the post", "RGN", True, "email", ((0, 15, "dispatch", "RGT"),)),
    (
        "received, in a tray",
        "RM1",
        True,
        "email",
        ((0, 15, "dispatch", "RGT"), (2, 11, "receive", "RM1")),
    ),
    (
        "with the PACS team",
        "RQW",
        True,
        "letter",
        ((0, 15, "dispatch", "RGT"), (2, 11, "receive", "RQW"), (2, 14, "to-pacs", "RQW")),
    ),
    (
        "imported",
        "RJ1",
        True,
        "email",
        (
            (0, 15, "dispatch", "RGT"),
            (2, 11, "receive", "RJ1"),
            (2, 14, "to-pacs", "RJ1"),
            (3, 10, "imported", "RJ1"),
        ),
    ),
    (
        "import failed",
        "RRV",
        True,
        "email",
        (
            (0, 15, "dispatch", "RGT"),
            (2, 11, "receive", "RRV"),
            (2, 14, "to-pacs", "RRV"),
            (3, 10, "import-failed", "RRV"),
        ),
    ),
    (
        "imported in part (found by a PACS check)",
        "RAL",
        True,
        "email",
        (
            (0, 15, "dispatch", "RGT"),
            (2, 11, "receive", "RAL"),
            (2, 14, "to-pacs", "RAL"),
            (3, 10, "imported", "RAL"),
            (4, 9, "import-partial", "RAL"),
        ),
    ),
    (
        "misdelivered, then returned",
        "RGN",
        True,
        "email",
        ((0, 15, "dispatch", "RGT"), (2, 11, "receive", "RM1"), (3, 12, "returned", "RM1")),
    ),
    (
        "destroyed after import",
        "RM1",
        True,
        "email",
        (
            (0, 15, "dispatch", "RGT"),
            (2, 11, "receive", "RM1"),
            (2, 14, "to-pacs", "RM1"),
            (3, 10, "imported", "RM1"),
            (11, 10, "destroyed", "RM1"),
        ),
    ),
    (
        "lost in the post",
        "RQW",
        True,
        "email",
        ((0, 15, "dispatch", "RGT"), (9, 10, "lost", "RGT")),
    ),
    ("unencrypted, no exception", "RJ1", False, None, ((0, 15, "dispatch", "RGT"),)),
    ("password never sent", "RRV", True, None, ((0, 15, "dispatch", "RGT"),)),
    ("password in the parcel", "RAL", True, "enclosed", ((0, 15, "dispatch", "RGT"),)),
    (
        "received with no dispatch scan",
        "RGN",
        True,
        "email",
        ((2, 11, "receive", "RGN"), (2, 14, "to-pacs", "RGN")),
    ),
)


def _scripted_plans(now: datetime, numbers: list[str]) -> list[_Plan]:
    """The journeys in _SCRIPTED, at the same weekdays and hours whenever they are built."""
    today = now.astimezone(LONDON).date()
    monday = today - timedelta(days=today.weekday() + 28)

    def at(days: int, hour: int) -> datetime:
        return datetime.combine(monday + timedelta(days=days), time(hour), tzinfo=LONDON)

    plans = []
    for n, (_what, dest, encrypted, route, steps) in enumerate(_SCRIPTED):
        reg = Registration(
            nhs_number=numbers[n],
            destination=dest,
            accession=f"RGT9{n:06d}",
            study_uid=f"1.2.826.0.1.3680043.10.1082.9.{n + 1}",
            encrypted=encrypted,
        )
        plan = _Plan(reg, at(0, 9))
        if route:
            plan.steps.append(_Step(at(0, 9) + timedelta(minutes=30), _QUICK, "password-sent",
                                    route, ADMINS[n % 3]))  # fmt: skip
        for days, hour, action, site in steps:
            who = (
                POST_ROOM if action in ("dispatch", "receive", "to-pacs", "returned") else PACS_TEAM
            )
            plan.steps.append(_Step(at(days, hour), _QUICK, action, site, who[n % 3]))
        plans.append(plan)
    return plans


_QUICK = timedelta(minutes=5)


def _incoming(ledger: Ledger, rng: random.Random, clock: list[datetime], now: datetime) -> None:
    """Discs partners sent us without a manifest (they keep paper logs): unexpected arrivals."""
    from ledger.ids import next_media_id

    serials = dict.fromkeys((p[0] for p in PARTNERS), 4000)
    arrivals = sorted(
        _working_time(rng, now - timedelta(days=rng.uniform(2, 90)), back=True) for _ in range(24)
    )
    for at in arrivals:
        partner = rng.choice(PARTNERS)[0]
        media_id, serials[partner] = next_media_id(partner, serials[partner] + rng.randint(0, 40))
        clock[0] = at + timedelta(minutes=5)
        ledger.scan("receive", media_id, operator=rng.choice(POST_ROOM), at=at)
        steps = [("to-pacs", POST_ROOM, 0.5), ("imported", PACS_TEAM, 1.5)]
        for action, who, days in steps[: rng.choice([0, 1, 2, 2, 2])]:
            at = _next_step_at(rng, at, days)
            if at > now - timedelta(hours=1):
                break
            clock[0] = at + timedelta(minutes=5)
            ledger.scan(action, media_id, operator=rng.choice(who), at=at)


def _tracking_ref(rng: random.Random) -> str:
    """A parcel's reference: mostly Royal Mail Special Delivery (UPU S10), some a courier's."""
    from ledger.ids import s10_check_digit

    if rng.random() < 0.15:
        return f"DPD {rng.randint(10**13, 10**14 - 1)}"
    serial = f"{rng.randint(0, 10**8 - 1):08d}"
    return f"ZW{serial}{s10_check_digit(serial)}GB"


def _partial_import(media_id: str, step: _Step) -> Event:
    """What `custody pacs verify` records when the PACS holds fewer images than the disc."""
    return Event(
        event_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"custody-demo/{media_id}/partial")),
        media_id=media_id,
        action="import-partial",
        at=step.at,
        recorded_at=step.at,
        site="RGT",
        operator="pacs.check",
        detail={"partial": True, "basis": "disc", "pacs": "demo PACS", "studies": []},
    )


def build_demo(
    directory: Path, *, seed: int = 20251224, count: int = 320, now: datetime | None = None
) -> DemoSummary:
    """Build (or rebuild) the demo ledger in `directory`, its last events just before `now`."""
    directory.mkdir(parents=True, exist_ok=True)
    db = directory / "ledger.db"
    for stale in (db, db.with_name("ledger.db-wal"), db.with_name("ledger.db-shm")):
        stale.unlink(missing_ok=True)
    rng = random.Random(seed)
    now = now or utcnow()
    plans = sorted(_plan_media(rng, now, count), key=lambda p: p.registered_at)
    start = min(p.registered_at for p in plans) - timedelta(days=1)
    clock = [start]
    ledger = Ledger.create(str(db), HOME[0], HOME[1], address=HOME[2], clock=lambda: clock[0])
    for code, name, address in PARTNERS:
        ledger.add_org(code, name, address)

    media_of: dict[int, str] = {}
    # Parcels and signatures draw from their own stream, so the rest of the demo is unchanged.
    post = random.Random(seed + 17)
    for recorded, _order, plan, step in _timeline(plans, now):
        clock[0] = recorded
        if step is None:
            media_of[id(plan)] = _record_registration(ledger, rng, post, plan)
        else:
            _record_step(ledger, rng, post, media_of[id(plan)], step)
    _incoming(ledger, rng, clock, now)
    _scan_wrongly_then_correct(ledger, clock, now)
    clock[0] = now
    return _summary(ledger, db)


def _timeline(plans: list[_Plan], now: datetime) -> list[tuple[datetime, int, _Plan, _Step | None]]:
    """Everything that gets recorded, in the order it was recorded (None: the registration)."""
    timeline: list[tuple[datetime, int, _Plan, _Step | None]] = []
    for plan in plans:
        timeline.append((plan.registered_at, 0, plan, None))
        for k, s in enumerate(plan.steps):
            timeline.append((min(s.at + s.delay, now), k + 1, plan, s))
    timeline.sort(key=lambda x: (x[0], x[1]))
    return timeline


def _record_registration(
    ledger: Ledger, rng: random.Random, post: random.Random, plan: _Plan
) -> str:
    """Register one planned disc (and most patient handovers' signatures); its media ID."""
    states = ledger.register_many(
        [plan.registration], operator=rng.choice(ADMINS), at=plan.registered_at
    )
    if plan.registration.exception == "patient-handover" and post.random() < 0.8:
        ledger.acknowledge_handover(
            states[0].media_id,
            acknowledged_by=post.choice(["J. Smith", "A. Khan", "M. Brown", "P. Evans"]),
            relationship=post.choice(["patient", "patient", "parent", "carer"]),
            operator=post.choice(ADMINS),
        )
    return states[0].media_id


def _record_step(
    ledger: Ledger, rng: random.Random, post: random.Random, media_id: str, step: _Step
) -> None:
    """Record one planned step of a disc's journey (a scan, a password, a PACS check)."""
    if step.action == "import-partial":
        ledger.record_events([_partial_import(media_id, step)])
        return
    if step.action == "password-sent":
        ledger.password_sent(
            media_id,
            via=step.site,
            to="radiology.cds@nhs.net" if step.site == "email" else None,
            operator=step.who,
            at=step.at,
        )
        return
    ledger.scan(step.action, media_id, site=step.site, operator=step.who, at=step.at)
    if step.action == "dispatch" and post.random() < 0.7:
        ledger.attach_tracking(
            [media_id], _tracking_ref(post), operator=step.who, site=step.site, at=step.at
        )
    if rng.random() < 0.03:  # the scanner read twice
        ledger.scan(
            step.action,
            media_id,
            site=step.site,
            operator=step.who,
            at=step.at + timedelta(seconds=2),
        )


def _scan_wrongly_then_correct(ledger: Ledger, clock: list[datetime], now: datetime) -> None:
    """A wrong scan, put right: a disc scanned "lost" by mistake, then the correction."""
    clock[0] = now - timedelta(hours=2)
    imported = ledger.list_media(status="imported")
    if imported:
        wrong = ledger.scan("lost", imported[0]["media_id"], operator="m.jones", at=clock[0])
        clock[0] = now - timedelta(hours=1)
        if wrong.event_id:
            ledger.correct(
                wrong.event_id,
                reason="wrong disc scanned at the lost-mail desk",
                operator="a.patel",
            )


def _summary(ledger: Ledger, db: Path) -> DemoSummary:
    """What the demo ledger holds, its chain verified."""
    report = ledger.verify_chain()
    rows = ledger.list_media()
    return DemoSummary(
        db_path=db,
        media=len(rows),
        events=report.events,
        head=report.head,
        by_status=dict(Counter(r["status"] for r in rows).most_common()),
        organisations=len(PARTNERS) + 1,
        anomalies=sum(1 for r in rows if r["anomalies"]),
        exceptions=sum(1 for r in rows if r["exception"]),
    )


def add_demo_accounts(ledger: Ledger) -> list[tuple[str, str, str]]:
    """One web account per role, each with a new random password: (name, role, password)."""
    import secrets

    from ledger.accounts import ROLES, Accounts

    accounts = Accounts(ledger)
    made = []
    for role in ROLES:
        password = "demo-" + secrets.token_urlsafe(9)
        accounts.add(role, roles=[role], password=password, email=f"{role}@demo.nhs.net")
        made.append((role, role, password))
    return made
