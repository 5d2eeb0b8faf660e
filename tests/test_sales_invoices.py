"""Outgoing invoices: amounts, gap-free numbering under concurrency, the never-edit rule,
credit notes, the official rules on the UBL, the PDF, and filing in the library."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal as D

import pymupdf
import pytest
from lxml import etree
from sqlalchemy import select

from models import Document, UblRelease
from models.enums import DocumentStatus
from models.sales import SalesInvoice
from pipeline.core.accounts import get_or_create_client, get_or_create_office
from pipeline.core.db import session_factory, unit_of_work
from pipeline.core.storage import read_original
from pipeline.sales import (
    LEGAL_MENTIONS,
    AlreadyIssued,
    ContactInput,
    IssueRefused,
    LineInput,
    SalesError,
    create_credit_note,
    create_draft,
    issue,
    ogm_for,
    save_client_profile,
    save_contact,
    update_draft,
)
from pipeline.sales.amounts import LineAmounts, line_net, totals
from pipeline.sales.invoices import artefacts
from pipeline.sales.numbering import next_number
from pipeline.ubl import belgian
from pipeline.ubl.validate import validate

CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
CAC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"
DAY = date(2026, 3, 16)


def seller_with_customers(url: str) -> dict[str, int]:
    """A Belgian client with its bank account, a Belgian and a German customer."""
    with unit_of_work(url) as session:
        office = get_or_create_office(session, "Kantoor Janssens")
        client = get_or_create_client(session, office, "Bakkerij Peeters", vat="BE0123456749",
                                      enterprise_number="0123456749")
        save_client_profile(session, client.id, street="Kerkstraat 1", postal_code="2000", city="Antwerpen",
                            email="info@peeters.example", iban="BE71 0961 2345 6769")
        be = save_contact(session, client.id, ContactInput("Klant NV", vat="BE 0403.170.701", street="Markt 2",
                                                           postal_code="9000", city="Gent",
                                                           email="boekhouding@klant.example", payment_terms_days=30))
        de = save_contact(session, client.id, ContactInput("Kunde GmbH", vat="DE123456788", street="Hauptstr. 5",
                                                           postal_code="10115", city="Berlin", country="DE",
                                                           payment_terms_days=14))
        return {"client": client.id, "be": be.id, "de": de.id}


MIXED = [LineInput("Brood", D(10), D("2.35"), D(21)),
         LineInput("Taart", D(3), D("14.99"), D(6), discount_percent=D(10)),
         LineInput("Koffie", D("2.5"), D("3.333"), D(21))]


def test_amounts_round_half_up_per_line_and_per_rate() -> None:
    assert line_net(D(3), D("14.99"), D(10)) == D("40.47")  # 40.473
    assert line_net(D(1), D("0.125")) == D("0.13")  # half up, not half even
    lines = [LineAmounts("a", D(1), D("0.05"), D(0), D(21), "S", D("0.05")) for _ in range(3)]
    result = totals(lines)
    # per rate: 0.15 x 21 % = 0.0315 → 0.03 (per line it would be 3 x 0.01)
    assert (result.excl_vat, result.vat, result.incl_vat) == (D("0.15"), D("0.03"), D("0.18"))
    with pytest.raises(SalesError):
        totals([])


def test_structured_communication_has_valid_check_digits() -> None:
    for client_id, year, seq in ((1, 2026, 1), (7, 2026, 42), (99, 2030, 999_999), (3, 2026, 97)):
        ogm = ogm_for(client_id, year, seq)
        assert belgian.format_ogm(ogm) == ogm and belgian.ogm_valid(ogm)
    assert len({ogm_for(1, 2026, n) for n in range(1, 300)}) == 299


def test_contacts_are_checked_with_stdnum(db_url: str) -> None:
    ids = seller_with_customers(db_url)
    with unit_of_work(db_url) as session:
        with pytest.raises(SalesError):
            save_contact(session, ids["client"], ContactInput("Fout BV", vat="BE0123456748"))
        with pytest.raises(SalesError):
            save_contact(session, ids["client"], ContactInput("Fout BV", enterprise_number="0123.456.748"))
        with pytest.raises(SalesError):
            save_contact(session, ids["client"], ContactInput("Fout BV", vat="DE123456788", country="BE"))
        ok = save_contact(session, ids["client"], ContactInput("Goed BV", enterprise_number="403.170.701"))
        assert ok.enterprise_number == "0403170701"


def test_mixed_rates_invoice_is_issued_valid_filed_and_printed(db_url: str, settings_for) -> None:
    settings = settings_for(db_url)
    ids = seller_with_customers(db_url)
    with unit_of_work(db_url) as session:
        draft = create_draft(session, ids["client"], ids["be"], MIXED)
        draft_id = draft.id
    with session_factory(db_url)() as session:
        invoice = issue(session, settings, draft_id, issue_date=DAY)
        assert invoice.number == "2026-00001"
        assert invoice.due_date == date(2026, 4, 15)
        assert belgian.ogm_valid(invoice.payment_reference)
        # 23.50 + 8.33 (2.5 x 3.333 = 8.3325) = 31.83 at 21 % → 6.68; 40.47 at 6 % → 2.43
        assert (invoice.total_excl_vat, invoice.total_vat, invoice.total_incl_vat) == (D("72.30"), D("9.11"),
                                                                                       D("81.41"))
        _, pdf, xml = artefacts(session, settings, invoice.id)
        document = session.get(Document, invoice.document_id)
        release = session.scalars(select(UblRelease).where(UblRelease.document_id == document.id)).one()
        assert document.channel == "sales" and document.status is DocumentStatus.RELEASED
        assert release.released_document_id == document.id and release.fatal_count == 0
        assert read_original(settings.data_dir, document.original_path) == pdf
    report = validate(xml)
    assert report.ok, [f.message for f in report.fatal]
    root = etree.fromstring(xml)
    assert root.findtext(f"{CBC}ID") == "2026-00001"
    assert root.findtext(f"{CAC}LegalMonetaryTotal/{CBC}PayableAmount") == "81.41"
    assert root.findtext(f"{CAC}PaymentMeans/{CBC}PaymentID") == invoice.payment_reference
    embedded = root.find(f"{CAC}AdditionalDocumentReference/{CAC}Attachment/{CBC}EmbeddedDocumentBinaryObject")
    assert embedded is not None and embedded.get("mimeCode") == "application/pdf"
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        text = " ".join(page.get_text() for page in doc).replace("\xa0", " ")
    for expected in ("2026-00001", "€ 81,41", invoice.payment_reference, "BE71 0961 2345 6769"):
        assert expected in text


@pytest.mark.parametrize("category", ["AE", "K"])
def test_reverse_charge_and_intra_eu_pass_the_official_rules_with_the_legal_mention(
        db_url: str, settings_for, category: str) -> None:
    settings = settings_for(db_url)
    ids = seller_with_customers(db_url)
    customer = ids["be"] if category == "AE" else ids["de"]
    with unit_of_work(db_url) as session:
        draft_id = create_draft(session, ids["client"], customer,
                                [LineInput("Werken / Lieferung", D(4), D(250), D(0), category)]).id
    with session_factory(db_url)() as session:
        invoice = issue(session, settings, draft_id, issue_date=DAY)
        _, pdf, xml = artefacts(session, settings, invoice.id)
    assert invoice.total_vat == D("0.00") and invoice.total_incl_vat == D("1000.00")
    report = validate(xml)
    assert report.ok, [f"{f.rule_id} {f.message}" for f in report.fatal]
    category_el = etree.fromstring(xml).find(f"{CAC}TaxTotal/{CAC}TaxSubtotal/{CAC}TaxCategory")
    assert category_el.findtext(f"{CBC}ID") == category
    assert category_el.findtext(f"{CBC}TaxExemptionReason") == LEGAL_MENTIONS[category]
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        text = doc[0].get_text().replace("\xa0", " ").replace("\xad", "-")
    assert LEGAL_MENTIONS[category].split(" – ")[0] in text


def test_issued_invoice_is_never_edited_and_a_credit_note_corrects_it(db_url: str, settings_for) -> None:
    settings = settings_for(db_url)
    ids = seller_with_customers(db_url)
    with unit_of_work(db_url) as session:
        draft_id = create_draft(session, ids["client"], ids["be"], MIXED[:1]).id
    with session_factory(db_url)() as session:
        issue(session, settings, draft_id, issue_date=DAY)
    with session_factory(db_url)() as session:
        with pytest.raises(AlreadyIssued):
            update_draft(session, draft_id, note="changed")
        with pytest.raises(AlreadyIssued):
            issue(session, settings, draft_id)
    with session_factory(db_url)() as session:  # behind the API's back: the ORM guard refuses too
        invoice = session.get(SalesInvoice, draft_id)
        invoice.total_incl_vat = D("1.00")
        with pytest.raises(AlreadyIssued):
            session.commit()
        session.rollback()
        invoice = session.get(SalesInvoice, draft_id)
        invoice.lines[0].unit_price = D(1)
        with pytest.raises(AlreadyIssued):
            session.flush()
        session.rollback()
        invoice = session.get(SalesInvoice, draft_id)
        invoice.payment_status = "paid"  # paying is not editing
        session.commit()
    with session_factory(db_url)() as session:
        credit_id = create_credit_note(session, draft_id, note="Verkeerde prijs").id
        session.commit()
        credit = issue(session, settings, credit_id, issue_date=DAY)
        assert credit.number == "2026-00002" and credit.document_type == "credit_note"
        assert credit.credit_of_id == draft_id and credit.payment_reference is None
        _, _, xml = artefacts(session, settings, credit.id)
    root = etree.fromstring(xml)
    assert etree.QName(root).localname == "CreditNote"
    assert root.findtext(f"{CAC}BillingReference/{CAC}InvoiceDocumentReference/{CBC}ID") == "2026-00001"
    assert validate(xml).ok


def test_refused_issue_keeps_the_draft_and_gives_the_number_back(db_url: str, settings_for) -> None:
    settings = settings_for(db_url)
    ids = seller_with_customers(db_url)
    with unit_of_work(db_url) as session:
        # reverse charge to a customer without a VAT number: BR-AE-04 and friends are fatal
        nobody = save_contact(session, ids["client"], ContactInput("Particulier", street="Dorp 1",
                                                                   postal_code="3000", city="Leuven"))
        bad_id = create_draft(session, ids["client"], nobody.id, [LineInput("Werk", D(1), D(100), D(0), "AE")]).id
        good_id = create_draft(session, ids["client"], ids["be"], MIXED[:1]).id
    with session_factory(db_url)() as session:
        with pytest.raises(IssueRefused) as refused:
            issue(session, settings, bad_id, issue_date=DAY)
        assert refused.value.findings
        assert session.get(SalesInvoice, bad_id).status == "draft"
        assert issue(session, settings, good_id, issue_date=DAY).number == "2026-00001"


def test_concurrent_counters_never_share_or_skip_a_number(db_url: str) -> None:
    ids = seller_with_customers(db_url)
    got: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def take(n: int) -> None:
        try:
            barrier.wait()
            for _ in range(n):
                with unit_of_work(db_url) as session:
                    got.append(next_number(session, ids["client"], 2026))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=take, args=(5,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(got) == list(range(1, 41))
    with unit_of_work(db_url) as session:
        assert next_number(session, ids["client"], 2027) == 1  # a new year starts again
        session.rollback()


def test_concurrent_issuers_get_consecutive_numbers(db_url: str, settings_for) -> None:
    settings = settings_for(db_url)
    ids = seller_with_customers(db_url)
    validate(_warm_xml(db_url, settings, ids))  # number 1; compiles the rules before the race
    with unit_of_work(db_url) as session:
        drafts = [create_draft(session, ids["client"], ids["be"], MIXED[:1]).id for _ in range(4)]
    numbers: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(drafts))

    def run(draft_id: int) -> None:
        try:
            barrier.wait()
            with session_factory(db_url)() as session:
                numbers.append(issue(session, settings, draft_id, issue_date=DAY).number)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(d,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert sorted(numbers) == ["2026-00002", "2026-00003", "2026-00004", "2026-00005"]


def _warm_xml(url: str, settings, ids: dict[str, int]) -> bytes:  # type: ignore[no-untyped-def]
    with unit_of_work(url) as session:
        draft_id = create_draft(session, ids["client"], ids["be"], MIXED[:1]).id
    with session_factory(url)() as session:
        invoice = issue(session, settings, draft_id, issue_date=DAY)
        return artefacts(session, settings, invoice.id)[2]


@pytest.mark.parametrize("which", ["pdf", "xml"])
def test_a_changed_file_of_an_issued_invoice_is_never_handed_over(db_url: str, settings_for, which: str) -> None:
    from pipeline.deliver.download import DamagedRelease

    settings = settings_for(db_url)
    ids = seller_with_customers(db_url)
    with unit_of_work(db_url) as session:
        draft_id = create_draft(session, ids["client"], ids["be"], MIXED).id
    with session_factory(db_url)() as session:
        invoice = issue(session, settings, draft_id, issue_date=DAY)
        document = session.get(Document, invoice.document_id)
        release = session.scalars(select(UblRelease).where(UblRelease.document_id == document.id)).one()
        stored = settings.data_dir / (document.original_path if which == "pdf" else release.xml_path)
        stored.chmod(0o644)
        stored.write_bytes(stored.read_bytes() + b"\n<!-- changed after issue -->\n")
        with pytest.raises(DamagedRelease, match="damaged"):
            artefacts(session, settings, invoice.id)
