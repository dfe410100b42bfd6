"""What every view stands behind: the guard, the visit it is given, and the page renderer.

The guard (`page`) reads the session, refuses a visitor who is not signed in or whose roles
the permission table does not list for the route, and refuses a state-changing request
without the session's CSRF token; only then does the view run. Page modules import this;
web.app assembles them into the app (so the imports point one way).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from web import backoffice
from web.library import Account, Accounts, CustodyError, Ledger, LedgerUnreachable
from web.permissions import PUBLIC, allowed
from web.sessions import CSRF_FIELD, CSRF_HEADER, SAFE_METHODS, Session, Sessions, csrf_ok

HERE = Path(__file__).parent
TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


@dataclass
class Visit:
    """One request as a view sees it: who, their session, the form if one was posted."""

    request: Request
    session: Session
    account: Account | None
    form: FormData | None = None
    json: dict[str, Any] = field(default_factory=dict)

    @property
    def ledger(self) -> Ledger:
        """The ledger the server runs over."""
        ledger: Ledger = self.request.app.state.ledger
        return ledger

    @property
    def accounts(self) -> Accounts:
        """Its accounts."""
        accounts: Accounts = self.request.app.state.accounts
        return accounts

    @property
    def settings(self) -> backoffice.Settings:
        """Where the server's thresholds and PACS settings are."""
        settings: backoffice.Settings = self.request.app.state.settings
        return settings

    @property
    def reports(self) -> backoffice.ReportCache:
        """The reports' last answers, kept while the ledger does not change."""
        cache: backoffice.ReportCache = self.request.app.state.reports
        return cache

    @property
    def user(self) -> str:
        """The signed-in account's name: the operator of everything recorded in this visit."""
        assert self.account is not None, "only guarded views of signed-in visitors record"
        return self.account.name

    @property
    def address(self) -> str | None:
        """Where the request came from (the real client behind nginx, with --proxy-headers)."""
        return self.request.client.host if self.request.client else None

    def can(self, name: str) -> bool:
        """May this visitor use the route or capability `name`?"""
        return self.account is not None and allowed(self.account.roles, name)

    def field(self, name: str, default: str = "") -> str:
        """A posted form field as text."""
        value = self.form.get(name) if self.form is not None else None
        return value if isinstance(value, str) else default

    async def upload(self, name: str) -> tuple[str, bytes] | None:
        """A posted file's name and contents; None if no file was chosen."""
        sent = self.form.get(name) if self.form is not None else None
        if not isinstance(sent, UploadFile) or not sent.filename:
            return None
        return sent.filename, await sent.read()

    @property
    def wants_json(self) -> bool:
        """The page was asked for as .json."""
        return self.request.url.path.endswith(".json")

    def render(self, template: str, data: dict[str, Any], status: int = 200) -> Response:
        """The page as HTML, or its data as JSON when asked for as .json."""
        if self.wants_json:
            return JSONResponse(data, status_code=status)
        html = TEMPLATES.get_template(template).render(
            **data, visit=self, csrf=self.session.csrf, url=self.request.url_for
        )
        return Response(html, status_code=status, media_type="text/html")


View = Callable[[Visit], Awaitable[Response]]


async def _account(request: Request, session: Session) -> Account | None:
    """The signed-in account, if the session's account may still be signed in."""
    if session.user is None:
        return None
    accounts: Accounts = request.app.state.accounts
    try:
        account = await run_in_threadpool(accounts.get, session.user)
    except CustodyError:
        return None
    if account.disabled or account.session_epoch != session.epoch:
        return None
    return account


def refusal(visit: Visit, status: int, message: str) -> Response:
    """A refused request: JSON for scripts, a short page for people."""
    accept = visit.request.headers.get("accept", "")
    if visit.wants_json or "application/json" in accept:
        return JSONResponse({"error": message}, status_code=status)
    if status == 401 and visit.request.method in SAFE_METHODS:
        target = visit.request.url.path + (
            f"?{visit.request.url.query}" if visit.request.url.query else ""
        )
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    return visit.render("error.html", {"status": status, "message": message}, status)


def attachment(body: bytes | str, name: str, media_type: str) -> Response:
    """A file for the browser to save as `name` rather than show."""
    return Response(
        body,
        media_type=media_type,
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


def page(name: str) -> Callable[[View], Callable[[Request], Awaitable[Response]]]:
    """Guard a view with the permission table's entry `name` and the CSRF check."""

    def wrap(view: View) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            sessions: Sessions = request.app.state.sessions
            session = sessions.read(request)
            account = await _account(request, session)
            if session.user is not None and account is None:
                session = Session.anonymous()  # signed out elsewhere, disabled, or idle
            visit = Visit(request, session, account)
            response = await _guarded(visit, name, view)
            sessions.write(request, response, visit.session)
            return response

        endpoint.permission = name  # type: ignore[attr-defined]
        endpoint.__name__ = view.__name__
        endpoint.__doc__ = view.__doc__
        return endpoint

    return wrap


async def _guarded(visit: Visit, name: str, view: View) -> Response:
    request = visit.request
    if name not in PUBLIC:
        if visit.account is None:
            return refusal(visit, 401, "sign in first")
        if not allowed(visit.account.roles, name):
            return refusal(visit, 403, "your role may not open this page")
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER)
        if request.headers.get("content-type", "").startswith("application/json"):
            try:
                visit.json = await request.json()
            except ValueError:
                return refusal(visit, 400, "the request was not JSON")
            if not isinstance(visit.json, dict):
                return refusal(visit, 400, "the request was not a JSON object")
        else:
            visit.form = await request.form(max_part_size=5 * 1024 * 1024)
            field_value = visit.form.get(CSRF_FIELD)
            sent = sent or (field_value if isinstance(field_value, str) else None)
        if not csrf_ok(visit.session, sent):
            return refusal(visit, 403, "the form was out of date (no CSRF token): try again")
    try:
        return await view(visit)
    except LedgerUnreachable as exc:
        return refusal(visit, 503, str(exc))


def route(path: str, endpoint: Callable[[Request], Awaitable[Response]], **kw: Any) -> Route:
    """A route named after its entry in the permission table."""
    return Route(path, endpoint, name=endpoint.permission, **kw)  # type: ignore[attr-defined]
