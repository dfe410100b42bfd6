"""Every route for every role, against the one permission table (and the README's copy).

A route added without an entry in web.permissions.PERMISSIONS fails here; so does a route
that lets in a role the table does not list, or refuses one it does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from ledger.accounts import ROLES
from tests.web.conftest import Site, csrf_of
from web.app import routes
from web.permissions import CAPABILITIES, PERMISSIONS, PUBLIC

README = Path(__file__).parents[2] / "README.md"


def _all_routes() -> list[tuple[str, str, str]]:
    """(name, path, method) of every route the app serves."""
    found = []
    for r in routes():
        if isinstance(r, Mount):
            found.append((r.name, "/static/custody.css", "GET"))
        elif isinstance(r, Route):
            for method in sorted((r.methods or {"GET"}) - {"HEAD"}):
                found.append((r.name, r.path, method))
    return found


ROUTES = _all_routes()


def _concrete(path: str, site: Site) -> str:
    values = {
        "{media_id}": site.media[0],
        "{reason}": "lost",
        "{file}": "2026-01.csv",
        "{month}": "2026-01",
        "{name}": "trend.svg",
    }
    for key, value in values.items():
        path = path.replace(key, value)
    return path


def _request(client: TestClient, method: str, path: str, csrf: str | None) -> int:
    if method == "GET":
        return client.get(path, follow_redirects=False).status_code
    if path == "/scan":
        headers = {"x-csrf-token": csrf} if csrf else {}
        body = {"code": "CMDRECEIVE", "action": "dispatch"}
        return client.post(path, json=body, headers=headers, follow_redirects=False).status_code
    data = {"csrf": csrf} if csrf else {}
    return client.post(path, data=data, follow_redirects=False).status_code


def test_every_route_is_in_the_table() -> None:
    names = {name for name, _, _ in ROUTES}
    assert names <= set(PERMISSIONS), names - set(PERMISSIONS)
    assert set(PERMISSIONS) <= names, "the table lists a route that no longer exists"


@pytest.mark.parametrize(("name", "path", "method"), ROUTES)
def test_without_a_session_refused(
    client_for: Callable[[str | None], TestClient], site: Site, name: str, path: str, method: str
) -> None:
    client = client_for(None)
    status = _request(client, method, _concrete(path, site), csrf_of_anonymous(client))
    if name in PUBLIC:
        assert status not in (401, 403)
    else:
        assert status in (303, 401), status
        if status == 303:
            response = client.get(_concrete(path, site), follow_redirects=False)
            assert response.headers["location"].startswith("/login?next=")


def csrf_of_anonymous(client: TestClient) -> str:
    """A visitor's CSRF token (from the sign-in form): so only the missing session is tested."""
    page = client.get("/login")
    return page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize("role", ROLES)
def test_every_route_for_every_role(
    client_for: Callable[[str | None], TestClient], site: Site, role: str
) -> None:
    client = client_for(role)
    csrf = csrf_of(client)
    wrong = []
    for name, path, method in ROUTES:
        if name == "logout":
            continue  # it would end the session the rest of the walk needs; tested below
        status = _request(client, method, _concrete(path, site), csrf)
        expected_allowed = role in PERMISSIONS[name]
        if expected_allowed == (status in (401, 403)):
            wrong.append(f"{method} {path}: {status}, table says {expected_allowed}")
    assert not wrong, wrong
    assert client.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def _readme_table() -> dict[str, set[str]]:
    text = README.read_text()
    section = text.split("### Who may open what", 1)[1].split("\n#", 1)[0]
    table: dict[str, set[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 + len(ROLES) or not cells[0].startswith("`"):
            continue
        name = cells[0].strip("`")
        table[name] = {role for role, cell in zip(ROLES, cells[2:], strict=True) if cell == "yes"}
    return table


def test_readme_lists_the_same_table() -> None:
    expected = {**PERMISSIONS, **CAPABILITIES}
    assert _readme_table() == {k: set(v) for k, v in expected.items()}


def test_public_routes_are_few() -> None:
    assert {"login", "static", "health"} == PUBLIC
    assert all(re.fullmatch(r"[a-z-]+", name) for name in PERMISSIONS)
