"""The session cookie (``bb_session``): read from the browser's request, written and cleared by a tiny script.

``st.context.cookies`` holds the cookies the browser sent when it connected; writing
happens in the browser (a zero-height same-origin component sets ``document.cookie`` on
the workbench's own page). The token is random (secrets.token_urlsafe), only its hash is
stored server-side, and it dies with the session (sign-out deletes it).
"""

from __future__ import annotations

import json
import logging
import re

import streamlit as st
import streamlit.components.v1 as components

NAME = "bb_session"
_TOKEN = re.compile(r"^[A-Za-z0-9_\-]{16,128}$")
log = logging.getLogger(__name__)


def read() -> str | None:
    """The token the browser sent when it connected, if it looks like one of ours."""
    try:
        value = st.context.cookies.get(NAME)
    except Exception:  # no browser request (AppTest, a bare script run)
        log.debug("no cookies in this context", exc_info=True)
        return None
    return value if isinstance(value, str) and _TOKEN.match(value) else None


def _set(value: str, max_age: int) -> None:
    script = (
        "<script>(function(){var d=window.parent.document;"
        "var secure=window.parent.location.protocol==='https:'?'; Secure':'';"
        f"d.cookie={json.dumps(NAME + '=' + value)}+'; Path=/; Max-Age={max_age}; SameSite=Strict'+secure;"
        "})();</script>"
    )
    components.html(script, height=0)


def write(token: str, minutes: int) -> None:
    """Keep ``token`` in the browser for ``minutes`` (the session's own life)."""
    if _TOKEN.match(token):
        _set(token, max(60, minutes * 60))


def clear() -> None:
    _set("", 0)
