"""Discs from partners: expected (a manifest announced them) and unexpected arrivals; a
partner's manifest or receipts file uploaded; ours exported for a partner as a download."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import BaseRoute

from web import backoffice, library
from web.guard import Visit, attachment, page, route
from web.library import CustodyError


async def _show(
    visit: Visit,
    *,
    imported: dict[str, object] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    data = await run_in_threadpool(backoffice.partners, visit.ledger, visit.settings, visit.reports)
    data.update(imported=imported, error=error)
    return visit.render("partners.html", data, status=status)


@page("partners")
async def partners(visit: Visit) -> Response:
    """`/partners` (or `.json`): expected and unexpected discs, uploads and exports."""
    return await _show(visit)


@page("partners-import")
async def upload(visit: Visit) -> Response:
    """A partner's manifest (JSON or CSV) or receipts file: the CLI's checks, all or nothing."""
    sent = await visit.upload("file")
    if sent is None:
        return await _show(visit, error="choose a manifest or receipts file", status=400)
    filename, data = sent
    try:
        imported = await run_in_threadpool(
            backoffice.import_partner_file, visit.ledger, data, filename, operator=visit.user
        )
    except library.LedgerUnreachable:
        raise
    except CustodyError as exc:
        return await _show(visit, error=f"nothing imported: {exc}", status=400)
    return await _show(visit, imported=imported)


@page("partners-export")
async def export(visit: Visit) -> Response:
    """`/partners/export?partner=RXH&kind=manifest|receipts&format=json|csv`: a download."""
    params = visit.request.query_params
    try:
        name, data = await run_in_threadpool(
            backoffice.export_partner_file,
            visit.ledger,
            params.get("partner", ""),
            params.get("kind", "manifest"),
            params.get("format", "json"),
        )
    except library.LedgerUnreachable:
        raise
    except CustodyError as exc:
        return await _show(visit, error=str(exc), status=400)
    return attachment(data, name, "text/csv" if name.endswith(".csv") else "application/json")


def routes() -> list[BaseRoute]:
    """/partners(.json), its upload and its export."""
    return [
        route("/partners", partners, methods=["GET"]),
        route("/partners.json", partners, methods=["GET"]),
        route("/partners/import", upload, methods=["POST"]),
        route("/partners/export", export, methods=["GET"]),
    ]
