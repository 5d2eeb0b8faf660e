"""Issue 18 item 10: sign-in tells no one who exists, locks no one out, and asks admins for a code."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from models.enums import Role
from pipeline import api
from pipeline.__main__ import main
from pipeline.core.accounts import (
    WRONG,
    SignInError,
    TooManyAttempts,
    create_user,
    sign_in,
)
from pipeline.core.db import unit_of_work

PASSWORD = "the-right-password"


@pytest.fixture
def url(db_url: str, settings_for) -> str:  # type: ignore[no-untyped-def]
    settings_for(db_url)
    with unit_of_work(db_url) as session:
        create_user(session, "admin", PASSWORD, Role.ADMIN)
        create_user(session, "op", PASSWORD, Role.OPERATOR)
    return db_url


def _try(
    url: str,
    name: str,
    password: str,
    source: str,
    now: datetime,
    code: str | None = None,
) -> tuple[str, float]:
    """(the answer, seconds it took); failed attempts are committed, as the API does."""
    started = time.perf_counter()
    with unit_of_work(url) as session:
        try:
            sign_in(session, name, password, now, source=source, code=code)
            answer = "signed in"
        except SignInError as error:
            answer = type(error).__name__ + ": " + str(error)
    return answer, time.perf_counter() - started


def test_unknown_and_known_names_get_the_same_answer_in_the_same_time(url: str) -> None:
    now = datetime.now(UTC)
    _try(
        url, "ghost", "x", "10.9.9.9", now
    )  # warm both paths (the dummy hash is made once)
    known, unknown = [], []
    for attempt in range(4):
        answer_known, seconds_known = _try(
            url, "admin", "wrong", f"10.0.1.{attempt}", now
        )
        answer_unknown, seconds_unknown = _try(
            url, "nobody", "wrong", f"10.0.2.{attempt}", now
        )
        assert answer_known == answer_unknown == f"SignInError: {WRONG}"
        known.append(seconds_known)
        unknown.append(seconds_unknown)
    ratio = statistics.median(known) / statistics.median(unknown)
    assert 0.5 < ratio < 2.0, (known, unknown)
    # after five failures each, both names answer alike again: a wait, the same for both
    _try(url, "admin", "wrong", "10.0.1.9", now)
    _try(url, "nobody", "wrong", "10.0.2.9", now)
    answer_known, seconds_known = _try(url, "admin", "wrong", "10.0.3.1", now)
    answer_unknown, seconds_unknown = _try(url, "nobody", "wrong", "10.0.3.2", now)
    assert answer_known == answer_unknown and answer_known.startswith("TooManyAttempts")


def test_guessing_never_locks_the_owner_out(url: str) -> None:
    now = datetime.now(UTC)
    assert _try(url, "admin", PASSWORD, "owner-laptop", now)[0] == "signed in"
    for attacker in range(8):  # a botnet: a guess from each of many sources
        _try(
            url,
            "admin",
            "guess",
            f"203.0.113.{attacker}",
            now + timedelta(seconds=attacker),
        )
    later = now + timedelta(seconds=8)
    # the owner's own machine signs in at once
    assert _try(url, "admin", PASSWORD, "owner-laptop", later)[0] == "signed in"
    # from a machine never used before, the owner waits at most a minute, then gets in
    answer, _ = _try(url, "admin", PASSWORD, "hotel-wifi", later)
    assert answer.startswith("TooManyAttempts")
    assert (
        _try(url, "admin", PASSWORD, "hotel-wifi", later + timedelta(seconds=61))[0]
        == "signed in"
    )
    # and the account itself is not locked: another operator's sign-in is untouched
    assert _try(url, "op", PASSWORD, "office-pc", later)[0] == "signed in"


def test_a_source_that_keeps_failing_waits_longer_each_time(url: str) -> None:
    now = datetime.now(UTC)
    for attempt in range(10):
        _try(url, f"name{attempt}", "guess", "198.51.100.7", now)
    with unit_of_work(url) as session, pytest.raises(TooManyAttempts) as first:
        sign_in(session, "name-x", "guess", now, source="198.51.100.7")
    for attempt in range(5):
        _try(
            url,
            f"other{attempt}",
            "guess",
            "198.51.100.7",
            now + timedelta(hours=0, seconds=600 * (attempt + 1)),
        )
    with unit_of_work(url) as session, pytest.raises(TooManyAttempts) as longer:
        sign_in(
            session,
            "name-y",
            "guess",
            now + timedelta(seconds=3000),
            source="198.51.100.7",
        )
    assert timedelta(0) < first.value.wait <= timedelta(seconds=1)
    assert longer.value.wait > timedelta(seconds=10)
    # another source is not slowed by this one
    assert _try(url, "op", PASSWORD, "203.0.113.50", now)[0] == "signed in"


def test_an_admin_with_totp_needs_the_code(url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["users", "totp", "admin"]) == 0
    uri = capsys.readouterr().out.strip()
    assert uri.startswith("otpauth://totp/Boekbrug:admin?secret=")
    secret = pyotp.parse_uri(uri).secret
    with pytest.raises(SignInError, match=WRONG):
        api.sign_in("admin", PASSWORD, source="10.1.1.1")  # no code
    with pytest.raises(SignInError, match=WRONG):
        api.sign_in(
            "admin",
            PASSWORD,
            code="000000" if pyotp.TOTP(secret).now() != "000000" else "111111",
            source="10.1.1.1",
        )
    signed = api.sign_in(
        "admin", PASSWORD, code=pyotp.TOTP(secret).now(), source="10.1.1.1"
    )
    assert api.resume(signed.token).username == "admin"
    assert main(["users", "list"]) == 0
    assert "second-factor=totp" in capsys.readouterr().out
