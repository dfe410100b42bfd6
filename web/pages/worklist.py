"""The PACS desk's worklist: `report unreconciled`, live, with the steps recorded from a row
and the check against the PACS (one medium, or every pending one in batches)."""

from __future__ import annotations

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute

from web import backoffice, library
from web.guard import Visit, page, refusal, route
from web.library import CustodyError


async def _show(visit: Visit, error: str | None = None, status: int = 200) -> Response:
    params = visit.request.query_params
    try:
        query = backoffice.WorklistQuery.from_params(params)
        data = await run_in_threadpool(
            backoffice.worklist, visit.ledger, visit.settings, visit.reports, query
        )
    except library.LedgerUnreachable:
        raise
    except CustodyError as exc:
        query = backoffice.WorklistQuery()
        data = await run_in_threadpool(
            backoffice.worklist, visit.ledger, visit.settings, visit.reports, query
        )
        error, status = str(exc), 400
    data.update(
        query=query.__dict__,
        sorts=backoffice.SORTS,
        urgencies=backoffice.URGENCIES,
        steps=backoffice.DESK_STEPS,
        error=error,
        done=params.get("done"),
        batch=backoffice.CHECK_BATCH,
        page_rows=backoffice.PAGE_ROWS,
    )
    return visit.render("worklist.html", data, status=status)


@page("worklist")
async def worklist(visit: Visit) -> Response:
    """`/worklist?reason=&partner=&urgency=&min_days=&sort=` (or `/worklist.json`)."""
    return await _show(visit)


def _back(visit: Visit, note: str) -> Response:
    """Back to the list as it was filtered, saying what happened."""
    target = visit.field("back") or "/worklist"
    if not target.startswith("/worklist") or "//" in target:
        target = "/worklist"
    sep = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{sep}done={quote(note)}", status_code=303)


@page("worklist-record")
async def record(visit: Visit) -> Response:
    """Record to-pacs, imported or import-failed for one medium; the signed-in user did it."""
    try:
        _ok, note = await run_in_threadpool(
            backoffice.record_step,
            visit.ledger,
            visit.field("media_id"),
            visit.field("action"),
            operator=visit.user,
        )
    except library.LedgerUnreachable:
        raise
    except CustodyError as exc:
        return await _show(visit, error=str(exc), status=400)
    return _back(visit, note)


@page("worklist-pending")
async def pending(visit: Visit) -> Response:
    """The media awaiting a PACS check, and which PACS (JSON, for the page's batches)."""
    try:
        pacs = await run_in_threadpool(backoffice.pacs_label, visit.settings)
    except CustodyError as exc:
        return refusal(visit, 400, str(exc))
    ids = await run_in_threadpool(backoffice.pacs_pending, visit.ledger)
    return JSONResponse({"pacs": pacs, "media_ids": ids, "batch": backoffice.CHECK_BATCH})


@page("worklist-check")
async def check(visit: Visit) -> Response:
    """Check media against the PACS: JSON `{"media_ids": [...]}` from the page's batches, or a
    form with one `media_id` (or `all`) from a plain button."""
    if visit.form is None:
        raw = visit.json.get("media_ids")
        codes = [c for c in raw if isinstance(c, str)] if isinstance(raw, list) else []
    elif visit.field("all"):
        codes = await run_in_threadpool(backoffice.pacs_pending, visit.ledger)
        codes = codes[: backoffice.CHECK_BATCH * 4]
    else:
        codes = [visit.field("media_id")]
    try:
        results = await run_in_threadpool(
            backoffice.check_pacs, visit.ledger, visit.settings, codes, operator=visit.user
        )
    except library.LedgerUnreachable:
        raise
    except CustodyError as exc:
        if visit.form is None:
            return JSONResponse({"error": str(exc)}, status_code=502)
        return await _show(visit, error=str(exc), status=502)
    if visit.form is None:
        return JSONResponse({"results": results})
    note = "; ".join(f"{r['media_id']}: {r['text']}" for r in results) or "nothing to check"
    return _back(visit, note)


def routes() -> list[BaseRoute]:
    """/worklist(.json), its row actions and the PACS check."""
    return [
        route("/worklist", worklist, methods=["GET"]),
        route("/worklist.json", worklist, methods=["GET"]),
        route("/worklist/record", record, methods=["POST"]),
        route("/worklist/pending.json", pending, methods=["GET"]),
        route("/worklist/check", check, methods=["POST"]),
    ]
