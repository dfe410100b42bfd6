"""The ASGI app: the routes of every page module, the static files, the security headers.

Each view stands behind one guard (web.guard.page); every response carries a Content
Security Policy that allows only this origin.
"""

from __future__ import annotations

import threading

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web import backoffice, library
from web.guard import HERE
from web.library import Ledger
from web.sessions import Sessions

IDLE_SECONDS = 30 * 60
# Only this origin. 'wasm-unsafe-eval' lets the page compile WebAssembly (the desk's camera
# decoder, /static/zxing/), still fetched from this origin only; it allows no JavaScript eval.
CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; media-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    """Adds the Content Security Policy and friends to every response, static files too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def health(_request: Request) -> Response:
    """For a load balancer: the server answers."""
    return PlainTextResponse("ok")


health.permission = "health"  # type: ignore[attr-defined]


def routes() -> list[BaseRoute]:
    """Every route: each page module's, the static files, the health check."""
    from web.pages import (
        admin,
        auth,
        desk,
        governance,
        incidents,
        labels,
        media,
        partners,
        registration,
        search,
        worklist,
    )

    found: list[BaseRoute] = [
        Route("/healthz", health, name="health"),
        # The package's own CSS and scripts (no CDN): public, like the sign-in page.
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
    ]
    for module in (
        admin,
        auth,
        desk,
        governance,
        incidents,
        labels,
        media,
        partners,
        registration,
        search,
        worklist,
    ):
        found += module.routes()
    return found


def create_app(
    target: str | None = None,
    *,
    ledger: Ledger | None = None,
    secret: str | None = None,
    idle_seconds: int = IDLE_SECONDS,
    settings: backoffice.Settings | None = None,
    warm: bool = False,
) -> ASGIApp:
    """The web app over the ledger at `target` (or an open `ledger`); `settings` says where
    its thresholds and PACS settings are (default: where the CLI reads them)."""
    opened = ledger or library.open_ledger(str(target))
    app = Starlette(routes=routes())
    app.state.ledger = opened
    app.state.settings = settings or backoffice.default_settings()
    app.state.reports = backoffice.ReportCache()
    if warm:
        # A large ledger's worklist and dashboard take seconds: build them before anyone asks.
        threading.Thread(
            target=backoffice.warm,
            args=(opened, app.state.settings, app.state.reports),
            daemon=True,
        ).start()
    app.state.accounts = library.Accounts(opened)
    app.state.sessions = Sessions(
        secret or app.state.accounts.session_secret(), idle_seconds=idle_seconds
    )
    return SecurityHeaders(app)
