"""HTTP routes and a middleware beside the Streamlit app (served by the same server through ``st.App``): the recruiter's
session cookie. A Streamlit script cannot set a cookie, and a cookie a page script sets cannot be HttpOnly, so
after sign-in the page sends the browser here once with a one-time code:

    /auth/session?code=...&next=/screens   trade the code for a session; Set-Cookie (HttpOnly, SameSite=Strict)
    /auth/signout?next=/screens            revoke the cookie's session and delete the cookie

The cookie holds the session token; the store keeps only its hash, and the session expires as before.

A practice identity per browser profile: :class:`LearnerCookie` gives a browser that has none a random,
HttpOnly cookie when it loads a page, so a learner's progress is kept under that browser and a name typed in
another browser does not open someone else's progress.
"""

from __future__ import annotations

import secrets
from functools import cache

from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from screening.accounts import SESSION_HOURS, redeem_handoff, sign_out
from store.db import Database

COOKIE = "interview_grader_session"
LEARNER_COOKIE = "interview_grader_learner"
LEARNER_DAYS = 365


@cache
def _database() -> Database:
    return Database()


def _next(request: Request) -> str:
    """Where to go afterwards: a path on this site only (never another host)."""
    target = request.query_params.get("next", "/")
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


def session_route(request: Request) -> Response:
    response = RedirectResponse(_next(request), status_code=303)
    token = redeem_handoff(_database(), request.query_params.get("code", ""))
    if token is not None:
        response.set_cookie(
            COOKIE,
            token,
            max_age=SESSION_HOURS * 3600,
            path="/",
            httponly=True,
            samesite="strict",
            secure=_secure(request),
        )
    return response


def signout_route(request: Request) -> Response:
    sign_out(_database(), request.cookies.get(COOKIE))
    response = RedirectResponse(_next(request), status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request))
    return response


def routes() -> list[Route]:
    return [Route("/auth/session", session_route), Route("/auth/signout", signout_route)]


class LearnerCookie:
    """ASGI middleware: a page load from a browser without a practice identity sets one (not on Streamlit's
    own endpoints, assets or the websocket, which follow the page and carry the cookie it set)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or path.startswith(("/_stcore", "/static", "/media", "/component", "/auth")):
            await self.app(scope, receive, send)
            return
        if LEARNER_COOKIE in Request(scope).cookies:
            await self.app(scope, receive, send)
            return
        secure = "; Secure" if scope.get("scheme") == "https" else ""
        cookie = (
            f"{LEARNER_COOKIE}={secrets.token_urlsafe(16)}; Max-Age={LEARNER_DAYS * 86400}; Path=/; HttpOnly; "
            f"SameSite=Lax{secure}"
        )

        async def with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append("set-cookie", cookie)
            await send(message)

        await self.app(scope, receive, with_cookie)


def middleware() -> list[Middleware]:
    return [Middleware(LearnerCookie)]
