"""A supplier learnt from one validated invoice, through the real pipeline: an operator
validates the first invoice of a supplier; its next invoice (other values, same layout)
is read with the supplier's layout and released without a person, every key field
certain and right."""

from __future__ import annotations

import random
import re
from dataclasses import replace
from pathlib import Path

from sqlalchemy import select

from models import Document, ExtractedFieldRow, SupplierProfile
from models.enums import DocumentStatus, FieldSource, FieldState, Role
from pipeline import api
from pipeline.core.accounts import (
    create_user,
    get_or_create_client,
    get_or_create_office,
    principal_of,
)
from pipeline.core.db import unit_of_work
from pipeline.core.records import ExtractedField
from pipeline.jobs.ingest import ingest_files
from pipeline.reports.evaluate import score_value
from pipeline.suppliers.memory import apply_supplier_memory, match_profile, remember
from pipeline.synth import companies
from pipeline.synth.corpus import truth_fields
from pipeline.synth.documents import SynthDocument, make_invoice
from pipeline.synth.layouts import render_invoice

KEY_FIELDS = (
    "invoice_number",
    "issue_date",
    "total_excl_vat",
    "total_vat",
    "total_incl_vat",
)


def _two_invoices_of_one_supplier() -> tuple[SynthDocument, SynthDocument]:
    rng = random.Random(2026)
    supplier, customer = companies.belgian_company(rng), companies.belgian_company(rng)
    first = make_invoice(
        random.Random(1), 1, supplier, customer, layout="classic", n_lines=2
    )
    for seed in range(
        2, 60
    ):  # the next invoice: other values; the supplier's language, style and number series
        second = make_invoice(
            random.Random(seed), seed, supplier, customer, layout="classic", n_lines=3
        )
        if second.language == first.language and second.issue_date > first.issue_date:
            number = re.sub(
                r"\d+$",
                lambda m: str(int(m.group()) + 7).zfill(len(m.group())),
                first.number,
            )
            reference = (
                number
                if second.payment_reference == second.number
                else second.payment_reference
            )
            return first, replace(
                second, style=first.style, number=number, payment_reference=reference
            )
    raise AssertionError("no second invoice in the supplier's language")


def _setup(db_url: str) -> api.Principal:
    with unit_of_work(db_url) as session:
        get_or_create_client(session, get_or_create_office(session, "Office"), "Client")
        return principal_of(
            create_user(session, "operator", "operator-pass", Role.OPERATOR)
        )


def _rows(
    db_url: str, document_id: int
) -> tuple[Document, dict[str, ExtractedFieldRow]]:
    with unit_of_work(db_url) as session:
        document = session.get(Document, document_id)
        rows = {
            row.name: row
            for row in session.scalars(
                select(ExtractedFieldRow).where(
                    ExtractedFieldRow.document_id == document_id
                )
            )
        }
        session.expunge_all()
        return document, rows


def _validate(principal: api.Principal, truth: dict) -> None:
    """The operator checks every value on the screen, correcting what differs from the invoice."""
    task = api.next_task(principal)
    assert task is not None
    corrections = {
        f.name: str(truth[f.name])
        for f in task.fields
        if f.name in KEY_FIELDS + ("supplier_name",)
        and not score_value(f.name, truth[f.name], f.value)[0]
    }
    confirmed = [
        f.name
        for f in task.fields
        if f.value not in (None, "", []) and f.name not in corrections
    ]
    api.save(principal, task.task_id, task.version, corrections, confirmed)


def test_the_next_invoice_of_a_validated_supplier_is_certain_and_released(
    db_url: str, settings_for, tmp_path: Path
) -> None:
    settings = settings_for(db_url)
    principal = _setup(db_url)
    first, second = _two_invoices_of_one_supplier()
    paths = []
    for name, doc in (("first.pdf", first), ("second.pdf", second)):
        paths.append(tmp_path / name)
        paths[-1].write_bytes(render_invoice(doc))

    one = ingest_files(settings, "Client", [paths[0]]).document_ids[0]
    document, _ = _rows(db_url, one)
    assert (
        document.status is DocumentStatus.NEEDS_VALIDATION
    )  # a supplier never seen: a person looks
    _validate(principal, truth_fields(first))
    with unit_of_work(db_url) as session:
        profile = session.scalars(select(SupplierProfile)).one()
        layout = profile.field_positions
        assert {"invoice_number", "issue_date", "total_incl_vat"} <= set(layout)
        assert all(
            layout[name]["anchor"] for name in ("invoice_number", "total_incl_vat")
        )
        assert layout["invoice_number"]["value"] == first.number  # the series goes on from it
        assert str(layout["invoice_number"]["issue_date"])[:10] == first.issue_date.isoformat()

    two = ingest_files(settings, "Client", [paths[1]]).document_ids[0]
    document, rows = _rows(db_url, two)
    truth = truth_fields(second)
    learnt = [
        name
        for name in KEY_FIELDS
        if any(
            c["name"] == "supplier_layout" and c["ok"] for c in rows[name].checks or []
        )
    ]
    assert {"invoice_number", "total_incl_vat"} <= set(learnt)
    for name in KEY_FIELDS + ("supplier_name",):
        assert score_value(name, truth[name], rows[name].value)[0], name  # right ...
        assert rows[name].state is FieldState.CERTAIN, name  # ... and certain
    blocking = {
        name: (row.state, row.value, row.checks)
        for name, row in rows.items()
        if row.state
        in (FieldState.FAILED_CHECK, FieldState.UNCERTAIN, FieldState.MISSING)
    }
    assert document.status is DocumentStatus.RELEASED and document.auto_released, (
        document.error,
        blocking,
    )


def test_a_supplier_is_recognised_by_its_iban_when_its_vat_number_is_misread(
    db_url: str,
) -> None:
    with unit_of_work(db_url) as session:
        office = get_or_create_office(session, "Office")
        remember(
            session,
            office.id,
            {
                "supplier_name": "Bakkerij Peeters",
                "supplier_vat": "BE0123456749",
                "iban": "BE68539007547034",
            },
        )
        misread = {
            "supplier_name": "Bakkerij Peetcrs",
            "supplier_vat": "BE0123456740",
            "iban": "BE68 5390 0754 7034",
        }
        assert match_profile(session, office.id, misread).name == "Bakkerij Peeters"
        assert (
            match_profile(
                session,
                office.id,
                {"supplier_name": "Someone Else", "iban": "BE71096123456769"},
            )
            is None
        )


def test_places_learnt_before_the_vat_number_was_entered_join_the_validated_supplier(
    db_url: str,
) -> None:
    """A photo's first invoice: its VAT number was not read, so the places an operator
    confirmed first were kept under the supplier's name; validated, the invoice makes the
    supplier's profile (keyed by VAT). Those places join it, and the next photo, again
    without VAT number, is matched to the validated supplier (by IBAN), not to an empty stub."""
    from pipeline.suppliers.memory import memory_checks, remember_positions

    name, vat, iban = "Peeters & Willems BV", "BE0383531565", "BE25751999928782"
    with unit_of_work(db_url) as session:
        office = get_or_create_office(session, "Office")
        remember_positions(session, office.id, {"supplier_name": name, "iban": iban},
                           {"iban": {"page": 1, "box": [0.1, 0.8, 0.4, 0.82], "anchor": ["iban"]}})
        stub = match_profile(session, office.id, {"supplier_name": name})
        assert stub is not None and stub.documents_seen == 0 and stub.name is None
        profile = remember(session, office.id, {"supplier_name": name, "supplier_vat": vat, "iban": iban})
        assert profile is not stub and profile.field_positions["iban"]["anchor"] == ["iban"]
        keys = session.scalars(select(SupplierProfile.supplier_key)).all()
        assert keys == [vat]
        next_photo = {"supplier_name": name, "supplier_vat": None, "iban": iban}
        assert match_profile(session, office.id, next_photo) is profile
        assert [c.ok for c in memory_checks(profile, next_photo)["supplier_name"]] == [True]

    # a stub left from before (never folded) does not hide the validated supplier either
    with unit_of_work(db_url) as session:
        office = get_or_create_office(session, "Office")
        session.add(SupplierProfile(office_id=office.id, supplier_key=f"name:{name.lower()}",
                                    usual_vat_rates=[], field_positions={}))
        session.flush()
        assert match_profile(session, office.id, {"supplier_name": name, "iban": iban}).supplier_key == vat


def test_a_supplier_s_currency_is_remembered_and_agrees(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        office = get_or_create_office(session, "Office")
        values = {
            "supplier_name": "Bakkerij Peeters",
            "supplier_vat": "BE0123456749",
            "currency": "EUR",
        }
        remember(session, office.id, values)
        profile = remember(session, office.id, values)
        assert profile.field_positions["currency"] == {"value": "EUR", "documents": 2}
        found = {
            "currency": ExtractedField("currency", "EUR", 0.44, FieldSource.TEXT_LAYER)
        }
        apply_supplier_memory(found, profile)
        assert found["currency"].confidence >= 0.99 and found["currency"].checks[-1].ok
        other = {
            "currency": ExtractedField("currency", "USD", 0.44, FieldSource.TEXT_LAYER)
        }
        apply_supplier_memory(other, profile)
        assert (
            other["currency"].confidence == 0.44
        )  # no memory of dollars: nothing gained
        remember(session, office.id, {**values, "currency": "USD"})
        assert profile.field_positions["currency"] == {"value": "USD", "documents": 1}


def test_confirm_and_next_teaches_the_whole_released_form(
    db_url: str, settings_for, tmp_path: Path
) -> None:
    """The operator confirms only what the workbench asks about (as "Confirm and next"
    does); once the document is released, the fields the machine had set certain are
    learnt too, as weaker evidence (``released``) beside what a person looked at
    (``operator``), and a later release never puts a weaker entry over a looked-at one."""
    from pipeline.suppliers.positions import learn_at_release

    settings = settings_for(db_url)
    principal = _setup(db_url)
    first, _ = _two_invoices_of_one_supplier()
    path = tmp_path / "first.pdf"
    path.write_bytes(render_invoice(first))
    one = ingest_files(settings, "Client", [path]).document_ids[0]
    _, before = _rows(db_url, one)
    certain = {n for n, r in before.items() if r.state is FieldState.CERTAIN and r.value not in (None, "", [])}
    truth = truth_fields(first)
    task = api.next_task(principal)
    assert task is not None
    corrections = {f.name: str(truth[f.name]) for f in task.fields
                   if f.name in truth and truth[f.name] is not None and not score_value(f.name, truth[f.name], f.value)[0]
                   and f.name in KEY_FIELDS + ("supplier_name",)}
    asked = [f.name for f in task.fields if f.needs_look and f.name not in corrections and f.value not in (None, "", [])]
    with unit_of_work(db_url) as session:  # nothing learnt yet of the fields nobody was asked about
        assert not session.scalars(select(SupplierProfile)).all()
    api.save(principal, task.task_id, task.version, corrections, asked)
    document, _ = _rows(db_url, one)
    assert document.status is DocumentStatus.RELEASED and not document.auto_released
    with unit_of_work(db_url) as session:
        layout = session.scalars(select(SupplierProfile)).one().field_positions
    released = {n for n, e in layout.items() if isinstance(e, dict) and e.get("evidence") == "released"}
    looked_at = {n for n, e in layout.items() if isinstance(e, dict) and e.get("evidence") == "operator"}
    assert certain & set(KEY_FIELDS), certain  # the machine was sure of some key fields ...
    assert certain & set(KEY_FIELDS) <= released  # ... and those are learnt at release
    assert released.isdisjoint(set(corrections) | set(asked))
    assert looked_at <= set(corrections) | set(asked)
    with unit_of_work(db_url) as session:  # released again (a second copy): the looked-at entries stay
        doc = session.get(Document, one)
        profile = session.scalars(select(SupplierProfile)).one()
        profile.field_positions = {**profile.field_positions,
                                   **{n: {**layout[n], "evidence": "operator"} for n in released}}
        session.flush()
        assert learn_at_release(session, doc) == {}
        doc.auto_released = True  # a document nobody saw teaches nothing
        profile.field_positions = {}
        assert learn_at_release(session, doc) == {}


def test_a_misread_supplier_name_is_put_back_only_when_a_proving_number_names_the_supplier() -> None:
    """OCR reads a known supplier's name a letter off: with its VAT number proving who it is,
    the validated name comes back, certain; without that proof the reading stays, to be checked."""
    from pipeline.core.check_words import check_words
    from pipeline.core.checks import check_vat
    from pipeline.core.records import ExtractedField
    from pipeline.suppliers.memory import apply_supplier_memory

    profile = SupplierProfile(name="Menuiserie Lambert SRL", vat="BE0202239951", documents_seen=1,
                              field_positions={})

    def reading(name: str, vat: str | None) -> dict[str, ExtractedField]:
        fields = {"supplier_name": ExtractedField("supplier_name", name, 0.85, FieldSource.OCR)}
        if vat:
            fields["supplier_vat"] = ExtractedField("supplier_vat", vat, 0.9, FieldSource.OCR, checks=(check_vat(vat),))
        return fields

    fields = reading("Menuiserie Lambcrt SRL", "BE0202239951")
    apply_supplier_memory(fields, profile)
    assert fields["supplier_name"].value == "Menuiserie Lambert SRL" and fields["supplier_name"].confidence >= 0.99
    said = next(c.message for c in fields["supplier_name"].checks if c.name == "supplier_memory")
    assert "Lambcrt" in said and "leverancier" in check_words(said, "nl") and "fournisseur" in check_words(said, "fr")
    for name, vat in (("Menuiserie Lambcrt SRL", None), ("Menuiserie Lambcrt SRL", "BE0202239950"),
                      ("Garage Janssens BV", "BE0202239951"), ("Lambert", None)):
        fields = reading(name, vat)
        apply_supplier_memory(fields, profile)
        assert fields["supplier_name"].value == name and fields["supplier_name"].confidence < 0.99, (name, vat)
    # a part of the name (a letterhead on two lines), or no name at all: the VAT number names the supplier
    fields = reading("Lambert SRL", "BE0202239951")
    apply_supplier_memory(fields, profile)
    assert fields["supplier_name"].value == "Menuiserie Lambert SRL" and fields["supplier_name"].confidence >= 0.99
    fields = reading("x", "BE0202239951")
    del fields["supplier_name"]
    apply_supplier_memory(fields, profile)
    assert fields["supplier_name"].value == "Menuiserie Lambert SRL" and fields["supplier_name"].confidence >= 0.99
    assert "niet gelezen" in check_words(fields["supplier_name"].checks[0].message, "nl")
    # the extractor's own guess (a label read as the name): the VAT number names the supplier
    fields = reading("Votre référence", "BE0202239951")
    fields["supplier_name"] = replace(fields["supplier_name"], confidence=0.2)
    apply_supplier_memory(fields, profile)
    assert fields["supplier_name"].value == "Menuiserie Lambert SRL" and fields["supplier_name"].confidence >= 0.99
    fields = reading("Votre référence", None)  # ... only when a number proves who it is
    fields["supplier_name"] = replace(fields["supplier_name"], confidence=0.2)
    apply_supplier_memory(fields, profile)
    assert fields["supplier_name"].value == "Votre référence"


def test_eur_assumed_on_a_till_slip_is_settled_by_the_shops_validated_slips() -> None:
    """No currency printed: EUR assumed, a failing check; the shop's earlier validated slips, all in
    EUR, settle it, so the slip is not held for it again. Another currency before stays in doubt."""
    from pipeline.core.records import Check, ExtractedField
    from pipeline.suppliers.memory import apply_supplier_memory

    def slip() -> dict[str, ExtractedField]:
        assumed = Check("currency_default", False, "no currency printed; EUR assumed")
        return {"currency": ExtractedField("currency", "EUR", 0.889, FieldSource.COMPUTED, checks=(assumed,))}

    shop = SupplierProfile(name="Bakkerij Vos", documents_seen=2, field_positions={"currency": {"value": "EUR", "documents": 2}})
    fields = slip()
    apply_supplier_memory(fields, shop)
    assert fields["currency"].confidence >= 0.99 and all(check.ok for check in fields["currency"].checks)
    shop.field_positions = {"currency": {"value": "USD", "documents": 1}}
    fields = slip()
    apply_supplier_memory(fields, shop)
    assert any(not check.ok for check in fields["currency"].checks)
