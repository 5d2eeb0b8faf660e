"""One ``ast.parse`` at a time in this process, on the CPython versions that need it.

CPython 3.11.0–3.11.7 and 3.12.0–3.12.1 keep the depth counter of the AST constructor
(``PyAST_mod2obj``, what ``ast.parse`` runs) in state shared by every thread. When the
garbage collector runs a finalizer in the middle of a parse, another thread may parse
too, and one of the two fails with ``SystemError: AST constructor recursion depth
mismatch`` (cpython gh-106905, mended in 3.11.8 and 3.12.2).

Boekbrug's processes parse from several threads: Streamlit parses every page before it
runs it, and on 3.11 every traceback a daemon thread logs (queue upkeep, recovery, a
worker's heartbeat) parses its source lines to place the carets. A page then failed
once in a while for no reason of its own. ``install`` wraps ``ast.parse`` in one
process-wide re-entrant lock where the interpreter has the bug, and does nothing where
it has not.
"""

from __future__ import annotations

import ast
import functools
import sys
import threading
from collections.abc import Callable
from typing import Any

_LOCK = threading.RLock()
_MARK = "_boekbrug_one_at_a_time"
# a parse takes milliseconds; a thread that waits longer than this parses without the lock
# rather than wait on: should a finalizer run inside one parse wait for a lock held by a
# thread that waits here (a logging handler's, formatting a traceback), nobody would move on
PATIENCE_SECONDS = 2.0


def affected(version: tuple[int, ...] = tuple(sys.version_info[:3])) -> bool:
    """Whether this interpreter shares the AST constructor's depth between threads."""
    return (3, 11, 0) <= version < (3, 11, 8) or (3, 12, 0) <= version < (3, 12, 2)


def one_at_a_time(parse: Callable[..., Any]) -> Callable[..., Any]:
    """``parse`` behind the process-wide lock."""

    @functools.wraps(parse)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not _LOCK.acquire(timeout=PATIENCE_SECONDS):
            return parse(*args, **kwargs)  # the bug's rare error rather than a hang
        try:
            return parse(*args, **kwargs)
        finally:
            _LOCK.release()

    setattr(guarded, _MARK, True)
    return guarded


def install() -> None:
    """Serialise ``ast.parse`` in this process if the interpreter needs it (idempotent)."""
    if affected() and not getattr(ast.parse, _MARK, False):
        ast.parse = one_at_a_time(ast.parse)  # type: ignore[assignment]
