"""Administration: organisations, accounts and roles, badges, thresholds, the PACS connection
and the station sheet. Every change goes through the library call the CLI makes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from web import backoffice, library
from web.guard import Visit, attachment, page, route
from web.library import CustodyError


async def _show(visit: Visit, error: str | None = None, status: int = 200) -> Response:
    data = await run_in_threadpool(
        backoffice.admin_view, visit.ledger, visit.accounts, visit.settings
    )
    data.update(error=error, done=visit.request.query_params.get("done"))
    return visit.render("admin.html", data, status=status)


@page("admin")
async def admin(visit: Visit) -> Response:
    """`/admin` (or `.json`)."""
    return await _show(visit)


async def _do(visit: Visit, change: Callable[[], str], anchor: str) -> Response:
    """Run one change; back to the page at its section, or the page with the error."""
    try:
        note = await run_in_threadpool(change)
    except library.LedgerUnreachable:
        raise
    except CustodyError as exc:
        return await _show(visit, error=str(exc), status=400)
    return RedirectResponse(f"/admin?done={quote(note)}#{anchor}", status_code=303)


@page("admin-org")
async def org(visit: Visit) -> Response:
    """Add an organisation, or edit one's name, address, custody mailbox and public key."""
    f = visit.field
    if f("op") == "add":
        return await _do(
            visit,
            lambda: backoffice.add_org(
                visit.ledger, f("code"), f("name"), f("address"), f("public_key")
            ),
            "orgs",
        )
    return await _do(
        visit,
        lambda: backoffice.edit_org(
            visit.ledger, f("code"), f("name"), f("address"), f("email"), f("public_key")
        ),
        "orgs",
    )


@page("admin-user")
async def user(visit: Visit) -> Response:
    """Add an account, change its roles and e-mail, disable or enable it."""
    f = visit.field
    roles = [r for r in visit.form.getlist("role") if isinstance(r, str)] if visit.form else []
    op = f("op")
    accounts = visit.accounts
    actions: dict[str, Callable[[], str]] = {
        "add": lambda: backoffice.add_account(
            accounts, f("name"), roles, f("email"), f("password")
        ),
        "edit": lambda: backoffice.edit_account(accounts, f("name"), roles, f("email")),
        "disable": lambda: backoffice.set_disabled(accounts, f("name"), True),
        "enable": lambda: backoffice.set_disabled(accounts, f("name"), False),
    }
    if op not in actions:
        return await _show(visit, error=f"{op!r}: add, edit, disable or enable", status=400)
    return await _do(visit, actions[op], "users")


@page("admin-thresholds")
async def thresholds(visit: Visit) -> Response:
    """Save the thresholds file from the form, validated as the reports read it."""
    names = list(backoffice.replace_thresholds({}).__dataclass_fields__)
    sent = set(visit.form.keys()) if visit.form is not None else set()
    values = {name: visit.field(name) for name in names if name in sent}
    return await _do(
        visit, lambda: backoffice.save_thresholds(visit.settings, values), "thresholds"
    )


@page("admin-pacs")
async def pacs(visit: Visit) -> Response:
    """Save the PACS connection, or test the one saved ("test connection")."""
    if visit.field("op") == "test":
        return await _do(visit, lambda: backoffice.check_pacs_connection(visit.settings), "pacs")
    keys = ("protocol", "url", "ae_title", "host", "port", "calling_ae", "timeout")
    form: dict[str, Any] = {k: visit.field(k) for k in keys}
    return await _do(visit, lambda: backoffice.save_pacs(visit.settings, form), "pacs")


@page("admin-station-sheet")
async def station_sheet(visit: Visit) -> Response:
    """The station's command barcodes, with a new badge for each account ticked (PDF)."""
    badges = [b for b in visit.form.getlist("badge") if isinstance(b, str)] if visit.form else []
    try:
        pdf = await run_in_threadpool(backoffice.station_sheet, visit.accounts, badges)
    except library.LedgerUnreachable:
        raise
    except CustodyError as exc:
        return await _show(visit, error=str(exc), status=400)
    return attachment(pdf, "station-sheet.pdf", "application/pdf")


def routes() -> list[BaseRoute]:
    """/admin(.json) and its forms."""
    return [
        route("/admin", admin, methods=["GET"]),
        route("/admin.json", admin, methods=["GET"]),
        route("/admin/org", org, methods=["POST"]),
        route("/admin/user", user, methods=["POST"]),
        route("/admin/thresholds", thresholds, methods=["POST"]),
        route("/admin/pacs", pacs, methods=["POST"]),
        route("/admin/station-sheet", station_sheet, methods=["POST"]),
    ]
