"""HTTP routes beside the Streamlit app (served by the same server through ``st.App``): the recruiter's
session cookie. A Streamlit script cannot set a cookie, and a cookie a page script sets cannot be HttpOnly, so
after sign-in the page sends the browser here once with a one-time code:

    /auth/session?code=...&next=/screens   trade the code for a session; Set-Cookie (HttpOnly, SameSite=Strict)
    /auth/signout?next=/screens            revoke the cookie's session and delete the cookie

The cookie holds the session token; the store keeps only its hash, and the session expires as before.
"""

from __future__ import annotations

from functools import cache

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from screening.accounts import SESSION_HOURS, redeem_handoff, sign_out
from store.db import Database

COOKIE = "interview_grader_session"


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
