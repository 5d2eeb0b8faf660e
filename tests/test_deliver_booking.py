"""Booking proposals learnt from the office's confirmed bookings, and the accountant's decisions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from test_deliver_library import World, add_document, make_world

from models import BookingProposal, Document, ExtractedFieldRow, SupplierProfile
from models.enums import DocumentStatus, FieldSource
from pipeline.core.db import unit_of_work
from pipeline.core.errors import Forbidden
from pipeline.deliver.booking import (
    acceptance_rate,
    decide,
    proposal_for,
    propose,
    vat_code_for,
)

SUPPLIER = ("Voorbeeld Leverancier BV", "BE0123456749")



@pytest.fixture
def world(db_url: str) -> World:
    return make_world(db_url)

def _invoice(world: World, rates: tuple[str, ...] = ("21",), supplier: tuple[str, str] = SUPPLIER,
             client_id: int | None = None) -> int:
    document_id = add_document(world.url, client_id or world.client_a, supplier=supplier[0], key=supplier[1])
    breakdown = [{"rate": rate, "base": "100.00", "amount": "0.00", "category": "S"} for rate in rates]
    lines = [{"description": f"item {rate}", "quantity": "1", "unit_price": "100.00", "net_amount": "100.00",
              "vat_rate": rate, "vat_category": "S"} for rate in rates]
    with unit_of_work(world.url) as session:
        for name, value in (("vat_breakdown", breakdown), ("lines", lines)):
            session.add(ExtractedFieldRow(document_id=document_id, name=name, value=value, machine_value=value,
                                          source=FieldSource.STRUCTURED, machine_source=FieldSource.STRUCTURED))
    return document_id


def _propose(world: World, document_id: int) -> BookingProposal:
    with unit_of_work(world.url) as session:
        document = session.get(Document, document_id)
        proposals = propose(session, document)
        return next(p for p in proposals if p.line_index == -1)


def _decide(world: World, proposal_id: int, ledger: str, vat: str, principal=None) -> BookingProposal:  # type: ignore[no-untyped-def]
    with unit_of_work(world.url) as session:
        return decide(session, principal or world.accountant_a, proposal_id, ledger, vat)


def test_vat_code_vocabulary() -> None:
    assert [vat_code_for(Decimal(r)) for r in ("21", "12", "6", "0", "21.00", "20", "5.5")] == [
        "V21", "V12", "V06", "V00", "V21", "V20", "V5.5"]
    assert vat_code_for("0", "AE") == "ICL-reverse" and vat_code_for(None, "E") == "EXEMPT"
    assert vat_code_for(Decimal(0), "K") == "ICA" and vat_code_for(None, "Z") == "V00"
    assert vat_code_for(None) is None


def test_proposal_learnt_from_two_bookings_and_changed_by_an_override(world: World) -> None:
    first = _propose(world, _invoice(world))
    assert (first.ledger_account, first.vat_code, first.confidence) == (None, "V21", 0.0)
    assert not _decide(world, first.id, "604000", "V21").accepted  # nothing was proposed: an override
    second = _propose(world, _invoice(world))
    assert (second.ledger_account, second.confidence) == ("604000", 1.0)
    assert _decide(world, second.id, "604000", "V21").accepted

    third_id = _invoice(world)
    third = _propose(world, third_id)
    assert (third.ledger_account, third.vat_code, third.confidence) == ("604000", "V21", 1.0)
    assert "2 of the last 2 bookings" in third.basis
    with unit_of_work(world.url) as session:  # the release job gets the same account for AccountingCost
        assert proposal_for(session, session.get(Document, third_id)) == "604000"
    decided = _decide(world, third.id, "612000", "V21")
    assert decided.accepted is False and decided.final_ledger_account == "612000"

    fourth = _propose(world, _invoice(world))
    assert fourth.ledger_account == "612000" and fourth.confidence == pytest.approx(1 / 3, abs=1e-3)
    with unit_of_work(world.url) as session:
        profile = session.scalars(select(SupplierProfile).where(SupplierProfile.supplier_key == SUPPLIER[1])).one()
        assert (profile.ledger_account, profile.vat_code) == ("612000", "V21")
        assert session.get(Document, third_id).status is DocumentStatus.BOOKED
        # a decided proposal is not re-proposed
        assert proposal_for(session, session.get(Document, third_id)) == "612000"
        assert acceptance_rate(session, world.office_a) == pytest.approx(1 / 3)
        assert acceptance_rate(session, world.office_b) is None
        assert acceptance_rate(session, world.office_a, date_from=date(2000, 1, 1), date_to=date(2000, 12, 31)) is None


def test_lines_vat_refinement_and_similar_suppliers(world: World) -> None:
    mixed = _invoice(world, rates=("21", "6"))
    with unit_of_work(world.url) as session:
        proposals = propose(session, session.get(Document, mixed))
        assert [(p.line_index, p.vat_code) for p in proposals] == [(-1, "MIXED"), (0, "V21"), (1, "V06")]
        head = proposals[0]
    # the accountant books 21 % of this supplier as 50 % deductible car costs
    _decide(world, head.id, "610300", "V21-CAR")
    car = _propose(world, _invoice(world))
    assert (car.ledger_account, car.vat_code) == ("610300", "V21-CAR")
    assert "the office's code for V21" in car.basis
    low = _propose(world, _invoice(world, rates=("6",)))
    assert low.vat_code == "V06"  # history never contradicts the invoice's rate

    # a supplier never booked, whose name shares a significant word with a booked one
    cousin = _propose(world, _invoice(world, supplier=("Leverancier Voorbeeld Gent NV", "BE0999999999")))
    assert cousin.ledger_account == "610300" and cousin.confidence == pytest.approx(0.5)
    assert "similar name" in cousin.basis
    stranger = _propose(world, _invoice(world, supplier=("Totaal Anders", "BE0888888888")))
    assert stranger.ledger_account is None


def test_only_the_office_accountant_decides(world: World) -> None:
    proposal = _propose(world, _invoice(world))
    for principal in (world.accountant_b, world.client_user_a, world.operator):
        with pytest.raises(Forbidden):
            _decide(world, proposal.id, "604000", "V21", principal)
    assert _decide(world, proposal.id, "604000", "V21", world.admin).final_ledger_account == "604000"
