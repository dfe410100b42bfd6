"""Finding a disc: by media ID for everyone; by NHS number or accession for the PACS desk."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import BaseRoute

from web import library
from web.guard import Visit, page, route
from web.library import CustodyError


@page("search")
async def search(visit: Visit) -> Response:
    """`/search?q=...` (or `/search.json?q=...`)."""
    text = visit.request.query_params.get("q", "")
    patient = visit.can("see-patient-identifiers")
    try:
        kind, found = await run_in_threadpool(library.search, visit.ledger, text, patient=patient)
        error = None
    except library.LedgerUnreachable:
        raise
    except CustodyError as exc:
        kind, found, error = "", [], str(exc)
    return visit.render(
        "search.html",
        {"q": text, "kind": kind, "found": found, "error": error, "patient": patient},
        status=400 if error else 200,
    )


def routes() -> list[BaseRoute]:
    """/search and /search.json."""
    return [route("/search.json", search), route("/search", search)]
