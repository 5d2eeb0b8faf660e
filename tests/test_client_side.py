"""A purchase invoice is the client's: its own VAT number is not the supplier's, and its name read by OCR is held against the client's."""

from __future__ import annotations

from models.enums import FieldSource
from pipeline.core.check_words import check_words
from pipeline.core.records import ExtractedField
from pipeline.review.client_side import (
    hold_against_client,
    hold_supplier_vat_against_client,
)


def _field(value: str, source: FieldSource = FieldSource.OCR) -> dict[str, ExtractedField]:
    return {"customer_name": ExtractedField("customer_name", value, 0.85, source=source)}


def test_a_misread_client_name_is_offered_as_the_clients_name_in_doubt() -> None:
    for misread in ("oitures Piette SC", "Toitures Piette", "Toitures Plette SC", "Toitures d&", "Piette SC"):
        fields = _field(misread)
        assert hold_against_client(fields, "Toitures Piette SC")
        held = fields["customer_name"]
        assert held.value == "Toitures Piette SC" and held.confidence <= 0.5
        check = held.checks[-1]
        assert not check.ok and misread in check.message
        assert "nom du client" in check_words(check.message, "fr") and "klant" in check_words(check.message, "nl")


def test_the_clients_own_name_and_the_text_layer_stay_another_name_is_doubted() -> None:
    fields = _field("TOITURES PIETTE SC")
    assert not hold_against_client(fields, "Toitures Piette SC")
    assert fields["customer_name"].value == "TOITURES PIETTE SC" and fields["customer_name"].confidence == 0.85
    for other in ("Garage Janssens BV", "OTE DE CRÉDIT"):  # another customer, or label words read as a name
        fields = _field(other)
        assert hold_against_client(fields, "Toitures Piette SC")
        held = fields["customer_name"]
        assert held.value == other and held.confidence <= 0.5 and not held.checks[-1].ok
        assert "klant" in check_words(held.checks[-1].message, "nl")
    fields = _field("Toitures Piette", FieldSource.TEXT_LAYER)  # printed so: not a misreading
    assert not hold_against_client(fields, "Toitures Piette SC")
    assert not hold_against_client(_field("oitures Piette SC"), None)


def test_an_invoice_bearing_the_clients_vat_number_gets_the_clients_name_certain() -> None:
    from pipeline.core.checks import check_vat

    def with_vat(name: str, vat: str) -> dict[str, ExtractedField]:
        fields = _field(name)
        fields["customer_vat"] = ExtractedField("customer_vat", vat, 0.9, FieldSource.OCR, checks=(check_vat(vat),))
        return fields

    fields = with_vat("Toltures Piette SC", "BE0202239951")
    assert hold_against_client(fields, "Toitures Piette SC", "BE 0202.239.951")
    held = fields["customer_name"]
    assert held.value == "Toitures Piette SC" and held.confidence >= 0.99 and held.checks[-1].ok
    assert "btw-nummer" in check_words(held.checks[-1].message, "nl")
    fields = with_vat("Toltures Piette SC", "BE0202239950")  # check digits fail: no proof
    assert hold_against_client(fields, "Toitures Piette SC", "BE0202239950")
    assert fields["customer_name"].confidence <= 0.5
    fields = with_vat("Toltures Piette SC", "BE0202239951")  # another client's VAT number: no proof
    assert hold_against_client(fields, "Toitures Piette SC", "BE0403019261")
    assert fields["customer_name"].confidence <= 0.5


def test_the_clients_own_vat_number_read_as_the_suppliers_is_moved_to_the_customers_side() -> None:
    from pipeline.core.checks import check_vat

    fields = {"supplier_vat": ExtractedField("supplier_vat", "BE0202239951", 0.98, FieldSource.OCR,
                                             checks=(check_vat("BE0202239951"),))}
    assert hold_supplier_vat_against_client(fields, "BE 0202.239.951")
    assert fields["supplier_vat"].confidence <= 0.5 and not fields["supplier_vat"].checks[-1].ok
    assert "fournisseur" in check_words(fields["supplier_vat"].checks[-1].message, "fr")
    assert fields["customer_vat"].value == "BE0202239951" and fields["customer_vat"].confidence <= 0.5
    other = {"supplier_vat": ExtractedField("supplier_vat", "BE0403019261", 0.98, FieldSource.OCR)}
    assert not hold_supplier_vat_against_client(other, "BE0202239951")
    assert other["supplier_vat"].confidence == 0.98 and "customer_vat" not in other
