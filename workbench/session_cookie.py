"""The session cookie (``bb_session``): HttpOnly, set by the server, read back from the browser's request.

A Streamlit page cannot set a response header, but the server the workbench runs on can:
``workbench/server.py`` serves the app as an ``st.App`` (Streamlit's ASGI app, run by
``streamlit run workbench/server.py``) with one route of ours, ``/_boekbrug/session``:

* after sign-in the page hands the browser a one-time *grant* (random, valid 60 s, kept
  in this process), never the token; a tiny same-origin script POSTs the grant to the
  route, which answers ``Set-Cookie: bb_session=<token>; HttpOnly; SameSite=Strict``
  (``Secure`` over HTTPS). The token is never in the page and ``document.cookie`` does
  not show it;
* sign-out DELETEs through the route, which expires the cookie (a script cannot remove
  an HttpOnly cookie). The session also ends in the database, so the cookie is dead anyway;
* ``st.context.cookies`` holds the cookies the browser sent when it connected (HttpOnly
  ones too): a reload (F5) resumes the session from it.

Grants live in the workbench process that made them: several workbench processes behind one
address need sticky sessions (as Streamlit's own WebSocket and file uploads already do).
Started the old way (``streamlit run workbench/app.py``, and in AppTest) there is no route:
the cookie is then written by the script itself, without HttpOnly, as before.
The token is random (secrets.token_urlsafe), only its hash is stored server-side, and it
dies with the session.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
import time

import streamlit as st
import streamlit.components.v1 as components

NAME = "bb_session"
ROUTE = "/_boekbrug/session"
GRANT_SECONDS = 60
_TOKEN = re.compile(r"^[A-Za-z0-9_\-]{16,128}$")
log = logging.getLogger(__name__)

_grants: dict[str, tuple[str, int, float]] = {}  # grant → (token, max-age, valid until)
_lock = threading.Lock()
served = False  # True once workbench/server.py mounted the route in this process


def read() -> str | None:
    """The token the browser sent when it connected, if it looks like one of ours."""
    try:
        value = st.context.cookies.get(NAME)
    except Exception:  # no browser request (AppTest, a bare script run)
        log.debug("no cookies in this context", exc_info=True)
        return None
    return value if isinstance(value, str) and _TOKEN.match(value) else None


def grant(token: str, max_age: int) -> str:
    """A one-time grant that the route exchanges for the cookie holding ``token``."""
    made = secrets.token_urlsafe(24)
    now = time.monotonic()
    with _lock:
        for old in [g for g, (_t, _a, until) in _grants.items() if until < now]:
            del _grants[old]
        _grants[made] = (token, max_age, now + GRANT_SECONDS)
    return made


def redeem(made: str) -> tuple[str, int] | None:
    """The token and max-age a live grant stands for (once); None for an unknown, used or expired one."""
    with _lock:
        found = _grants.pop(made, None)
    if found is None or found[2] < time.monotonic():
        return None
    return found[0], found[1]


def cookie_header(token: str, max_age: int, secure: bool) -> str:
    return (f"{NAME}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict"
            + ("; Secure" if secure else ""))


def _script(body: str) -> None:
    components.html(f"<script>(function(){{var w=window.parent;{body}}})();</script>", height=0)


def write(token: str, minutes: int) -> None:
    """Keep ``token`` in the browser for ``minutes`` (the session's own life)."""
    if not _TOKEN.match(token):
        return
    max_age = max(60, minutes * 60)
    if served:
        payload = json.dumps({"grant": grant(token, max_age)})
        _script(f"w.fetch({json.dumps(ROUTE)},{{method:'POST',credentials:'same-origin',"
                f"headers:{{'Content-Type':'application/json','X-Forwarded-Https':w.location.protocol==='https:'?'1':'0'}},"
                f"body:{json.dumps(payload)}}});")
        return
    _script("var secure=w.location.protocol==='https:'?'; Secure':'';"
            f"w.document.cookie={json.dumps(NAME + '=' + token)}+'; Path=/; Max-Age={max_age}; SameSite=Strict'+secure;")


def clear() -> None:
    if served:
        _script(f"w.fetch({json.dumps(ROUTE)},{{method:'DELETE',credentials:'same-origin'}});")
    else:
        _script(f"w.document.cookie={json.dumps(NAME + '=')}+'; Path=/; Max-Age=0; SameSite=Strict';")
