"""Incidents and IR1s: the candidates (data breaches first, with the ICO's clock), an IR1 draft
as a printable A4 page laid out like Datix's DIF1, and the filed and closed records."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from web import backoffice, library
from web.guard import Visit, page, refusal, route
from web.library import CustodyError


@page("incidents")
async def incidents(visit: Visit) -> Response:
    """`/incidents` (`?all=1` with closed ones; or `/incidents.json`): no patient identifiers."""
    params = visit.request.query_params
    try:
        data = await run_in_threadpool(
            backoffice.incidents,
            visit.ledger,
            visit.settings,
            visit.reports,
            include_closed=params.get("all") == "1",
            as_of=params.get("as_of", ""),
        )
    except library.LedgerUnreachable:
        raise
    except CustodyError as exc:
        return refusal(visit, 400, str(exc))
    return visit.render("incidents.html", data)


def _key(visit: Visit) -> tuple[str, str]:
    params = visit.request.path_params
    return params["media_id"], str(params["reason"]).removesuffix(".json")


async def _draft(visit: Visit, error: str | None = None) -> Response:
    media_id, reason = _key(visit)
    try:
        data = await run_in_threadpool(
            backoffice.ir1_draft,
            visit.ledger,
            visit.settings,
            media_id,
            reason,
            patient=visit.can("see-ir1-patient"),
        )
    except library.LedgerUnreachable:
        raise
    except CustodyError as exc:
        return refusal(visit, 404, str(exc))
    data.update(
        error=error,
        done=visit.request.query_params.get("done"),
        can_file=visit.can("incident-filed"),
        can_close=visit.can("incident-close"),
    )
    return visit.render("ir1.html", data, status=400 if error else 200)


@page("incident")
async def draft(visit: Visit) -> Response:
    """`/incidents/MEDIA_ID/REASON`: the IR1 draft, to print or paste into the risk system."""
    return await _draft(visit)


def _back(visit: Visit, note: str) -> Response:
    media_id, reason = _key(visit)
    return RedirectResponse(
        f"/incidents/{quote(media_id)}/{quote(reason)}?done={quote(note)}", status_code=303
    )


async def _record(visit: Visit, record: Callable[[], str]) -> Response:
    """Back to the draft with the note `record` returns, or the draft with its error."""
    try:
        note = await run_in_threadpool(record)
    except library.LedgerUnreachable:
        raise
    except CustodyError as exc:
        return await _draft(visit, error=str(exc))
    return _back(visit, note)


@page("incident-filed")
async def filed(visit: Visit) -> Response:
    """Record that the IR1 was filed, with the risk system's reference."""
    media_id, reason = _key(visit)
    return await _record(
        visit,
        lambda: backoffice.ir1_filed(
            visit.ledger, media_id, reason, visit.field("ref"), operator=visit.user
        ),
    )


@page("incident-close")
async def close(visit: Visit) -> Response:
    """Close the IR1 (or decide none is needed), with a note saying why."""
    media_id, reason = _key(visit)
    return await _record(
        visit,
        lambda: backoffice.ir1_closed(
            visit.ledger, media_id, reason, visit.field("note"), operator=visit.user
        ),
    )


def routes() -> list[BaseRoute]:
    """/incidents(.json), /incidents/MEDIA_ID/REASON and its two forms."""
    return [
        route("/incidents", incidents, methods=["GET"]),
        route("/incidents.json", incidents, methods=["GET"]),
        route("/incidents/{media_id}/{reason}", draft, methods=["GET"]),
        route("/incidents/{media_id}/{reason}/filed", filed, methods=["POST"]),
        route("/incidents/{media_id}/{reason}/close", close, methods=["POST"]),
    ]
