"""No English left for a Dutch or French reader in what the machine says: check lines, extraction
warnings, task reasons, the centre's refusal reasons, error messages.

Messages are stored in English and said in the reader's language where they are shown
(``pipeline.core.check_words``). These tests render every known template in nl and fr, run the
real extraction over generated invoices and require each message it writes to be one the templates
know, and open the validate and documents pages in Dutch on a document with failed checks.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, update
from streamlit.runtime.pages_manager import PagesManager

from models import Document, ExtractedFieldRow, User
from pipeline.core import check_words as words
from pipeline.core import checks
from pipeline.core.check_words import check_words, template_of
from pipeline.core.errors import CorruptFile, NotFound
from pipeline.core.i18n import N_, translate
from pipeline.core.plain_words import centre_words
from pipeline.core.records import VatBreakdownLine
from tests import workbench_data as testdata

LETTERS = re.compile(r"[A-Za-z]{3,}")


def _sample(template: str) -> str:
    """The template filled with harmless values (a number for each placeholder)."""
    return re.sub(r"\{[a-z_]+\}", "7", template)


def known(message: str) -> bool:
    """A message the templates made, or one the catalogue holds whole."""
    return template_of(message) is not None or translate(message, "nl") != message


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_every_template_is_said_in_the_language(lang: str) -> None:
    untranslated = []
    for template in (*words.TEMPLATES, *words.LITERALS, *words.STDNUM_PROBLEMS, *words.SUPPLIER_TITLES):
        assert all(re.fullmatch(r"[a-z_]+", name) for name in re.findall(r"\{([^}]*)\}", template)), template
        said = translate(template, lang)
        if LETTERS.search(re.sub(r"\{[a-z_]+\}", "", template)) and said == template:
            untranslated.append(template)
        if "{" in template:  # the stored English, matched back to its template and said in the language
            assert check_words(_sample(template), lang) == _sample(said), template
    assert not untranslated, f"{len(untranslated)} templates still English in {lang}: {untranslated[:5]}"


def test_parameters_that_are_words_are_said_too() -> None:
    day_first = "02/09/2025 read day-first: it is written in Dutch, French or German (bedrag, btw)"
    assert check_words(day_first, "nl") == "02/09/2025 gelezen met de dag eerst: het is in het Nederlands, Frans of " \
                                           "Duits geschreven (bedrag, btw)"
    assert check_words("fields to check: supplier_vat, iban", "fr") == \
        "champs à vérifier : Numéro de TVA du fournisseur, IBAN"
    assert check_words("2026/0912 stands alone next to the label 'invoice_number'", "nl") == \
        "2026/0912 staat alleen naast het label 'Factuurnummer'"
    bad = checks.check_iban("BE71096123456768")
    assert not bad.ok and "IBAN" in check_words(bad.message, "fr") and "invalid" not in check_words(bad.message, "fr")
    assert check_words("a message no template makes", "nl") == "a message no template makes"


def test_a_failed_checks_messages_in_dutch_and_french() -> None:
    made = [
        checks.check_net_plus_vat(Decimal("100.00"), Decimal("21.00"), Decimal("125.00")),
        checks.check_vat("BE0403170702"),
        checks.check_due_date(date(2026, 5, 1), date(2026, 4, 1)),
        checks.check_vat_line(VatBreakdownLine(rate=Decimal(21), base=Decimal(100), amount=Decimal(20))),
        checks.check_ogm("+++090/9337/55494+++"),
    ]
    for check in made:
        assert not check.ok
        for lang in ("nl", "fr"):
            said = check_words(check.message, lang)
            assert said != check.message, (check.message, lang)


@pytest.fixture(scope="module")
def extracted_messages() -> dict[str, set[str]]:
    """Every check message and warning the real extraction writes on 24 generated text PDFs (two seeds)."""
    from pipeline.extract import extract
    from pipeline.extract.textlayer import read_text_layer
    from pipeline.synth.corpus import generate

    found: dict[str, set[str]] = {}
    for seed in (3, 11):
        for item in generate(12, seed, kinds=("text_pdf",)):
            extraction = extract(read_text_layer(item.data))
            for warning in extraction.warnings:
                found.setdefault("warning", set()).add(warning)
            for field in extraction.fields.values():
                for check in field.checks:
                    if check.message:
                        found.setdefault(check.name, set()).add(check.message)
    return found


def test_every_message_extraction_writes_is_known(extracted_messages: dict[str, set[str]]) -> None:
    assert sum(len(v) for v in extracted_messages.values()) > 50  # the corpus exercised the extractor
    unknown = {name: sorted(m for m in messages if not known(m))[:2] for name, messages in extracted_messages.items()}
    unknown = {name: found for name, found in unknown.items() if found}
    assert not unknown, f"messages no template knows (add one to pipeline.core.check_words): {unknown}"


def test_messages_extraction_writes_are_not_english_in_nl_and_fr(extracted_messages: dict[str, set[str]]) -> None:
    for messages in extracted_messages.values():
        for message in messages:
            made = template_of(message)
            letters = LETTERS.search(re.sub(r"\{[a-z_]+\}", "", made[0])) if made else True
            if not letters:
                continue  # "100.00 + 21.00 = 121.00" reads the same in every language
            for lang in ("nl", "fr"):
                assert check_words(message, lang) != message, (message, lang)


def test_the_known_check_can_fail() -> None:
    assert not known("this sentence was never a template")
    assert known(checks.check_kbo("0403170701").message)


def test_centre_reasons_in_words_with_the_code_kept() -> None:
    reason = CorruptFile("The PDF cannot be opened: xref table broken").reason()
    said = centre_words(reason, "nl")
    assert said == ("[corrupt_file] De pdf kan niet geopend worden: xref table broken — Het bestand is beschadigd; "
                    "vraag de afzender om een nieuwe kopie.")  # the library's own words stay as they are
    odd = centre_words(CorruptFile("a sentence no template made").reason(), "fr")
    assert odd.startswith("[corrupt_file] Détail technique : a sentence no template made — ")
    assert centre_words("[page_limit] only the first 20 of 31 pages were read (MAX_PAGES)", "fr") == \
        "[page_limit] seules les 20 premières pages sur 31 ont été lues (MAX_PAGES)"
    assert centre_words("fields to check: iban; random second look at an auto-released document", "nl") == \
        "te controleren velden: IBAN; willekeurige tweede controle van een automatisch vrijgegeven document"


def test_an_error_is_made_of_a_template_and_parameters() -> None:
    error = NotFound(N_("client {id} not found"), params={"id": 12})
    assert error.message == "client 12 not found" and str(error) == "client 12 not found"  # logs and the API
    assert error.words("nl") == "klant 12 niet gevonden"
    assert error.words("fr") == "client 12 introuvable"
    assert CorruptFile("x").words("fr").endswith("demandez une nouvelle copie à l'expéditeur.")


# ---------------------------------------------------------------------- the pages, in Dutch (AppTest)
@pytest.fixture
def world(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(PagesManager, "__init__", testdata.navigation_pinned_init())
    testdata.fast_password_hashing()
    settings, _world = testdata.build(tmp_path / "data", documents=1)
    yield settings
    from pipeline.core.config import settings as settings_fn

    settings_fn.cache_clear()


FAILED = {
    "iban": checks.check_iban("BE71096123456768"),
    "total_incl_vat": checks.check_net_plus_vat(Decimal("100.00"), Decimal("21.00"), Decimal("125.00")),
    "supplier_vat": checks.check_vat("BE0403170702"),
    "due_date": checks.check_due_date(date(2026, 5, 1), date(2026, 4, 1)),
    "invoice_number": checks.Check("label_value_agree", True, "F2026-0001 stands alone next to the label "
                                                              "'invoice_number'"),
}


def _fail_checks(database_url: str, username: str) -> None:
    from pipeline.core.db import unit_of_work

    with unit_of_work(database_url) as session:
        session.scalars(select(User).where(User.username == username)).one().language = "nl"
        document = session.scalars(select(Document).order_by(Document.id)).first()
        assert document is not None
        session.execute(update(ExtractedFieldRow).where(ExtractedFieldRow.document_id == document.id)
                        .values(checks=[]))  # only what the product's checks write
        for name, check in FAILED.items():
            session.execute(update(ExtractedFieldRow).where(ExtractedFieldRow.document_id == document.id,
                                                            ExtractedFieldRow.name == name)
                            .values(checks=[{"name": check.name, "ok": check.ok, "message": check.message}]))


def test_validate_page_in_dutch_shows_no_english_check_line(world) -> None:  # type: ignore[no-untyped-def]
    _fail_checks(world.database_url, "op1")
    at = testdata.signed_in("op1")
    at.switch_page("views/validate.py").run()
    at.button(key="next_document").click().run()
    assert not at.exception, at.exception
    lines = [c.value.replace("\\", "") for c in at.caption if c.value.startswith(("✓", "✗"))]
    assert len(lines) == len(FAILED), lines
    english = {check.message for check in FAILED.values()}
    left = [line for line in lines if line[2:] in english]
    assert not left, f"check lines still in English on the Dutch validate page: {left}"
    assert any("is geen geldig IBAN: Het controlegetal van het nummer klopt niet." in line for line in lines), lines
    assert any("staat alleen naast het label 'Factuurnummer'" in line for line in lines), lines


def test_documents_page_in_dutch_says_the_centre_its_reason_in_words(world) -> None:  # type: ignore[no-untyped-def]
    from pipeline.core.db import unit_of_work

    with unit_of_work(world.database_url) as session:
        session.scalars(select(User).where(User.username == "op1")).one().language = "nl"
        failed = session.scalars(select(Document).where(Document.original_filename == "broken.pdf")).one().id
    at = testdata.signed_in("op1")
    at.query_params["document"] = str(failed)
    at.switch_page("views/documents.py").run()
    assert not at.exception, at.exception
    shown = " ".join(c.value.replace("\\", "") for c in at.caption)
    assert "[corrupt_file]" in shown  # the centre keeps the code
    assert "Het bestand is beschadigd; vraag de afzender om een nieuwe kopie." in shown
    assert "The file is damaged" not in shown


def test_an_error_shown_with_underscore_is_said_from_its_template() -> None:
    """Pages show ``_(error.message)``: a message made from a template is said in the reader's language."""
    from pipeline.api.live import parse_input
    from pipeline.core.errors import BoekbrugError

    with pytest.raises(BoekbrugError) as typed:
        parse_input("issue_date", "31/13/2026")
    assert translate(typed.value.message, "nl") == "'31/13/2026' bestaat niet in de kalender"
    assert translate(typed.value.message, "en") == typed.value.message
    with pytest.raises(BoekbrugError) as amount:
        parse_input("total_incl_vat", "twaalf")
    assert "n'est pas un montant" in translate(amount.value.message, "fr")
    assert translate("required field(s) still empty: iban, due_date", "fr") == \
        "champs obligatoires encore vides : IBAN, Date d'échéance"
    assert translate("a label the catalogue does not hold", "nl") == "a label the catalogue does not hold"


@pytest.mark.parametrize(("data", "name"), [(b"PK\x03\x04zip", "facturen.zip"), (b"<html><body>hi</body></html>", "f.html"),
                                            (b"MZ\x90\x00", "factuur.pdf.exe"), (b"GIF89a....", "scan.gif")])
def test_a_refusal_at_intake_is_said_to_the_centre_without_english(data: bytes, name: str) -> None:
    from pipeline.core.errors import BoekbrugError
    from pipeline.intake.sniff import sniff

    with pytest.raises(BoekbrugError) as refused:
        sniff(data, name)
    reason = refused.value.reason()
    for lang, english in (("nl", (" not ", " the ", "Upload a")), ("fr", (" is ", " not ", " the ", "Upload a"))):
        said = centre_words(reason, lang)
        assert "Technis" not in said and "technique" not in said, said  # every part came from a template
        assert not any(word in said for word in english), said


def test_what_a_client_or_operator_types_wrong_is_answered_in_their_language() -> None:
    """Sales customers' numbers and split ranges: the real checks' errors, said through ``_()`` as pages do."""
    from pipeline.core.errors import BoekbrugError
    from pipeline.review.split import check_ranges, parse_ranges
    from pipeline.sales.contacts import clean_iban, clean_kbo, clean_vat

    made = []
    for call in (lambda: clean_vat("BE0403170702"), lambda: clean_kbo("0403170702"), lambda: clean_iban("BE00 0000"),
                 lambda: check_ranges(parse_ranges("1-9"), 4), lambda: check_ranges(parse_ranges("1-2, 2-3"), 4),
                 lambda: parse_ranges("een tot drie")):
        with pytest.raises(BoekbrugError) as refused:
            call()
        made.append(refused.value)
    for error in made:
        for lang in ("nl", "fr"):
            said = translate(error.message, lang)
            assert said != error.message, (error.message, lang)
            if error.hint:
                assert translate(error.hint, lang) != error.hint, (error.hint, lang)


def test_what_the_supplier_memory_says_is_known_and_translated() -> None:
    """The supplier's memory and learnt layout (pipeline.suppliers) write these beside a field: real calls."""
    from models import SupplierProfile
    from models.enums import FieldSource
    from pipeline.core.records import ExtractedField
    from pipeline.suppliers import layout
    from pipeline.suppliers.memory import memory_checks
    from pipeline.suppliers.positions import Reading

    profile = SupplierProfile(office_id=1, supplier_key="BE0403170701", name="Bakkerij Peeters", vat="BE0403170701",
                              iban="BE71096123456769", documents_seen=3,
                              field_positions={"currency": {"value": "EUR", "documents": 3}})
    said = memory_checks(profile, {"iban": "BE68539007547034", "supplier_name": "Bakkerij Peeters", "currency": "EUR",
                                   "supplier_vat": "BE0403170701"})
    said_again = memory_checks(profile, {"iban": "BE71096123456769"})
    messages = [c.message for found in (said, said_again) for checks_of in found.values() for c in checks_of]
    reading = Reading(value="2026/0042", text="2026/0042", page=1, bbox=(0.1, 0.1, 0.2, 0.12), anchor="Factuur nr.",
                      same_format=True)
    found = ExtractedField("invoice_number", "2026/0041", 0.8, FieldSource.TEXT_LAYER)
    messages += [c.message for c in layout._offered("invoice_number", reading).checks]
    messages += [c.message for c in layout._agreed(found, reading).checks]
    messages += [c.message for c in layout._doubted(found, reading, machine_was_right=True).checks]
    messages += [c.message for c in layout._doubted(found, reading, machine_was_right=False).checks]
    assert len(messages) >= 8
    for message in messages:
        assert known(message), message
        for lang in ("nl", "fr"):
            assert check_words(message, lang) != message, (message, lang)
    assert "het veld factuurnummer" in check_words(messages[-1], "nl")


def test_a_locked_sign_in_is_said_in_the_language() -> None:
    from datetime import timedelta

    from pipeline.core.accounts import TooManyAttempts

    locked = str(TooManyAttempts(timedelta(seconds=90)))
    assert translate(locked, "nl").startswith("Te veel mislukte aanmeldpogingen: wacht ")
    assert translate(locked, "fr").startswith("Trop de tentatives de connexion échouées : attendez ")


def test_a_reason_without_code_is_said_to_a_client_in_words() -> None:
    """Rejections and an e-mail's attachments (pipeline.api.documents.attachment_summary) reach clients too."""
    from pipeline.core.i18n import use_language
    from pipeline.core.plain_words import reason_words

    with use_language("fr"):
        assert reason_words("a.pdf: taken; logo.png: not taken — image of 2048 bytes (logo or signature); "
                            "b.pdf: taken") == ("a.pdf : accepté; logo.png : non accepté — image de 2048 octets (logo "
                                                "ou signature); b.pdf : accepté")
        assert reason_words("not an invoice (operator)") == "pas une facture (opérateur)"
    with use_language("nl"):
        assert reason_words("the machine found no invoice on it; an operator can reopen it") == \
            "de machine vond er geen factuur op; een operator kan het heropenen"


@pytest.mark.parametrize("damage", [{"repaired": True, "pages": 5, "lost": [3], "partial": [4, 5]},
                                    {"repaired": False, "pages": 1, "lost": [], "partial": [1]},
                                    {"repaired": True, "pages": 6, "lost": [2, 3], "partial": []},
                                    {"repaired": True, "pages": 4, "lost": [], "partial": [2, 3], "loops": True}])
def test_a_damaged_pdf_notice_is_said_to_the_centre_in_words(damage: dict[str, object]) -> None:
    from pipeline.read.damage import PdfDamage

    notice = PdfDamage(**damage).notice().text()  # type: ignore[arg-type]
    for lang, english in (("nl", (" pages ", " page ", " only ", " could ", " the ", " lost")),
                          ("fr", (" of ", " could ", " only ", " the "))):
        said = centre_words(notice, lang)
        assert said.startswith("[damaged_pdf] ") and not any(word in said for word in english), said
