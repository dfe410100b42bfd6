"""The scan desk: a USB scanner types each code and Enter; the ledger records it.

The page keeps the input focused, shows a big tick, cross or amber notice, beeps, counts,
and queues scans in the browser (IndexedDB) while the server cannot be reached.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from web import library
from web.guard import Visit, page, refusal, route
from web.library import CustodyError


@page("scan")
async def desk(visit: Visit) -> Response:
    """The desk, on the action and site in the query (`/scan?action=dispatch&site=RGT`)."""
    orgs = await run_in_threadpool(library.organisations, visit.ledger)
    action = visit.request.query_params.get("action", "dispatch")
    if action not in library.SCAN_ACTION_NAMES:
        action = "dispatch"
    site = visit.request.query_params.get("site", orgs[0][0])
    if site not in {code for code, _ in orgs}:
        site = orgs[0][0]
    return visit.render(
        "scan.html",
        {
            "action": action,
            "actions": library.SCAN_ACTION_NAMES,
            "site": site,
            "orgs": orgs,
            "commands": library.command_codes(),
        },
    )


@page("scan-record")
async def record(visit: Visit) -> Response:
    """One line from the scanner (JSON: code, action, site; event_id and at when replayed;
    parcel, the discs scanned for dispatch since the last tracking code)."""
    body = visit.json

    def text(key: str) -> str | None:
        value = body.get(key)
        return value if isinstance(value, str) else None

    sent = body.get("parcel")
    parcel = [p for p in sent if isinstance(p, str)][:100] if isinstance(sent, list) else []
    try:
        result = await run_in_threadpool(
            library.scan_line,
            visit.ledger,
            visit.accounts,
            text("code") or "",
            action=text("action") or "",
            site=text("site"),
            operator=visit.user,
            address=visit.address,
            event_id=text("event_id"),
            at=text("at"),
            parcel=parcel,
        )
    except library.LedgerUnreachable:
        raise
    except CustodyError as exc:
        return refusal(visit, 400, str(exc))
    payload = result.as_json()
    if result.account is not None:
        # A badge at a shared desk: that person is signed in here from now on.
        visit.session = visit.session.signed_in(result.account.name, result.account.session_epoch)
    payload["csrf"] = visit.session.csrf
    payload["operator"] = result.account.name if result.account else visit.user
    return JSONResponse(payload)


def routes() -> list[BaseRoute]:
    """/scan (the page) and POST /scan (one scanned line)."""
    return [
        route("/scan", desk, methods=["GET"]),
        route("/scan", record, methods=["POST"]),
    ]
