"""The workbench served as Streamlit's ASGI app, with the route that sets the HttpOnly session cookie.

``python -m streamlit run workbench/server.py`` (``make workbench``): Streamlit finds ``app``
below and runs it with uvicorn, the same flags and ``.streamlit/config.toml`` applying. The
pages are ``workbench/app.py``'s. See ``workbench/session_cookie.py`` for the cookie's life.
"""

from __future__ import annotations

import json

import streamlit as st
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from workbench import session_cookie


async def session_route(request: Request) -> Response:
    """POST ``{"grant": …}``: the cookie for the grant's token (204), 403 for a bad grant; DELETE: the cookie expired."""
    secure = (request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "") == "https"
              or request.headers.get("x-forwarded-https") == "1")
    answer = Response(status_code=204, headers={"Cache-Control": "no-store"})
    if request.method == "DELETE":
        answer.headers.append("Set-Cookie", session_cookie.cookie_header("", 0, secure))
        return answer
    try:
        body = json.loads((await request.body())[:1024] or b"{}")
    except ValueError:
        body = {}
    found = session_cookie.redeem(str(body.get("grant", ""))) if isinstance(body, dict) else None
    if found is None:
        return Response(status_code=403, headers={"Cache-Control": "no-store"})
    token, max_age = found
    answer.headers.append("Set-Cookie", session_cookie.cookie_header(token, max_age, secure))
    return answer


session_cookie.served = True
app = st.App("app.py", routes=[Route(session_cookie.ROUTE, session_route, methods=["POST", "DELETE"])])
