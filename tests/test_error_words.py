"""What sales, payments, delivery and the UBL rules answer a person, in Dutch and French: the real
functions raise, and the error (``BoekbrugError.words``) or the remedy (``pipeline.ubl.remedies``)
is said from its template, nothing left in English. Also: a document type typed in Dutch or French.
"""

from __future__ import annotations

import re

import pytest

from models.enums import DocumentType
from pipeline.core.check_words import check_words
from pipeline.core.fields import document_type_from_text
from pipeline.core.i18n import translate

ENGLISH = re.compile(r"\b(?:the|not|has|cannot|found|invoice|only|missing|needs|with|which|must|should)\b")


def english_left(said: str) -> list[str]:
    """English words left in ``said`` (numbers, names and codes aside)."""
    return ENGLISH.findall(said)


@pytest.mark.parametrize(("typed", "expected"), [
    ("Note de crédit", DocumentType.CREDIT_NOTE), ("note de credit", DocumentType.CREDIT_NOTE),
    ("Facture d’avoir", DocumentType.CREDIT_NOTE), ("facture d'avoir", DocumentType.CREDIT_NOTE),
    ("avoir", DocumentType.CREDIT_NOTE), ("Creditnota", DocumentType.CREDIT_NOTE),
    ("kredietnota", DocumentType.CREDIT_NOTE), ("credit-note", DocumentType.CREDIT_NOTE),
    ("credit_note", DocumentType.CREDIT_NOTE), ("Ticket de caisse", DocumentType.RECEIPT),
    ("reçu", DocumentType.RECEIPT), ("kasticket", DocumentType.RECEIPT), ("Factuur", DocumentType.INVOICE),
    ("facture", DocumentType.INVOICE), ("geen factuur", DocumentType.NOT_AN_INVOICE),
    ("pas une facture", DocumentType.NOT_AN_INVOICE), ("not_an_invoice", DocumentType.NOT_AN_INVOICE),
    ("nota", None), ("", None), (None, None),
])
def test_a_document_type_typed_in_dutch_or_french(typed: str | None, expected: DocumentType | None) -> None:
    assert document_type_from_text(typed) is expected


def test_the_document_type_hint_asks_for_words_of_the_language() -> None:
    from pipeline.core.check_words import DOCUMENT_TYPE_HINT

    french = translate(DOCUMENT_TYPE_HINT, "fr")
    dutch = translate(DOCUMENT_TYPE_HINT, "nl")
    assert "credit note" not in french and "receipt" not in french, french
    assert "credit note" not in dutch and "receipt" not in dutch, dutch
    for said in (french, dutch):  # every word the hint asks for is understood
        asked = re.sub(r"^(?:tapez|typ)\s+", "", said).replace(" ou ", ", ").replace(" of ", ", ")
        for word in asked.split(", "):
            assert document_type_from_text(word) is not None, (word, said)


# ------------------------------------------------------------------ errors of sales, payments, delivery
def _raised(call):  # type: ignore[no-untyped-def]
    from pipeline.core.errors import BoekbrugError

    with pytest.raises(BoekbrugError) as raised:
        call()
    return raised.value


def _said_everywhere(error) -> None:  # type: ignore[no-untyped-def]
    """The error in nl and fr: its template and hint translated, no English sentence left."""
    for lang in ("nl", "fr"):
        said = error.words(lang)
        assert translate(error.template, lang) != error.template, (error.template, lang)
        if error.hint:
            assert translate(error.hint, lang) != error.hint, (error.hint, lang)
        assert not english_left(said), (said, lang)
        assert "{" not in said, said  # every parameter filled
    assert error.words("en") == (f"{error.message} — {error.hint}" if error.hint else error.message)


def test_what_sales_payments_and_delivery_refuse_is_said_in_dutch_and_french() -> None:
    from decimal import Decimal as D

    from models.enums import TargetKind
    from pipeline.deliver.client_notices import set_notice_setting
    from pipeline.deliver.targets import check_address
    from pipeline.payments.camt import parse_camt053
    from pipeline.payments.prepare import confirm_new_iban
    from pipeline.sales.amounts import check_rate, line_net, ogm_for
    from pipeline.sales.guards import NeedsConfirmation
    from pipeline.sales.limits import bounded

    calls = [
        lambda: line_net(D(1), D(10), D(150)), lambda: check_rate(D(7), "S"), lambda: check_rate(D(21), "X"),
        lambda: check_rate(D(6), "Z"), lambda: bounded("x" * 3000, "customer name"),
        lambda: bounded("y" * 600, "line description"), lambda: ogm_for(1, 2026, 0),
        lambda: parse_camt053(b"<Document xmlns='urn:example:other'/>"),
        lambda: check_address(TargetKind.EMAIL, "boekhouding"),
        lambda: check_address(TargetKind.WEBHOOK, "http://boekhouding.example/in"),
        lambda: set_notice_setting(None, 1, "geen adres", "weekly"),  # type: ignore[arg-type]
        lambda: confirm_new_iban(None, 1, "BE0403170701", "BE00 1234"),  # type: ignore[arg-type]
    ]
    for call in calls:
        _said_everywhere(_raised(call))
    too_long = _raised(lambda: bounded("x" * 3000, "customer name"))
    assert too_long.message == "the customer name has 3,000 characters; at most 200 fit on an invoice"
    assert too_long.words("nl").startswith("naam van de klant: 3,000 tekens; er passen er hoogstens 200 op een")
    assert too_long.words("fr").startswith("nom du client : 3,000 caractères ; une facture en accepte au plus 200")
    asked = NeedsConfirmation({"zero_total": "the total is 0.00 EUR: Klant NV owes you nothing for this invoice",
                               "no_iban": "your IBAN is missing: the invoice shows no account to pay into"})
    assert asked.message.startswith("confirm first: the total is 0.00 EUR: Klant NV owes you nothing")
    assert asked.words("fr") == (
        "à confirmer d'abord : le total est de 0,00 EUR : Klant NV ne vous doit rien pour cette facture; votre IBAN "
        "manque : la facture n'indique aucun compte sur lequel payer — Lisez les raisons et confirmez-les pour émettre "
        "quand même la facture.")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_errors_that_need_the_database_are_said_too(db_url: str, settings_for) -> None:  # type: ignore[no-untyped-def]
    from models.enums import Role
    from pipeline.core.accounts import Principal
    from pipeline.core.db import unit_of_work
    from pipeline.deliver.common import require_client_access, require_handover
    from pipeline.deliver.download import download_ubl
    from pipeline.sales.invoices import artefacts, create_draft
    from tests.test_sales_invoices import MIXED, seller_with_customers

    settings = settings_for(db_url)
    ids = seller_with_customers(db_url)
    operator = Principal(user_id=1, username="op", display_name="Op", role=Role.OPERATOR)
    with unit_of_work(db_url) as session:
        client = require_client_access(session, operator, ids["client"])
        made = [_raised(lambda: artefacts(session, settings, 999)),
                _raised(lambda: download_ubl(session, settings, operator, 999)),
                _raised(lambda: require_client_access(session, operator, 999)),
                _raised(lambda: require_handover(session, operator, client)),
                _raised(lambda: create_draft(session, ids["client"], 999, MIXED))]
    for error in made:
        _said_everywhere(error)
    assert made[3].words("nl").startswith("een operator kan de documenten van klant")
    assert made[3].words("fr").startswith("un opérateur ne peut pas reprendre les documents du client")


def _page_user(url: str, client_id: int, lang: str):  # type: ignore[no-untyped-def]
    from models.enums import Role
    from pipeline.core.accounts import create_user, principal_of
    from pipeline.core.db import unit_of_work

    with unit_of_work(url) as session:
        user = create_user(session, "klant", "een-lang-wachtwoord", Role.CLIENT, client_id=client_id)
        user.language = lang
        return principal_of(user)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_sales_page_in_dutch_says_why_an_invoice_cannot_be_issued(db_url: str, settings_for) -> None:  # type: ignore[no-untyped-def]
    from streamlit.testing.v1 import AppTest

    from models import Client
    from pipeline.core.config import PROJECT_ROOT
    from pipeline.core.db import unit_of_work
    from pipeline.sales import create_draft
    from tests.test_sales_invoices import MIXED, seller_with_customers

    settings_for(db_url)
    ids = seller_with_customers(db_url)
    with unit_of_work(db_url) as session:
        draft_id = create_draft(session, ids["client"], ids["be"], MIXED).id
        session.get(Client, ids["client"]).vat = None  # a Belgian invoice must show it: refused
    at = AppTest.from_file(str(PROJECT_ROOT / "workbench" / "views" / "sales.py"), default_timeout=120)
    at.session_state["principal"] = _page_user(db_url, ids["client"], "nl")
    at.run()
    at.button(key=f"sales_issue_{draft_id}").click().run()
    assert not at.exception, at.exception
    shown = [e.value.replace("\\", "") for e in at.error]
    assert shown == [("deze factuur kan niet uitgereikt worden: uw btw-nummer ontbreekt: een Belgische factuur moet "
                     "het vermelden (vraag uw boekhouder het in te vullen) — Vul de gegevens aan en maak ze daarna "
                     "opnieuw op.")], shown
    assert not any(english_left(text) for text in shown)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_payments_page_in_french_says_why_nothing_is_paid(db_url: str, settings_for) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from streamlit.testing.v1 import AppTest

    from pipeline.core.config import PROJECT_ROOT
    from pipeline.core.db import unit_of_work
    from pipeline.sales.contacts import client_profile
    from tests.test_payments_flow import incoming
    from tests.test_sales_invoices import seller_with_customers

    settings_for(db_url)
    ids = seller_with_customers(db_url)
    incoming(db_url, ids["client"], 1, due_date=date.today())
    copy = incoming(db_url, ids["client"], 2, due_date=date.today(), invoice_number="A-1")  # a second copy
    with unit_of_work(db_url) as session:
        client_profile(session, ids["client"]).iban = None  # nothing to pay from
    at = AppTest.from_file(str(PROJECT_ROOT / "workbench" / "views" / "payments.py"), default_timeout=60)
    at.session_state["principal"] = _page_user(db_url, ids["client"], "fr")
    at.run()
    assert not at.exception, at.exception
    skipped = [c.value.replace("\\", "") for c in at.caption if str(copy) in c.value]
    assert any("déjà" in text or "même facture" in text for text in skipped), skipped
    assert not any("same supplier" in text for text in skipped), skipped
    at.button(key="pay_prepare").click().run()
    assert not at.exception, at.exception
    shown = [e.value.replace("\\", "") for e in at.error]
    assert shown == [("le client Bakkerij Peeters n'a pas d'IBAN à partir duquel payer — Indiquez l'IBAN (et le BIC) "
                     "du client sous Paiements, puis préparez à nouveau les paiements.")], shown


# ------------------------------------------------------------------ remedies for the operator
def test_a_rule_failure_is_said_to_the_operator_in_the_language() -> None:
    from pipeline.core.plain_words import centre_words
    from pipeline.ubl.findings import Finding
    from pipeline.ubl.remedies import SAY_LIMIT, for_build_error, for_findings

    known = Finding("cen", "BR-E-10", "fatal", "[BR-E-10]-A VAT breakdown (BG-23) with VAT Category code (BT-118) "
                                               "\"Exempt from VAT\" shall have a VAT exemption reason code (BT-121)")
    unknown = Finding("peppol", "PEPPOL-EN16931-R999", "fatal", "[PEPPOL-EN16931-R999]-Something no remedy knows; "
                                                                "with a semicolon", fields=("iban",))
    totals = Finding("cen", "BR-CO-15", "fatal", "[BR-CO-15]-Invoice total amount with VAT (BT-112) = …")
    remedy = for_findings([known, unknown, totals])
    assert remedy.say.count("; ") == 2 and len(remedy.say) <= SAY_LIMIT
    nl = check_words(remedy.say, "nl")
    assert nl.startswith("een btw-groep van 0 % is als vrijgesteld gemarkeerd zonder reden")
    assert "(regel BR-E-10)" in nl and "(regel BR-CO-15)" in nl
    assert "de officiële regel PEPPOL-EN16931-R999 zegt (technisch detail): Something no remedy knows, with a " \
           "semicolon" in nl  # Peppol's own words stay, marked as what they are
    fr = centre_words(f"[rule_violation] {remedy.say}", "fr")
    assert fr.startswith("[rule_violation] un groupe de TVA à 0 % est marqué exonéré sans motif")
    assert "(règle BR-CO-15)" in fr and "le total HTVA + la TVA ne donne pas le total TVAC" in fr
    nobody = for_findings([Finding("cen", "BR-XX-99", "fatal", "[BR-XX-99]-Something nobody can fill")])
    assert nobody.supervisor and "supervisor" in nobody.say
    assert check_words(nobody.say, "fr") == ("aucun champ de l'écran ne répond à ces règles : un superviseur décide; "
                                             "la règle officielle BR-XX-99 dit (détail technique) : Something nobody "
                                             "can fill")
    broken = for_build_error("unsupported currency 'XBT'")
    assert check_words(broken.say, "nl") == ("de UBL kan niet opgemaakt worden, een supervisor beslist (technisch "
                                             "detail: unsupported currency 'XBT')")
    many = for_findings([Finding("cen", rule, "fatal", "x") for rule in
                         ("BR-E-10", "BR-S-10", "BR-S-02", "BR-CO-26", "BR-AE-02", "BR-CO-15")])
    assert len(many.say) <= SAY_LIMIT  # whole sentences only: each one said in the language
    assert not english_left(check_words(many.say, "nl").replace("VATEX", ""))


def test_an_incomplete_receipt_is_said_to_the_operator_in_the_language() -> None:
    from models.enums import DocumentType as Type
    from pipeline.ubl.parse import IncompleteInvoice, invoice_data_from_values
    from pipeline.ubl.remedies import for_incomplete

    with pytest.raises(IncompleteInvoice) as stopped:
        invoice_data_from_values({"supplier_name": "Bakkerij", "issue_date": "2026-03-01", "total_incl_vat": "12.00"},
                                 Type.RECEIPT)
    remedy = for_incomplete(stopped.value.message, stopped.value.fields)
    for lang, start in (("nl", "de btw van het kasticket is niet gekend"), ("fr", "la TVA du ticket n'est pas connue")):
        said = check_words(remedy.say, lang)
        assert said.startswith(start), said
        assert "; " in said and "shop" not in said, said


# ------------------------------------------------------------------ a page's refusal, in the reader's language
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("lang", "said"), [("nl", "als klant kunt u dit niet doen"),
                                            ("fr", "en tant que client, vous ne pouvez pas faire ceci")])
def test_the_dashboard_refuses_a_client_in_their_language(db_url: str, settings_for, lang: str, said: str) -> None:  # type: ignore[no-untyped-def]
    from streamlit.testing.v1 import AppTest

    from pipeline.core.config import PROJECT_ROOT
    from tests.test_sales_invoices import seller_with_customers

    settings_for(db_url)
    ids = seller_with_customers(db_url)
    at = AppTest.from_file(str(PROJECT_ROOT / "workbench" / "views" / "dashboard.py"), default_timeout=60)
    at.session_state["principal"] = _page_user(db_url, ids["client"], lang)
    at.run()
    assert not at.exception, at.exception
    assert [e.value.replace("\\", "") for e in at.error] == [said]  # no code, no English


def test_what_making_an_api_token_refuses_is_said_in_the_language() -> None:
    """The Tokens page shows ``_(str(error))`` for these ValueErrors: made from check_words templates."""
    from pipeline.api.tokens import parse_scopes

    with pytest.raises(ValueError) as refused:
        parse_scopes(["delete", "read"])
    assert str(refused.value) == "the scopes are read + upload; not delete"
    assert translate(str(refused.value), "nl") == "de bevoegdheden zijn read + upload; niet delete"
    assert translate(str(refused.value), "fr") == "les droits sont read + upload ; pas delete"
