"""Signing in (password or badge) and out, and the home page."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from web import library
from web.guard import Visit, page, route
from web.library import SignInRefused
from web.permissions import allowed


def _next(target: str) -> str:
    """Where to go after signing in: only a path on this site."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


@page("login")
async def login(visit: Visit) -> Response:
    """The sign-in form (fields `username` and `password`; or scan a badge into `badge`)."""
    nxt = _next(visit.request.query_params.get("next", "/"))
    if visit.request.method == "GET":
        return visit.render("login.html", {"next": nxt, "error": None, "username": ""})
    nxt = _next(visit.field("next", "/"))
    badge = visit.field("badge").strip()
    try:
        if badge:
            account = await run_in_threadpool(
                library.badge_sign_in, visit.accounts, badge, visit.address
            )
        else:
            account = await run_in_threadpool(
                visit.accounts.sign_in,
                visit.field("username"),
                visit.field("password"),
                visit.address,
            )
    except SignInRefused as exc:
        return visit.render(
            "login.html",
            {"next": nxt, "error": str(exc), "username": visit.field("username")},
            status=400,
        )
    visit.session = visit.session.signed_in(account.name, account.session_epoch)
    return RedirectResponse(nxt, status_code=303)


@page("logout")
async def logout(visit: Visit) -> Response:
    """Sign out: this account's session cookies stop working everywhere."""
    await run_in_threadpool(visit.accounts.end_sessions, visit.user)
    await run_in_threadpool(visit.accounts.log, visit.user, "signed-out", visit.address)
    visit.session = visit.session.anonymous()
    return RedirectResponse("/login", status_code=303)


@page("home")
async def home(visit: Visit) -> Response:
    """What this account may do, as links."""
    assert visit.account is not None
    roles = visit.account.roles
    links = [
        (path, label)
        for path, name, label in (
            ("/scan", "scan", "Scan desk"),
            ("/search", "search", "Find a disc"),
            ("/register", "register", "Register discs"),
            ("/worklist", "worklist", "Worklist: discs outstanding"),
            ("/partners", "partners", "Discs from partners: manifests and receipts"),
            ("/labels", "labels", "Labels waiting to print"),
            ("/incidents", "incidents", "Incidents and IR1s"),
            ("/governance", "governance", "Governance dashboard"),
            ("/admin", "admin", "Administration"),
        )
        if allowed(roles, name)
    ]
    return visit.render("home.html", {"links": links, "roles": list(roles)})


def routes() -> list[BaseRoute]:
    """/login, /logout, /."""
    return [
        route("/login", login, methods=["GET", "POST"]),
        route("/logout", logout, methods=["POST"]),
        route("/", home),
    ]
