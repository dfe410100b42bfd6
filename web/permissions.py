"""Who may open what: one table, checked by one function, listed in the README.

Each route has a name; each name lists the roles that may use it. A route missing from the
table cannot be served (tests/web/test_permissions.py walks every route for every role).
Capabilities are what a page shows differently by role, named in the same table.
"""

from __future__ import annotations

from collections.abc import Iterable

from web.library import ROLES

POST_ROOM, PACS_DESK, GOVERNANCE, ADMIN = ROLES
EVERYONE = frozenset(ROLES)
# Routes anyone may open without signing in.
PUBLIC = frozenset({"login", "static", "health"})

PERMISSIONS: dict[str, frozenset[str]] = {
    # signing in and out, the home page
    "login": EVERYONE,
    "logout": EVERYONE,
    "static": EVERYONE,
    "health": EVERYONE,
    "home": EVERYONE,
    # the scan desk: routing facts only, never patient identifiers
    "scan": frozenset({POST_ROOM, PACS_DESK}),
    "scan-record": frozenset({POST_ROOM, PACS_DESK}),
    # a medium's page: the post room and governance see routing facts only (see capabilities)
    "media": frozenset({POST_ROOM, PACS_DESK, GOVERNANCE}),
    "media-correct": frozenset({PACS_DESK}),
    "media-password-sent": frozenset({PACS_DESK}),
    "media-label": frozenset({POST_ROOM, PACS_DESK}),
    # the parcel's tracking reference, after the fact; an unencrypted disc handed over (#17)
    "media-tracking": frozenset({POST_ROOM, PACS_DESK}),
    "media-handover-form": frozenset({PACS_DESK}),
    "media-handover": frozenset({PACS_DESK}),
    # registration: patient identifiers are typed here
    "register": frozenset({PACS_DESK}),
    "register-csv": frozenset({PACS_DESK}),
    "register-check": frozenset({PACS_DESK}),
    # search: by media ID for the post room; accession and NHS number need the capability
    "search": frozenset({POST_ROOM, PACS_DESK}),
    # the PACS desk's worklist: patient identifiers, to find the study
    "worklist": frozenset({PACS_DESK}),
    "worklist-record": frozenset({PACS_DESK}),
    "worklist-pending": frozenset({PACS_DESK}),
    "worklist-check": frozenset({PACS_DESK}),
    # incidents: no patient identifiers in the list; the IR1 draft keeps them to one section
    "incidents": frozenset({PACS_DESK, GOVERNANCE}),
    "incident": frozenset({PACS_DESK, GOVERNANCE}),
    "incident-filed": frozenset({PACS_DESK, GOVERNANCE}),
    "incident-close": frozenset({GOVERNANCE}),
    # governance: aggregates only (the monthly report never reads patient identifiers)
    "governance": frozenset({GOVERNANCE, ADMIN}),
    "governance-download": frozenset({GOVERNANCE, ADMIN}),
    "governance-chart": frozenset({GOVERNANCE, ADMIN}),
    # discs from partners: manifests carry NHS numbers, so the PACS desk
    "partners": frozenset({PACS_DESK}),
    "partners-import": frozenset({PACS_DESK}),
    "partners-export": frozenset({PACS_DESK}),
    # labels carry routing facts only
    "labels": frozenset({POST_ROOM, PACS_DESK}),
    "labels-print": frozenset({POST_ROOM, PACS_DESK}),
    # administration
    "admin": frozenset({ADMIN}),
    "admin-org": frozenset({ADMIN}),
    "admin-user": frozenset({ADMIN}),
    "admin-thresholds": frozenset({ADMIN}),
    "admin-pacs": frozenset({ADMIN}),
    "admin-station-sheet": frozenset({ADMIN}),
}

CAPABILITIES: dict[str, frozenset[str]] = {
    # NHS number, accession, study UID, the registration's patient details in the timeline
    "see-patient-identifiers": frozenset({PACS_DESK}),
    # an IR1 draft's "people affected" section: the form needs them, filed by governance
    "see-ir1-patient": frozenset({PACS_DESK, GOVERNANCE}),
}


def allowed(roles: Iterable[str], name: str) -> bool:
    """May someone with these roles use the route or capability `name`? Unknown names: no."""
    table = PERMISSIONS.get(name) or CAPABILITIES.get(name) or frozenset()
    return not table.isdisjoint(roles)
