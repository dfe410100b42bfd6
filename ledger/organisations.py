"""Organisations: this ledger's home and its partners, by ODS code."""

from __future__ import annotations

import sqlalchemy as sa

from ledger import store
from ledger.errors import DuplicateOrganisation, InvalidValue, UnknownOrganisation
from ledger.ids import check_ods
from ledger.text import organisation_texts
from ledger.work import Org, Work


def add_org(work: Work, code: str, name: str, address: str | None = None) -> Org:
    """Add a partner organisation (destination or sender)."""
    code = check_ods(code)
    if not name.strip():
        raise InvalidValue("an organisation needs a name")
    name, address = organisation_texts(name, address)
    if store.organisation(work.conn, code) is not None:
        raise DuplicateOrganisation(f"organisation {code} is already in the ledger")
    store.add_organisation(work.conn, code, name, address, home=False)
    return Org(code, name, address, False)


def organisations(conn: sa.Connection) -> list[Org]:
    """Every organisation, home first."""
    return [Org(r.code, r.name, r.address, r.home) for r in store.organisations(conn)]


def org(conn: sa.Connection, code: str) -> Org:
    """One organisation by ODS code, or UnknownOrganisation."""
    code = check_ods(code)
    row = store.organisation(conn, code)
    if row is None:
        raise UnknownOrganisation(f"unknown organisation {code!r} (add it with `custody org add`)")
    return Org(row.code, row.name, row.address, row.home)
