"""What the Library, Documents, booking, notices, decisions and the typed values of the API refuse a person
is said in Dutch and French: the real functions raise, ``BoekbrugError.words`` says it from its template,
no English left; the HTTP API keeps its codes. And the Documents page in Dutch shows such a refusal.
"""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from models import Document, User
from models.enums import DocumentStatus
from pipeline.core.db import unit_of_work
from pipeline.core.errors import BoekbrugError
from tests import workbench_data as testdata
from tests.test_error_words import _said_everywhere, english_left
from tests.test_workbench_pages import (
    texts,
    world,  # noqa: F401  (the fixture: a small seeded database)
)


def _raised(call):  # type: ignore[no-untyped-def]
    with pytest.raises(BoekbrugError) as raised:
        call()
    return raised.value


def _principal(settings, username: str):  # type: ignore[no-untyped-def]
    from pipeline.core.accounts import principal_of

    with unit_of_work(settings.database_url) as session:
        return principal_of(session.scalars(select(User).where(User.username == username)).one())


def test_what_a_person_can_type_wrong_is_said_in_dutch_and_french() -> None:
    from pipeline.api.live import parse_amount, parse_input

    made = [_raised(lambda: parse_input("issue_date", "31/02/2026")), _raised(lambda: parse_input("due_date", "gisteren")),
            _raised(lambda: parse_input("currency", "euro's")), _raised(lambda: parse_amount("twaalf")),
            _raised(lambda: parse_amount("1,234.56,7")), _raised(lambda: parse_input("vat_breakdown", "21%")),
            _raised(lambda: parse_input("vat_breakdown", [{"rate": "x", "base": "y", "amount": "z"}]))]
    for error in made:
        assert error.code == "invalid_value"
        _said_everywhere(error)
    assert made[0].message == "'31/02/2026' is not a date in the calendar"  # the English (API detail) as before
    assert made[0].words("nl").startswith("'31/02/2026' ")
    assert made[2].words("fr").startswith('"euro\'s" n\'est pas un code de devise')


@pytest.mark.usefixtures("world")
def test_what_the_library_documents_and_booking_refuse_is_said_in_dutch_and_french(world) -> None:  # noqa: F811
    from pipeline.api import decisions, documents, feed, library, notices, preferences
    from pipeline.api.dashboard import (
        dashboard,  # the package exports the function under the module's name
    )
    from pipeline.api.feed import LineBooking

    settings, ids, _jobs = world
    client, operator, accountant, supervisor = (_principal(settings, name) for name in
                                                ("client_a", "op1", "acc_a", "super"))
    with unit_of_work(settings.database_url) as session:
        waiting = session.scalars(select(Document.id).where(Document.status == DocumentStatus.NEEDS_VALIDATION)).first()
    ghost = dataclasses.replace(operator, user_id=999_999)
    made = {
        "deliver again": _raised(lambda: library.deliver_again(client, waiting)),
        "book as operator": _raised(lambda: library.propose_booking(operator, waiting)),
        "no proposal": _raised(lambda: library.decide_booking(accountant, 999_999, "604000", "21")),
        "retry": _raised(lambda: documents.retry(client, waiting)),
        "deliver": _raised(lambda: feed.mark_delivered(accountant, waiting)),
        "book": _raised(lambda: feed.book(accountant, waiting, lines=[LineBooking(7, "604000", None)])),
        "task": _raised(lambda: decisions.mark_duplicate_of(operator, 999_999, 1, waiting)),
        "notices": _raised(lambda: notices.set_notices(operator, ids.client_a, "a@b.be", "weekly")),
        "user": _raised(lambda: preferences.set_language(ghost, "nl")),
        "dashboard": _raised(lambda: dashboard(supervisor, client_id=999_999)),
    }
    for error in made.values():
        _said_everywhere(error)
    assert made["retry"].code == "conflict" and made["retry"].message == (
        f"document {waiting} has not failed: there is nothing to read again")
    assert made["retry"].words("nl").startswith(f"document {waiting} is niet mislukt: er valt niets opnieuw te lezen")
    assert made["book as operator"].words("fr").startswith("en tant qu") and "opérateur" in made["book as operator"].words("fr")
    assert made["deliver"].words("fr") == (f"le document {waiting} n'est pas encore publié : seuls les documents publiés "
                                          "sont livrés — attendez que le document soit publié")
    assert [made[k].code for k in ("deliver again", "no proposal", "task", "user", "dashboard")] == [
        "forbidden", "not_found", "not_found", "not_found", "not_found"]


@pytest.mark.usefixtures("world")
def test_the_documents_page_in_dutch_refuses_another_offices_document_and_a_second_retry(world) -> None:  # noqa: F811
    """In Dutch: a document of another office asked by its number is refused in plain words (no code, no
    English, not even whether it exists); and retrying a document read again meanwhile says why in Dutch."""
    from pipeline.api import retry

    settings, ids, jobs = world
    with unit_of_work(settings.database_url) as session:
        session.scalars(select(User).where(User.username == "client_a")).one().language = "nl"
        failed = session.scalars(select(Document.id).where(Document.status == DocumentStatus.FAILED)).one()
        foreign = testdata.add_failed_document(session, settings, ids.client_b, name="van-een-ander.pdf")
    at = testdata.signed_in("client_a")
    at.query_params["document"] = str(foreign)
    at.switch_page("views/documents.py").run()
    assert not at.exception, at.exception
    warned = [w.value.replace("\\", "") for w in at.warning]
    assert "Dit document bestaat niet of u mag het niet zien." in warned, warned
    assert "van-een-ander.pdf" not in texts(at) and not any(english_left(text) for text in warned)
    at.button(key=f"retry-{failed}").click().run()  # read again: no longer failed
    assert not at.exception, at.exception
    assert ("read_job", failed) in jobs
    again = _raised(lambda: retry(_principal(settings, "client_a"), failed))  # a second tab clicks Retry too
    assert again.words("nl") == (f"document {failed} is niet mislukt: er valt niets opnieuw te lezen — Iemand anders "
                                 "heeft dit eerst gewijzigd; laad opnieuw en probeer nog eens.")
