"""The governance lead's dashboard: aggregates only, never a patient identifier.

`/governance?month=YYYY-MM`: the month so far and the chosen month (default the last
complete one); the monthly report's files as downloads, its charts as images.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import BaseRoute

from web import backoffice, library
from web.guard import Visit, attachment, page, refusal, route
from web.library import CustodyError


@page("governance")
async def dashboard(visit: Visit) -> Response:
    """`/governance?month=YYYY-MM` (or `/governance.json`)."""
    month = visit.request.query_params.get("month", "")
    try:
        data = await run_in_threadpool(
            backoffice.governance, visit.ledger, visit.settings, visit.reports, month
        )
    except library.LedgerUnreachable:
        raise
    except CustodyError as exc:
        return refusal(visit, 400, str(exc))
    data["downloads"] = list(backoffice.DOWNLOADS)
    return visit.render("governance.html", data)


@page("governance-download")
async def download(visit: Visit) -> Response:
    """`/governance/report/YYYY-MM.FMT`: the monthly report as `custody report monthly` writes
    it (html, xlsx or csv)."""
    month, _, fmt = str(visit.request.path_params["file"]).partition(".")
    try:
        name, data, media_type = await run_in_threadpool(
            backoffice.monthly_file, visit.ledger, visit.settings, visit.reports, month, fmt
        )
    except library.LedgerUnreachable:
        raise
    except CustodyError as exc:
        return refusal(visit, 400, str(exc))
    return attachment(data, name, media_type)


@page("governance-chart")
async def chart(visit: Visit) -> Response:
    """`/governance/chart/YYYY-MM/NAME.svg`: one of the report's charts."""
    month = str(visit.request.path_params["month"])
    name = str(visit.request.path_params["name"]).removesuffix(".svg")
    try:
        svg = await run_in_threadpool(
            backoffice.monthly_chart, visit.ledger, visit.settings, visit.reports, month, name
        )
    except library.LedgerUnreachable:
        raise
    except CustodyError as exc:
        return refusal(visit, 400, str(exc))
    return Response(svg, media_type="image/svg+xml")


def routes() -> list[BaseRoute]:
    """/governance(.json), its downloads and charts."""
    return [
        route("/governance", dashboard, methods=["GET"]),
        route("/governance.json", dashboard, methods=["GET"]),
        route("/governance/report/{file}", download, methods=["GET"]),
        route("/governance/chart/{month}/{name}", chart, methods=["GET"]),
    ]
