"""Labels: the discs waiting for one (reprints shown as such), printed as a PDF on the chosen
stock from a chosen position on a part-used sheet, and recorded as labelled."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import BaseRoute

from web import backoffice, library
from web.guard import Visit, attachment, page, route
from web.library import CustodyError


async def _show(visit: Visit, error: str | None = None, status: int = 200) -> Response:
    data = await run_in_threadpool(backoffice.labels_waiting, visit.ledger)
    data["error"] = error
    return visit.render("labels.html", data, status=status)


@page("labels")
async def labels(visit: Visit) -> Response:
    """`/labels` (or `.json`): the discs a label may be printed for."""
    return await _show(visit)


@page("labels-print")
async def print_labels(visit: Visit) -> Response:
    """The chosen discs' labels as one PDF (true size: print at 100%, no scaling)."""
    form = visit.form
    codes = [c for c in form.getlist("media_id") if isinstance(c, str)] if form else []
    start_text = visit.field("start", "1").strip() or "1"
    if not start_text.isdigit() or not 1 <= int(start_text) <= 200:
        return await _show(visit, error=f"start position {start_text!r}: 1, 2, 3...", status=400)
    try:
        name, pdf = await run_in_threadpool(
            backoffice.labels_pdf,
            visit.ledger,
            codes,
            visit.field("template", "avery-l7160"),
            int(start_text),
            operator=visit.user,
        )
    except library.LedgerUnreachable:
        raise
    except CustodyError as exc:
        return await _show(visit, error=str(exc), status=400)
    return attachment(pdf, name, "application/pdf")


def routes() -> list[BaseRoute]:
    """/labels(.json) and its print form."""
    return [
        route("/labels", labels, methods=["GET"]),
        route("/labels.json", labels, methods=["GET"]),
        route("/labels/print", print_labels, methods=["POST"]),
    ]
