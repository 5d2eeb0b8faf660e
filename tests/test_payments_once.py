"""One invoice is paid once: copies, pending batches, paid invoices, left-out invoices; money in cents."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from models import Document
from models.enums import DocumentStatus
from pipeline.core.db import session_factory, unit_of_work
from pipeline.payments import prepare_payments
from pipeline.payments.camt import StatementEntry
from pipeline.payments.match import OpenItem, _pick, cents
from pipeline.payments.prepare import PAID
from tests.test_payments_flow import DUE, SUPPLIER_OGM, incoming
from tests.test_sales_invoices import seller_with_customers


def _paid_ids(url: str, client_id: int, **kwargs: object) -> tuple[list[int], dict[int, str]]:
    with unit_of_work(url) as session:
        batch = prepare_payments(session, client_id, until=DUE, **kwargs)  # type: ignore[arg-type]
    return [p.document_id for p in batch.included], {s.document_id: s.reason for s in batch.skipped}


def test_two_copies_of_one_invoice_make_one_payment(db_url: str) -> None:
    ids = seller_with_customers(db_url)
    scan = incoming(db_url, ids["client"], 1, invoice_number="F-2026/118", total_incl_vat=D("20791.66"))
    photo = incoming(db_url, ids["client"], 2, invoice_number="F 2026 118", total_incl_vat=D("20791.66"))
    ocr_slip = incoming(db_url, ids["client"], 3, invoice_number="F-2O26/118", total_incl_vat=D("20791.66"))
    other = incoming(db_url, ids["client"], 4, invoice_number="F-2026/119", total_incl_vat=D("20791.66"))
    paid, skipped = _paid_ids(db_url, ids["client"])
    assert paid == [scan, other]
    assert set(skipped) == {photo, ocr_slip}
    assert f"document {scan}" in skipped[photo] and "same supplier, number and amount" in skipped[photo]
    with session_factory(db_url)() as session:
        assert session.get(Document, photo).payment_status is None  # not paid, not lost: still visible


def test_a_copy_arriving_later_is_not_paid_again(db_url: str) -> None:
    ids = seller_with_customers(db_url)
    first = incoming(db_url, ids["client"], 1, invoice_number="INV-1718", total_incl_vat=D("1718.68"))
    assert _paid_ids(db_url, ids["client"])[0] == [first]
    pending_copy = incoming(db_url, ids["client"], 2, invoice_number="INV-1718", total_incl_vat=D("1718.68"))
    paid, skipped = _paid_ids(db_url, ids["client"])
    assert paid == [] and "waiting at the bank" in skipped[pending_copy]
    with unit_of_work(db_url) as session:
        session.get(Document, first).payment_status = PAID
    paid, skipped = _paid_ids(db_url, ids["client"])
    assert paid == [] and skipped[pending_copy].startswith("already paid")


def test_a_different_amount_or_number_is_another_invoice(db_url: str) -> None:
    ids = seller_with_customers(db_url)
    one = incoming(db_url, ids["client"], 1, invoice_number="INV-7", total_incl_vat=D("100.00"))
    credit_after = incoming(db_url, ids["client"], 2, invoice_number="INV-7", total_incl_vat=D("100.01"))
    assert sorted(_paid_ids(db_url, ids["client"])[0]) == sorted([one, credit_after])


def test_a_suspected_duplicate_is_not_paid_until_decided(db_url: str) -> None:
    ids = seller_with_customers(db_url)
    first = incoming(db_url, ids["client"], 1, invoice_number="INV-9")
    suspect = incoming(db_url, ids["client"], 2, invoice_number="INV-10")
    with unit_of_work(db_url) as session:
        session.get(Document, suspect).duplicate_of_id = first
    paid, skipped = _paid_ids(db_url, ids["client"])
    assert paid == [first] and "second copy of document" in skipped[suspect]


def test_the_client_leaves_invoices_out_of_a_batch(db_url: str) -> None:
    ids = seller_with_customers(db_url)
    keep = incoming(db_url, ids["client"], 1)
    later = incoming(db_url, ids["client"], 2)
    paid, skipped = _paid_ids(db_url, ids["client"], exclude_ids=[later])
    assert paid == [keep] and "left out" in skipped[later]
    with session_factory(db_url)() as session:
        assert session.get(Document, later).payment_status is None
        assert session.get(Document, later).status is DocumentStatus.RELEASED
    assert _paid_ids(db_url, ids["client"])[0] == [later]  # next batch: paid then


def _entry(amount: str) -> StatementEntry:
    return StatementEntry(amount=D(amount), credit=False, booking_date=date(2026, 3, 20),
                          counterparty_name="Acme BV", counterparty_iban="BE20001122334456",
                          structured_reference=SUPPLIER_OGM, unstructured=None)


def test_match_compares_and_prints_money_in_cents() -> None:
    digits = "090933755493"
    binary = D(float("1718.68"))  # an amount that went through a float on its way
    float_stored = OpenItem("purchase", 1, "INV-1718", binary, digits, None, "Acme BV")
    assert binary != D("1718.68")  # the trap the old comparison fell into
    assert _pick(_entry("1718.68"), [float_stored]) == (float_stored, "reference")
    item, why = _pick(_entry("1718.6"), [float_stored])
    assert item is None
    assert why.endswith("but the amount 1718.60 is not the 1718.68 due"), why
    copies = [OpenItem("purchase", 7, "INV-1718", D("1718.68"), digits, None, "Acme BV"),
              OpenItem("purchase", 5, "INV-1718", D("1718.680"), digits, None, "Acme BV")]
    assert _pick(_entry("1718.68"), copies) == (copies[1], "reference")  # two copies: the first one is paid
    assert str(cents(0.1 + 0.2)) == "0.30" and str(cents("20791.655")) == "20791.66"
