"""The workbench speaks the user's language: the office's by default, the user's own once chosen."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from streamlit.runtime.pages_manager import PagesManager

from models import AccountingOffice, User
from pipeline.core.db import unit_of_work
from tests import workbench_data as testdata


@pytest.fixture
def settings(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(PagesManager, "__init__", testdata.navigation_pinned_init())
    testdata.fast_password_hashing()
    current, _world = testdata.build(tmp_path / "data", documents=1)
    yield current
    from pipeline.core.config import settings as settings_fn

    settings_fn.cache_clear()


def _buttons(at) -> set[str]:  # type: ignore[no-untyped-def]
    return {b.label for b in at.button}


def test_office_language_is_the_default_and_a_user_can_choose(settings) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(settings.database_url) as session:
        for office in session.scalars(select(AccountingOffice)):
            office.language = "fr"
    at = testdata.signed_in("acc_a")  # an accountant of the office: its language until they choose
    assert "Se déconnecter" in _buttons(at), _buttons(at)
    at.selectbox(key="language_choice").set_value("nl").run()
    assert not at.exception, at.exception
    assert "Afmelden" in _buttons(at), _buttons(at)
    with unit_of_work(settings.database_url) as session:
        assert session.scalars(select(User.language).where(User.username == "acc_a")).one() == "nl"


def test_english_stays_english(settings) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(settings.database_url) as session:
        session.scalars(select(User).where(User.username == "op1")).one().language = "en"
    at = testdata.signed_in("op1")
    assert "Sign out" in _buttons(at)
