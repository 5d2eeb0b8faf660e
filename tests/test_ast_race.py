"""``ast.parse`` from several threads at once, while the collector runs finalizers.

On CPython 3.11.0–3.11.7 this raised ``SystemError: AST constructor recursion depth
mismatch`` within a fraction of a second (cpython gh-106905); Streamlit parses every page
while the workbench's daemon threads log tracebacks (which parse too). Importing
``pipeline`` installs the guard; without it the stress below fails on those versions.
"""

from __future__ import annotations

import ast
import gc
import threading
import time

import pipeline  # noqa: F401  (installs the guard)
from pipeline.core import ast_race

SOURCE = "\n".join(
    f"def f{i}(a, b):\n    return [x * (a + b) for x in range({i}) if x % 3 == 1]" for i in range(300)
)


class _Cycle:
    def __del__(self) -> None:
        time.sleep(0)  # a finalizer that lets another thread run, as real ones do (I/O, locks)


def _parse_while_collecting(parse) -> list[str]:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    stop = threading.Event()

    def churn() -> None:  # garbage cycles with finalizers, collected inside the parses
        while not stop.is_set():
            cycle = _Cycle()
            cycle.me = cycle  # type: ignore[attr-defined]
            time.sleep(0.0002)

    def work() -> None:
        try:
            for _ in range(20):
                parse(SOURCE)
        except SystemError as error:
            errors.append(str(error))

    threshold = gc.get_threshold()
    gc.set_threshold(100)
    try:
        churner = threading.Thread(target=churn)
        churner.start()
        workers = [threading.Thread(target=work) for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        stop.set()
        churner.join()
    finally:
        gc.set_threshold(*threshold)
    return errors


def test_parsing_in_threads_while_finalizers_run_never_fails() -> None:
    assert _parse_while_collecting(ast.parse) == []


def test_the_guard_is_installed_exactly_where_the_interpreter_needs_it() -> None:
    assert ast_race.affected((3, 11, 7)) and ast_race.affected((3, 12, 1))
    assert not ast_race.affected((3, 11, 8)) and not ast_race.affected((3, 12, 2))
    assert not ast_race.affected((3, 13, 0)) and not ast_race.affected((3, 10, 14))
    assert hasattr(ast.parse, "__wrapped__") == ast_race.affected()
    before = ast.parse
    ast_race.install()  # a second install does not wrap twice
    assert ast.parse is before


def test_a_parse_never_waits_forever_for_the_lock(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Another thread holding the lock (stuck in a finalizer waiting on a lock this thread
    holds): this parse goes ahead without it after PATIENCE_SECONDS instead of hanging."""
    monkeypatch.setattr(ast_race, "PATIENCE_SECONDS", 0.2)
    held, done = threading.Event(), threading.Event()

    def hold() -> None:
        with ast_race._LOCK:
            held.set()
            done.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    try:
        started = time.monotonic()
        tree = ast_race.one_at_a_time(ast.parse.__wrapped__ if hasattr(ast.parse, "__wrapped__") else ast.parse)("x = 1")
        assert isinstance(tree, ast.Module) and time.monotonic() - started < 2
    finally:
        done.set()
        holder.join()
