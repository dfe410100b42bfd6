"""Organisations: this ledger's home and its partners, by ODS code."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ledger import store
from ledger.errors import DuplicateOrganisation, InvalidValue, UnknownOrganisation
from ledger.ids import check_ods
from ledger.text import organisation_texts
from ledger.work import Org, Work


def add_org(
    work: Work,
    code: str,
    name: str,
    address: str | None = None,
    public_key: str | None = None,
) -> Org:
    """Add a partner organisation (destination or sender), with its public key if known."""
    code = check_ods(code)
    if not name.strip():
        raise InvalidValue("an organisation needs a name")
    name, address = organisation_texts(name, address)
    if public_key is not None:
        public_key = checked_public_key(public_key)
    if store.organisation(work.conn, code) is not None:
        raise DuplicateOrganisation(f"organisation {code} is already in the ledger")
    store.add_organisation(work.conn, code, name, address, home=False)
    if public_key is not None:
        store.update_organisation(work.conn, code, {"public_key": public_key})
    return Org(code, name, address, False, public_key=public_key)


def checked_public_key(text: str) -> str:
    """A public key in its one-line form, checked (InvalidValue if it is not one)."""
    from ledger import signing

    return signing.public_text(signing.parse_public(text))


def edit_org(
    work: Work,
    code: str,
    *,
    name: str | None = None,
    address: str | None = None,
    email: str | None = None,
    public_key: str | None = None,
) -> Org:
    """Change an organisation's name, address, custody mailbox ("" clears address/email) or
    public key (a partner's: its manifests and receipts must then be signed with it)."""
    from ledger.accounts import check_email

    known = org(work.conn, code)
    values: dict[str, Any] = {}
    if name is not None:
        if not name.strip():
            raise InvalidValue("an organisation needs a name")
        values["name"] = organisation_texts(name, None)[0]
    if address is not None:
        values["address"] = organisation_texts(known.name, address.strip() or None)[1]
    if email is not None:
        values["email"] = check_email(email)
    if public_key is not None:
        if known.home:
            raise InvalidValue(
                f"{known.code} is this ledger: its key is the one `custody key init` made"
            )
        values["public_key"] = checked_public_key(public_key)
    if not values:
        raise InvalidValue(
            "nothing to change: give {name}, {address}, {email} or {public_key}",
            fields=("name", "address", "email", "public_key"),
        )
    store.update_organisation(work.conn, known.code, values)
    return org(work.conn, known.code)


def organisations(conn: sa.Connection) -> list[Org]:
    """Every organisation, home first."""
    return [
        Org(r.code, r.name, r.address, r.home, r.email, r.public_key)
        for r in store.organisations(conn)
    ]


def org(conn: sa.Connection, code: str) -> Org:
    """One organisation by ODS code, or UnknownOrganisation."""
    code = check_ods(code)
    row = store.organisation(conn, code)
    if row is None:
        raise UnknownOrganisation(
            f"unknown organisation {code!r}", hint="add it with `custody org add`"
        )
    return Org(row.code, row.name, row.address, row.home, row.email, row.public_key)
