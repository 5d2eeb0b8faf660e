"""The Sales and Payments workbench pages render for a signed-in user and call the library."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from streamlit.testing.v1 import AppTest

from models.enums import Role
from pipeline.core.accounts import create_user, principal_of
from pipeline.core.config import PROJECT_ROOT
from pipeline.core.db import unit_of_work
from pipeline.core.i18n import format_money
from pipeline.sales import create_draft
from tests.test_payments_flow import incoming
from tests.test_sales_invoices import MIXED, seller_with_customers

PAGES = PROJECT_ROOT / "workbench" / "views"


def _table(at: AppTest, column: str):  # type: ignore[no-untyped-def]
    """The first table on the page with that column (read-only tables carry no key in AppTest)."""
    return next(df.value for df in at.dataframe if column in df.value.columns)


def _signed_in(url: str, client_id: int):  # type: ignore[no-untyped-def]
    with unit_of_work(url) as session:
        user = create_user(session, "klant", "een-lang-wachtwoord", Role.CLIENT, client_id=client_id)
        user.language = "en"  # the pages speak the user's language (tests/test_workbench_languages.py: all three)
        return principal_of(user)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sales_page_lists_customers_and_issues_a_draft(db_url: str, settings_for) -> None:  # type: ignore[no-untyped-def]
    settings_for(db_url)
    ids = seller_with_customers(db_url)
    principal = _signed_in(db_url, ids["client"])
    with unit_of_work(db_url) as session:
        draft_id = create_draft(session, ids["client"], ids["be"], MIXED).id
    at = AppTest.from_file(str(PAGES / "sales.py"), default_timeout=120)
    at.session_state["principal"] = principal
    at.run()
    assert not at.exception, at.exception
    assert "Klant NV" in _table(at, "terms (days)")["name"].tolist()
    at.button(key=f"sales_issue_{draft_id}").click().run()
    assert not at.exception, at.exception
    assert any("issued" in s.value for s in at.success)
    assert _table(at, "communication")["number"].tolist() == [f"{date.today().year}-00001"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_payments_page_prepares_a_payment_file(db_url: str, settings_for) -> None:  # type: ignore[no-untyped-def]
    settings_for(db_url)
    ids = seller_with_customers(db_url)
    principal = _signed_in(db_url, ids["client"])
    incoming(db_url, ids["client"], 1, due_date=date.today())
    copy = incoming(db_url, ids["client"], 2, due_date=date.today(), invoice_number="A-1")  # a second copy
    at = AppTest.from_file(str(PAGES / "payments.py"), default_timeout=60)
    at.session_state["principal"] = principal
    at.run()
    assert not at.exception, at.exception
    assert _table(at, "IBAN")["amount"].tolist() == [format_money(Decimal("121.00"), lang="en")]  # en_BE: 121,00 €
    assert any(f"Not paid: document {copy}" in c.value and "same supplier, number and amount" in c.value
               for c in at.caption)
    at.button(key="pay_prepare").click().run()
    assert not at.exception, at.exception
    assert any("1 payments" in s.value for s in at.success)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_credit_note_is_issued_only_after_a_yes(db_url: str, settings_for) -> None:  # type: ignore[no-untyped-def]
    settings_for(db_url)
    ids = seller_with_customers(db_url)
    principal = _signed_in(db_url, ids["client"])
    with unit_of_work(db_url) as session:
        draft_id = create_draft(session, ids["client"], ids["be"], MIXED).id
    at = AppTest.from_file(str(PAGES / "sales.py"), default_timeout=120)
    at.session_state["principal"] = principal
    at.run()
    at.button(key=f"sales_issue_{draft_id}").click().run()
    at.button(key="sales_credit").click().run()
    assert not at.exception, at.exception
    asked = " ".join(m.value for m in at.markdown)
    assert "lowers what Klant NV owes you" in asked
    assert len(_table(at, "communication")) == 2  # the credit note waits as a draft
    assert any("draft" in n for n in _table(at, "communication")["number"])
    at.button(key="sales_confirm_yes").click().run()
    assert not at.exception, at.exception
    assert any("issued" in s.value for s in at.success)
    numbers = _table(at, "communication")["number"].tolist()
    assert sorted(numbers) == [f"{date.today().year}-0000{n}" for n in (1, 2)]
