"""A medium's page: its record, the timeline of events (who, where, when), and what may be
done from it: correct an event with a reason, record the password sent, reprint the label,
attach the parcel's tracking reference, print and record an unencrypted disc's handover form."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from web import library
from web.guard import Visit, attachment, page, refusal, route
from web.library import CustodyError


def _media_id(visit: Visit) -> str:
    raw: str = visit.request.path_params["media_id"]
    return raw.removesuffix(".json")


async def _show(visit: Visit, message: str | None = None, error: str | None = None) -> Response:
    try:
        data = await run_in_threadpool(
            library.media_view,
            visit.ledger,
            _media_id(visit),
            patient=visit.can("see-patient-identifiers"),
        )
    except library.LedgerUnreachable:
        raise
    except CustodyError as exc:
        return refusal(visit, 404, str(exc))
    data.update(
        message=message,
        error=error,
        routes=library.PASSWORD_ROUTES,
        can_correct=visit.can("media-correct"),
        can_password=visit.can("media-password-sent"),
        can_label=visit.can("media-label"),
        can_track=visit.can("media-tracking"),
        can_handover=visit.can("media-handover"),
        relationships=library.RELATIONSHIPS,
    )
    return visit.render("media.html", data, status=400 if error else 200)


@page("media")
async def media(visit: Visit) -> Response:
    """The record and its timeline (`/media/MEDIA_ID`, or `.json`)."""
    return await _show(visit)


def _back(media_id: str, note: str) -> Response:
    return RedirectResponse(f"/media/{quote(media_id)}?done={quote(note)}", status_code=303)


async def _record(visit: Visit, record: Callable[[], str]) -> Response:
    """Back to the page with the note `record` returns, or the page with its error."""
    try:
        note = await run_in_threadpool(record)
    except library.LedgerUnreachable:
        raise
    except CustodyError as exc:
        return await _show(visit, error=str(exc))
    return _back(_media_id(visit), note)


@page("media-correct")
async def correct(visit: Visit) -> Response:
    """Void one of its events, with a reason; the signed-in user is who corrected it."""

    def void() -> str:
        library.correct(
            visit.ledger, visit.field("event_id"), reason=visit.field("reason"), operator=visit.user
        )
        return "correction recorded"

    return await _record(visit, void)


@page("media-password-sent")
async def password_sent(visit: Visit) -> Response:
    """Record that (and how) its password went separately; never the password itself."""

    def sent() -> str:
        library.password_sent(
            visit.ledger,
            _media_id(visit),
            via=visit.field("via"),
            to=visit.field("to"),
            operator=visit.user,
        )
        return "password route recorded"

    return await _record(visit, sent)


@page("media-label")
async def label(visit: Visit) -> Response:
    """Its label as a PDF (one Brother 62 x 29 mm label), recorded as a reprint."""
    return await _pdf_download(
        visit, lambda: library.label_pdf(visit.ledger, _media_id(visit), operator=visit.user)
    )


async def _pdf_download(visit: Visit, make: Callable[[], tuple[str, bytes]]) -> Response:
    """The (file name, PDF) that `make` returns as a download, or the page with its error."""
    try:
        name, pdf = await run_in_threadpool(make)
    except library.LedgerUnreachable:
        raise
    except CustodyError as exc:
        return await _show(visit, error=str(exc))
    return attachment(pdf, name, "application/pdf")


@page("media-tracking")
async def tracking(visit: Visit) -> Response:
    """Attach its parcel's tracking reference to its dispatch (a Royal Mail S10 is checked)."""

    def attach() -> str:
        shown = library.attach_tracking(
            visit.ledger, _media_id(visit), visit.field("tracking"), operator=visit.user
        )
        return f"tracking {shown} recorded"

    return await _record(visit, attach)


@page("media-handover-form")
async def handover_form(visit: Visit) -> Response:
    """The A4 form its recipient signs: what it holds, that it is not encrypted, their part."""
    return await _pdf_download(
        visit, lambda: library.handover_form_pdf(visit.ledger, _media_id(visit))
    )


@page("media-handover")
async def handover(visit: Visit) -> Response:
    """Record that its recipient signed the handover form (who, and who they are to the patient)."""

    def signed() -> str:
        library.acknowledge_handover(
            visit.ledger,
            _media_id(visit),
            acknowledged_by=visit.field("acknowledged_by"),
            relationship=visit.field("relationship", "patient"),
            operator=visit.user,
        )
        return "signed handover form recorded"

    return await _record(visit, signed)


def routes() -> list[BaseRoute]:
    """/media/MEDIA_ID(.json) and its forms."""
    return [
        route("/media/{media_id}", media, methods=["GET"]),
        route("/media/{media_id}/correct", correct, methods=["POST"]),
        route("/media/{media_id}/password-sent", password_sent, methods=["POST"]),
        route("/media/{media_id}/label", label, methods=["POST"]),
        route("/media/{media_id}/tracking", tracking, methods=["POST"]),
        route("/media/{media_id}/handover-form", handover_form, methods=["POST"]),
        route("/media/{media_id}/handover", handover, methods=["POST"]),
    ]
