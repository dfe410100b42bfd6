"""Registering discs: one from a form (the NHS number checked as it is typed and again by
the ledger), or many from a CSV file (all or nothing, every bad row listed by line)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from web import library
from web.guard import Visit, page, route
from web.library import BulkRejected, CustodyError

# The form asks for what a row of a registration CSV file holds.
FIELDS = library.CSV_COLUMNS


async def _form(
    visit: Visit,
    *,
    values: dict[str, str] | None = None,
    error: str | None = None,
    problems: list[str] | None = None,
    registered: list[str] | None = None,
    status: int = 200,
) -> Response:
    orgs = await run_in_threadpool(library.organisations, visit.ledger)
    return visit.render(
        "register.html",
        {
            "values": values or {},
            "error": error,
            "problems": problems or [],
            "registered": registered or [],
            "destinations": orgs[1:],
            "kinds": library.KINDS,
            "exceptions": list(library.EXCEPTIONS.items()),
        },
        status=status,
    )


@page("register")
async def register(visit: Visit) -> Response:
    """The form (GET) or one registration (POST); the new media ID links to its page."""
    if visit.request.method == "GET":
        return await _form(visit)
    values = {name: visit.field(name) for name in FIELDS}
    try:
        media_id = await run_in_threadpool(
            library.register, visit.ledger, values, operator=visit.user
        )
    except library.LedgerUnreachable:
        raise
    except CustodyError as exc:
        return await _form(visit, values=values, error=str(exc), status=400)
    return await _form(visit, registered=[media_id])


@page("register-csv")
async def register_csv(visit: Visit) -> Response:
    """A CSV file of registrations, all or nothing."""
    sent = await visit.upload("file")
    if sent is None:
        return await _form(visit, error="choose a CSV file to upload", status=400)
    filename, data = sent
    try:
        ids = await run_in_threadpool(
            library.register_csv, visit.ledger, data, filename, operator=visit.user
        )
    except library.LedgerUnreachable:
        raise
    except BulkRejected as exc:
        return await _form(visit, error=str(exc), problems=exc.problems, status=400)
    except CustodyError as exc:
        return await _form(visit, error=str(exc), status=400)
    return await _form(visit, registered=ids)


@page("register-check")
async def check(visit: Visit) -> Response:
    """Is this an NHS number? Asked by the form as it is typed (`?nhs_number=...`)."""
    problem = library.nhs_number_problem(visit.request.query_params.get("nhs_number", ""))
    return JSONResponse({"ok": problem is None, "problem": problem})


def routes() -> list[BaseRoute]:
    """/register, /register/csv, /register/check."""
    return [
        route("/register", register, methods=["GET", "POST"]),
        route("/register/csv", register_csv, methods=["POST"]),
        route("/register/check", check, methods=["GET"]),
    ]
