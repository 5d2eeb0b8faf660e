"""Onboarding: clients created with checked numbers, users invited by a one-time e-mailed link,
passwords reset by e-mail, users deactivated; an accountant acts for their own office only.

E-mail goes to a real local SMTP server (aiosmtpd); the database is the workbench fixture's.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from streamlit.runtime.pages_manager import PagesManager

from models import AccountingOffice, AuditEntry, User
from models.enums import Role
from models.tenancy import AccountLink
from pipeline import api
from pipeline.api import onboarding
from pipeline.core.config import settings as settings_fn
from pipeline.core.db import unit_of_work
from pipeline.core.errors import Conflict, Forbidden, NotFound
from tests import workbench_data as testdata
from tests.smtp_inbox import Inbox


@pytest.fixture
def world(tmp_path, monkeypatch, smtp_inbox) -> Iterator[tuple[Inbox, str]]:
    monkeypatch.setattr(PagesManager, "__init__", testdata.navigation_pinned_init())
    testdata.fast_password_hashing()
    inbox, port = smtp_inbox
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("SMTP_STARTTLS", "0")
    monkeypatch.setenv("SMTP_FROM", "boekbrug@example.be")
    settings, _world = testdata.build(tmp_path / "data", documents=1)
    yield inbox, settings.database_url
    settings_fn.cache_clear()


def _principal(name: str) -> api.Principal:
    return api.sign_in(name, testdata.PASSWORD).principal


def test_accountant_creates_a_client_with_checked_numbers(world):
    accountant = _principal("acc_a")
    made = onboarding.create_client(accountant, "Slagerij Wouters", vat="be 0202.239.951", vat_period="monthly",
                                    language="fr")
    assert (made.vat, made.enterprise_number, made.vat_period, made.office_id) == (
        "BE0202239951", "0202239951", "monthly", accountant.office_id)
    with pytest.raises(onboarding.InvalidInput):
        onboarding.create_client(accountant, "Foutief BV", vat="BE0202239952")  # wrong check digits
    with pytest.raises(onboarding.InvalidInput):
        onboarding.create_client(accountant, "Foutief BV", enterprise_number="0202.239.952")
    with pytest.raises(api.BoekbrugError):
        onboarding.create_client(accountant, "Slagerij Wouters")  # twice


def test_an_accountant_cannot_act_for_another_office(world):
    _inbox, url = world
    accountant = _principal("acc_a")
    with unit_of_work(url) as session:
        other = session.scalars(select(AccountingOffice).where(AccountingOffice.name == "Kantoor Zuid")).one().id
        stranger = session.scalars(select(User).where(User.username == "acc_b")).one().id
    with pytest.raises(Forbidden):
        onboarding.invite_user(accountant, "nieuw@zuid.be", "Nieuw", Role.ACCOUNTANT, office_id=other)
    with pytest.raises(Forbidden):
        onboarding.create_client(accountant, "Niet van ons", office_id=other)
    with pytest.raises(Forbidden):
        onboarding.deactivate_user(accountant, stranger)
    with pytest.raises(Forbidden):
        onboarding.users_of(accountant, office_id=other)
    with pytest.raises(Forbidden):
        onboarding.invite_user(_principal("op1"), "x@y.be", "X", Role.ACCOUNTANT)
    with pytest.raises(Forbidden):
        onboarding.invite_user(_principal("client_a"), "x@y.be", "X", Role.CLIENT)
    with pytest.raises(Forbidden):  # an office never makes staff of the validation centre
        onboarding.invite_user(accountant, "op@y.be", "Op", Role.OPERATOR)


def test_invitation_link_sets_the_password_once(world):
    inbox, _url = world
    accountant = _principal("acc_a")
    client = onboarding.clients_of(accountant)[0]
    user = onboarding.invite_user(accountant, "An@Bakkerij.be", "An Peeters", Role.CLIENT, client_id=client.id,
                                  base_url="https://boekbrug.example")
    assert user.username == "an@bakkerij.be" and user.invited
    assert inbox.messages[-1]["To"] == "an@bakkerij.be"
    token = inbox.link_token()
    assert "https://boekbrug.example/setpassword?token=" in inbox.messages[-1].get_content()
    with pytest.raises(api.SignInError):
        api.sign_in("an@bakkerij.be", "whatever-password")
    assert onboarding.link_purpose(token) == "invite"
    with pytest.raises(onboarding.InvalidInput):
        onboarding.set_password(token, "short")
    assert onboarding.set_password(token, "een-lang-wachtwoord") == "an@bakkerij.be"
    signed = api.sign_in("an@bakkerij.be", "een-lang-wachtwoord")
    assert signed.principal.role is Role.CLIENT and signed.principal.client_id == client.id
    with pytest.raises(onboarding.LinkInvalid):
        onboarding.set_password(token, "nog-een-wachtwoord")  # single use
    assert onboarding.link_purpose(token) is None


def test_reset_by_email_expires_and_says_nothing_about_unknown_addresses(world):
    inbox, url = world
    accountant = _principal("acc_a")
    onboarding.invite_user(accountant, "jo@kantoor.be", "Jo", Role.ACCOUNTANT)
    onboarding.set_password(inbox.link_token(), "eerste-wachtwoord")
    sent = len(inbox.messages)
    onboarding.request_reset("niemand@nergens.be")  # unknown: no error, no mail
    assert len(inbox.messages) == sent
    onboarding.request_reset("JO@kantoor.be ")
    assert len(inbox.messages) == sent + 1
    token = inbox.link_token()
    with unit_of_work(url) as session:  # only the hash is stored
        assert session.scalars(select(AccountLink.token_hash)).all() and token not in session.scalars(
            select(AccountLink.token_hash)).all()
    onboarding.set_password(token, "tweede-wachtwoord")
    assert api.sign_in("jo@kantoor.be", "tweede-wachtwoord").principal.username == "jo@kantoor.be"
    onboarding.request_reset("jo@kantoor.be")
    late = inbox.link_token()
    with unit_of_work(url) as session:
        session.execute(update(AccountLink).where(AccountLink.used_at.is_(None))
                        .values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    with pytest.raises(onboarding.LinkInvalid):
        onboarding.set_password(late, "derde-wachtwoord")


def test_deactivated_user_cannot_sign_in_and_loses_the_session(world):
    inbox, _url = world
    accountant = _principal("acc_a")
    made = onboarding.invite_user(accountant, "weg@kantoor.be", "Weg", Role.ACCOUNTANT)
    onboarding.set_password(inbox.link_token(), "een-lang-wachtwoord")
    session_token = api.sign_in("weg@kantoor.be", "een-lang-wachtwoord").token
    assert api.resume(session_token) is not None
    assert not onboarding.deactivate_user(accountant, made.id).active
    assert api.resume(session_token) is None
    with pytest.raises(api.SignInError):
        api.sign_in("weg@kantoor.be", "een-lang-wachtwoord")
    with pytest.raises(NotFound):
        onboarding.deactivate_user(accountant, 10_000)


# ---------------------------------------------------------------------- the pages (AppTest)
def _submit(at) -> None:  # type: ignore[no-untyped-def]
    """Press the page's form button (the one without a key of ours; the sidebar's has one)."""
    next(b for b in at.button if not (b.key or "").startswith(("sign_out", "users_"))).click().run()


def test_clients_page_creates_a_client_and_says_why_a_number_is_wrong(world):
    at = testdata.signed_in("acc_a")
    at.switch_page("views/clients.py").run()
    assert not at.exception, at.exception
    at.text_input(key="client_name").input("Frituur Gent")
    at.text_input(key="client_vat").input("BE0202239952")  # a wrong check digit
    _submit(at)
    assert not at.exception, at.exception
    assert at.error and "BE0202239952" in at.error[0].value
    assert "Frituur Gent" not in set(at.dataframe[0].value.iloc[:, 0])
    at.text_input(key="client_vat").input("BE0403019261")
    _submit(at)
    assert not at.exception, at.exception
    assert "Frituur Gent" in set(at.dataframe[0].value.iloc[:, 0])


def test_users_page_invites_and_deactivates(world):
    inbox, _url = world
    at = testdata.signed_in("acc_a")
    at.switch_page("views/users.py").run()
    assert not at.exception, at.exception
    listed = set(at.dataframe[0].value.iloc[:, 0])
    assert "acc_a" in listed and "acc_b" not in listed  # another office's users are not listed
    at.text_input(key="invite_email").input("nieuw@kantoor.be")
    at.text_input(key="invite_name").input("Nieuw")
    _submit(at)
    assert not at.exception, at.exception
    assert inbox.messages and inbox.messages[-1]["To"] == "nieuw@kantoor.be"
    assert "nieuw@kantoor.be" in set(at.dataframe[0].value.iloc[:, 0])
    choices = [u.username for u in onboarding.users_of(_principal("acc_a")) if u.active and u.username != "acc_a"]
    at.selectbox(key="users_deactivate_choice").select_index(choices.index("nieuw@kantoor.be"))
    at.button(key="users_deactivate").click().run()
    assert not at.exception, at.exception
    assert not next(u for u in onboarding.users_of(_principal("acc_a")) if u.username == "nieuw@kantoor.be").active


def test_set_password_page_with_a_link(world):
    from streamlit.testing.v1 import AppTest

    inbox, _url = world
    onboarding.invite_user(_principal("acc_a"), "lien@kantoor.be", "Lien", Role.ACCOUNTANT)
    token = inbox.link_token()
    at = AppTest.from_file(testdata.APP, default_timeout=60)
    at.query_params["token"] = token
    at.switch_page("views/setpassword.py").run()
    assert not at.exception, at.exception
    at.text_input(key="setpw_1").input("een-lang-wachtwoord")
    at.text_input(key="setpw_2").input("een-lang-wachtwoord")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert api.sign_in("lien@kantoor.be", "een-lang-wachtwoord").principal.username == "lien@kantoor.be"


def test_invitation_sent_again_gives_a_new_link_and_ends_the_old_one(world):
    inbox, url = world
    accountant = _principal("acc_a")
    user = onboarding.invite_user(accountant, "laat@kantoor.be", "Laat", Role.ACCOUNTANT, base_url="https://bb.example")
    first = inbox.link_token()
    again = onboarding.resend_invitation(accountant, user.id, base_url="https://bb.example")
    assert again.invited and len(inbox.messages) == 2 and inbox.messages[-1]["To"] == "laat@kantoor.be"
    second = inbox.link_token()
    assert second != first
    assert onboarding.link_purpose(first) is None and onboarding.link_purpose(second) == "invite"
    with pytest.raises(onboarding.LinkInvalid):
        onboarding.set_password(first, "een-lang-wachtwoord")
    assert onboarding.set_password(second, "een-lang-wachtwoord") == "laat@kantoor.be"
    with pytest.raises(Conflict):  # a password chosen: a reset, not an invitation, from now on
        onboarding.resend_invitation(accountant, user.id)
    with pytest.raises(Forbidden):  # another office's accountant
        onboarding.resend_invitation(_principal("acc_b"), user.id)
    with unit_of_work(url) as session:
        actions = [e.action for e in session.scalars(select(AuditEntry).where(AuditEntry.target == f"user:{user.id}"))]
    assert actions.count("invitation_resent") == 1


def test_reactivated_user_signs_in_again(world):
    _inbox, url = world
    accountant = _principal("acc_a")
    user = onboarding.invite_user(accountant, "terug@kantoor.be", "Terug", Role.ACCOUNTANT)
    token = _inbox.link_token()
    onboarding.set_password(token, "een-lang-wachtwoord")
    onboarding.deactivate_user(accountant, user.id)
    with pytest.raises(api.SignInError):
        api.sign_in("terug@kantoor.be", "een-lang-wachtwoord")
    with pytest.raises(Conflict):
        onboarding.resend_invitation(accountant, user.id)  # deactivated: reactivate first
    back = onboarding.reactivate_user(accountant, user.id)
    assert back.active and not back.invited
    assert api.sign_in("terug@kantoor.be", "een-lang-wachtwoord").principal.user_id == user.id
    with unit_of_work(url) as session:
        actions = [e.action for e in session.scalars(select(AuditEntry).where(AuditEntry.target == f"user:{user.id}"))]
    assert "user_reactivated" in actions


def test_users_page_sends_again_and_reactivates_in_dutch(world):
    inbox, url = world
    accountant = _principal("acc_a")
    waiting = onboarding.invite_user(accountant, "wacht@kantoor.be", "Wacht", Role.ACCOUNTANT)
    old = inbox.link_token()
    gone = onboarding.invite_user(accountant, "weg2@kantoor.be", "Weg", Role.ACCOUNTANT)
    onboarding.deactivate_user(accountant, gone.id)
    with unit_of_work(url) as session:
        session.scalars(select(User).where(User.username == "acc_a")).one().language = "nl"
    at = testdata.signed_in("acc_a")
    at.switch_page("views/users.py").run()
    assert not at.exception, at.exception
    assert at.button(key="users_resend").label == "Opnieuw versturen"
    choices = at.selectbox(key="users_resend_choice").options
    at.selectbox(key="users_resend_choice").select_index(next(i for i, o in enumerate(choices) if "wacht@" in o))
    at.button(key="users_resend").click().run()
    assert not at.exception, at.exception
    assert inbox.messages[-1]["To"] == "wacht@kantoor.be" and inbox.link_token() != old
    assert onboarding.link_purpose(old) is None
    assert any("wacht@kantoor.be" in s.value.replace("\\", "") and "werkt niet meer" in s.value for s in at.success), \
        [s.value for s in at.success]
    at.button(key="users_reactivate").click().run()  # the only deactivated user is chosen
    assert not at.exception, at.exception
    assert next(u for u in onboarding.users_of(accountant) if u.id == gone.id).active
    assert any("kan opnieuw aanmelden" in s.value for s in at.success), [s.value for s in at.success]
    assert waiting.invited


def test_clients_page_says_a_wrong_number_in_dutch(world):
    _inbox, url = world
    with unit_of_work(url) as session:
        session.scalars(select(User).where(User.username == "acc_a")).one().language = "nl"
    at = testdata.signed_in("acc_a")
    at.switch_page("views/clients.py").run()
    at.text_input(key="client_name").input("Frituur Gent")
    at.text_input(key="client_vat").input("BE0202239952")  # a wrong check digit
    _submit(at)
    assert not at.exception, at.exception
    said = at.error[0].value.replace("\\", "")
    assert "Btw-nummer BE0202239952: Het controlegetal van het nummer klopt niet." in said, said
    assert "Verbeter de waarde en probeer opnieuw." in said and "checksum" not in said
