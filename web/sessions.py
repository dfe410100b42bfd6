"""Sessions: a signed cookie (HttpOnly, SameSite=Strict, Secure behind TLS) with an idle timeout.

The cookie holds the account name, the account's session epoch (bumped by sign-out, a new
password, a change of roles or disabling, so older cookies stop working) and the CSRF token
that every state-changing request must send back. It is re-signed on every response, so it
expires only after `idle` without a request. A visitor who has not signed in gets a cookie
too, holding only a CSRF token for the sign-in form.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, replace
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

COOKIE = "custody_session"
# __Host- cookies must be Secure, host-only and for path /: used behind TLS.
SECURE_COOKIE = "__Host-custody_session"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Session:
    """Who is signed in (None: nobody), their session epoch, the CSRF token."""

    user: str | None
    epoch: int
    csrf: str

    @classmethod
    def anonymous(cls) -> Session:
        """A visitor who has not signed in."""
        return cls(None, 0, secrets.token_urlsafe(24))

    def signed_in(self, user: str, epoch: int) -> Session:
        """A new session for `user` (a fresh CSRF token, as after any change of who)."""
        return replace(self, user=user, epoch=epoch, csrf=secrets.token_urlsafe(24))


class Sessions:
    """Reads and writes the session cookie with the server's secret."""

    def __init__(self, secret: str, *, idle_seconds: int) -> None:
        self.serializer = URLSafeTimedSerializer(secret, salt="custody-session")
        self.idle_seconds = idle_seconds

    def read(self, request: Request) -> Session:
        """The request's session; an anonymous one if the cookie is missing, forged or idle."""
        raw = request.cookies.get(SECURE_COOKIE) or request.cookies.get(COOKIE)
        if not raw:
            return Session.anonymous()
        try:
            data: dict[str, Any] = self.serializer.loads(raw, max_age=self.idle_seconds)
            return Session(data.get("u"), int(data.get("e", 0)), str(data["c"]))
        except (BadSignature, KeyError, TypeError, ValueError):
            return Session.anonymous()

    def write(self, request: Request, response: Response, session: Session) -> None:
        """Set the cookie (re-signed now, so the idle timeout starts again)."""
        value = self.serializer.dumps({"u": session.user, "e": session.epoch, "c": session.csrf})
        secure = request.url.scheme == "https"
        response.set_cookie(
            SECURE_COOKIE if secure else COOKIE,
            value,
            max_age=self.idle_seconds,
            path="/",
            secure=secure,
            httponly=True,
            samesite="strict",
        )


def csrf_ok(session: Session, sent: str | None) -> bool:
    """The request sent back this session's CSRF token."""
    return bool(sent) and hmac.compare_digest(session.csrf, sent or "")
