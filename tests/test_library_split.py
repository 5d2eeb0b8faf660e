"""The library keeps a client's own sales invoices apart from its purchases and shows credit notes as credits."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from streamlit.runtime.pages_manager import PagesManager

from models import Client, Document
from models.enums import DocumentType
from pipeline import api
from pipeline.core.db import unit_of_work
from tests import workbench_data as testdata


@pytest.fixture
def world(tmp_path, monkeypatch):
    monkeypatch.setattr(PagesManager, "__init__", testdata.navigation_pinned_init())
    testdata.fast_password_hashing()
    settings, _world = testdata.build(tmp_path / "data", documents=3)
    with unit_of_work(settings.database_url) as session:
        client = session.scalars(select(Client).where(Client.name == "Bakkerij Peeters")).one()
        own, credit, *_rest = session.scalars(select(Document).where(Document.client_id == client.id)
                                              .order_by(Document.id)).all()
        own.supplier_key, own.supplier_name, own.total_incl_vat = "BE0202239951", "Bakkerij Peeters", Decimal("50.00")
        own.document_type = DocumentType.INVOICE
        credit.supplier_key, credit.document_type, credit.total_incl_vat = "BE0403019261", DocumentType.CREDIT_NOTE, \
            Decimal("121.00")
        ids = own.id, credit.id
    yield ids
    from pipeline.core.config import settings as settings_fn

    settings_fn.cache_clear()


def test_own_invoice_is_a_sale_and_a_credit_note_is_negative(world):
    own_id, credit_id = world
    accountant = api.sign_in("acc_a", testdata.PASSWORD).principal
    everything = {r["document_id"]: r for r in api.library_rows(accountant)}
    assert everything[own_id]["direction"] == "sales"
    assert everything[credit_id]["direction"] == "purchase"
    assert everything[credit_id]["signed_total"] == Decimal("-121.00")
    assert everything[own_id]["signed_total"] == Decimal("50.00")
    purchases = {r["document_id"] for r in api.library_rows(accountant, direction="purchase")}
    sales = {r["document_id"] for r in api.library_rows(accountant, direction="sales")}
    assert own_id in sales and own_id not in purchases and credit_id in purchases and not sales & purchases


def test_library_page_shows_the_two_apart(world):
    own_id, credit_id = world
    at = testdata.signed_in("client_a")
    at.switch_page("views/library.py").run()
    assert not at.exception, at.exception
    purchases = set(at.dataframe[0].value.iloc[:, 0])
    assert credit_id in purchases and own_id not in purchases
    at.button_group(key="lib_direction").set_value("sales").run()
    assert not at.exception, at.exception
    assert set(at.dataframe[0].value.iloc[:, 0]) == {own_id}
