"""The client's own invoices guard its money: bounded fields, refusals and confirmations, with the reason."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from models import Client
from models.sales import ClientProfile
from pipeline.core.db import unit_of_work
from pipeline.sales import (
    ContactInput,
    LineInput,
    SalesError,
    create_credit_note,
    create_draft,
    issue,
    save_contact,
)
from pipeline.sales.contacts import save_client_profile
from pipeline.sales.guards import CREDIT_NOTE, NO_IBAN, ZERO, NeedsConfirmation
from tests.test_sales_invoices import seller_with_customers

DAY = date(2026, 3, 16)
BREAD = [LineInput("Brood", D(10), D("2.35"), D(21))]


def test_field_lengths_are_bounded(db_url: str) -> None:
    ids = seller_with_customers(db_url)
    with unit_of_work(db_url) as session:
        with pytest.raises(SalesError, match="3,000 characters; at most 200"):
            save_contact(session, ids["client"], ContactInput("K" * 3000))
        with pytest.raises(SalesError, match="street"):
            save_contact(session, ids["client"], ContactInput("Klant BV", street="S" * 201))
        with pytest.raises(SalesError, match="e-mail"):
            save_contact(session, ids["client"], ContactInput("Klant BV", email="a@" + "b" * 260 + ".be"))
        assert save_contact(session, ids["client"], ContactInput("N" * 200)).name == "N" * 200
        with pytest.raises(SalesError, match="line description"):
            create_draft(session, ids["client"], ids["be"], [LineInput("x" * 501, D(1), D(1), D(21))])
        with pytest.raises(SalesError, match="note"):
            create_draft(session, ids["client"], ids["be"], BREAD, note="n" * 1001)
        with pytest.raises(SalesError, match="city"):
            save_client_profile(session, ids["client"], street="Kerkstraat 1", postal_code="2000", city="C" * 101)


def _draft(url: str, client_id: int, contact_id: int, lines: list[LineInput]) -> int:
    with unit_of_work(url) as session:
        return create_draft(session, client_id, contact_id, lines).id


def test_a_zero_total_asks_for_confirmation(db_url: str, settings_for) -> None:  # type: ignore[no-untyped-def]
    settings = settings_for(db_url)
    ids = seller_with_customers(db_url)
    draft = _draft(db_url, ids["client"], ids["be"], [LineInput("Gratis proefstuk", D(1), D(0), D(21))])
    with unit_of_work(db_url) as session, pytest.raises(NeedsConfirmation) as asked:
        issue(session, settings, draft, issue_date=DAY, confirmed=())
    assert set(asked.value.reasons) == {ZERO} and "0.00 EUR" in asked.value.reasons[ZERO]
    with unit_of_work(db_url) as session:
        done = issue(session, settings, draft, issue_date=DAY, confirmed=[ZERO])
        assert done.status == "issued" and done.total_incl_vat == D("0.00")


def test_a_credit_note_asks_for_confirmation_and_never_credits_more(db_url: str, settings_for) -> None:  # type: ignore[no-untyped-def]
    settings = settings_for(db_url)
    ids = seller_with_customers(db_url)
    draft = _draft(db_url, ids["client"], ids["be"], BREAD)
    with unit_of_work(db_url) as session:
        sold = issue(session, settings, draft, issue_date=DAY, confirmed=())
        sold_id, number = sold.id, sold.number
    with unit_of_work(db_url) as session:
        credit = create_credit_note(session, sold_id).id
    with unit_of_work(db_url) as session, pytest.raises(NeedsConfirmation) as asked:
        issue(session, settings, credit, issue_date=DAY, confirmed=())
    assert set(asked.value.reasons) == {CREDIT_NOTE}
    assert f"credit note of invoice {number} lowers what Klant NV owes you by 28.44 EUR" in asked.value.reasons[CREDIT_NOTE]
    with unit_of_work(db_url) as session:
        too_much = create_credit_note(session, sold_id, lines=[LineInput("Brood", D(20), D("2.35"), D(21))]).id
    with unit_of_work(db_url) as session, pytest.raises(SalesError, match="more than invoice"):
        issue(session, settings, too_much, issue_date=DAY, confirmed=[CREDIT_NOTE])
    with unit_of_work(db_url) as session:
        assert issue(session, settings, credit, issue_date=DAY, confirmed=[CREDIT_NOTE]).status == "issued"


def test_no_seller_vat_or_address_is_refused_and_no_iban_is_asked(db_url: str, settings_for) -> None:  # type: ignore[no-untyped-def]
    settings = settings_for(db_url)
    ids = seller_with_customers(db_url)
    draft = _draft(db_url, ids["client"], ids["be"], BREAD)
    with unit_of_work(db_url) as session:
        session.get(Client, ids["client"]).vat = None
    with unit_of_work(db_url) as session, pytest.raises(SalesError, match="your VAT number is missing") as refused:
        issue(session, settings, draft, issue_date=DAY)  # refused whoever asks, confirmed or not
    assert not isinstance(refused.value, NeedsConfirmation)
    with unit_of_work(db_url) as session:
        session.get(Client, ids["client"]).vat = "BE0123456749"
        profile = session.query(ClientProfile).filter_by(client_id=ids["client"]).one()
        profile.street = None
    with unit_of_work(db_url) as session, pytest.raises(SalesError, match="your address"):
        issue(session, settings, draft, issue_date=DAY, confirmed=[ZERO, CREDIT_NOTE, NO_IBAN])
    with unit_of_work(db_url) as session:
        profile = session.query(ClientProfile).filter_by(client_id=ids["client"]).one()
        profile.street, profile.iban, profile.bic = "Kerkstraat 1", None, None
    with unit_of_work(db_url) as session, pytest.raises(NeedsConfirmation) as asked:
        issue(session, settings, draft, issue_date=DAY, confirmed=())
    assert set(asked.value.reasons) == {NO_IBAN}
    with unit_of_work(db_url) as session:
        assert issue(session, settings, draft, issue_date=DAY, confirmed=[NO_IBAN]).number == "2026-00001"
