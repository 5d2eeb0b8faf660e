"""The accountants' library: who may list what, filters, and who validated each document.

Also the shared set-up of the deliver tests (``World``, ``release_variant``), imported by
``test_deliver_download.py`` and ``test_deliver_booking.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from models import Document, User
from models.enums import DocumentStatus, Role
from pipeline.core.accounts import (
    Principal,
    get_or_create_client,
    get_or_create_office,
    principal_of,
)
from pipeline.core.config import PROJECT_ROOT
from pipeline.core.db import unit_of_work
from pipeline.core.errors import Forbidden
from pipeline.deliver.common import MACHINE
from pipeline.deliver.download import download_ubl
from pipeline.deliver.library import library
from pipeline.jobs.ingest import ingest_files

UBL = PROJECT_ROOT / "tests" / "fixtures" / "be-invoice-0208.xml"
CLIENT_A = "Bakkerij Aerts"
CLIENT_B = "Garage Bosmans"


@dataclass
class World:
    url: str
    office_a: int
    office_b: int
    client_a: int
    client_b: int
    accountant_a: Principal
    accountant_b: Principal
    client_user_a: Principal
    operator: Principal
    admin: Principal


def make_world(url: str) -> World:
    with unit_of_work(url) as session:
        office_a = get_or_create_office(session, "Kantoor Antwerpen")
        office_b = get_or_create_office(session, "Bureau Bruxelles")
        client_a = get_or_create_client(session, office_a, CLIENT_A, vat="BE0987654394")
        client_b = get_or_create_client(session, office_b, CLIENT_B, vat="BE0403170701", vat_period="monthly")

        def user(name: str, role: Role, **where: int) -> Principal:
            row = User(username=name, display_name=name.title(), password_hash="-", role=role, **where)
            session.add(row)
            session.flush()
            return principal_of(row)

        world = World(
            url, office_a.id, office_b.id, client_a.id, client_b.id,
            user("acc-a", Role.ACCOUNTANT, office_id=office_a.id),
            user("acc-b", Role.ACCOUNTANT, office_id=office_b.id),
            user("client-a", Role.CLIENT, office_id=office_a.id, client_id=client_a.id),
            user("oper", Role.OPERATOR),
            user("root", Role.ADMIN),
        )
    return world


def release_variant(settings, tmp_path: Path, number: str, issue: str, client: str = CLIENT_A) -> int:  # type: ignore[no-untyped-def]
    """Ingest the fixture UBL with another invoice number and date; it is released in-process."""
    path = tmp_path / f"{number}.xml"
    path.write_bytes(UBL.read_bytes().replace(b"INV-2026-0042", number.encode()).replace(b"2026-11-02", issue.encode()))
    outcome = ingest_files(settings, client, [path])
    document_id = outcome.document_ids[0]
    with unit_of_work(settings.database_url) as session:
        document = session.get(Document, document_id)
        assert document is not None and document.status is DocumentStatus.RELEASED, document and document.error
    return document_id


def add_document(url: str, client_id: int, *, supplier: str = "Other Supplier NV", key: str = "BE0403170701",
                 status: DocumentStatus = DocumentStatus.RELEASED, issue: date = date(2026, 10, 5)) -> int:
    with unit_of_work(url) as session:
        count = len(session.scalars(select(Document.id)).all())
        document = Document(client_id=client_id, sha256=f"{count + 1:064x}", original_path="x", original_filename="x.pdf",
                            size_bytes=1, status=status, supplier_name=supplier, supplier_key=key,
                            invoice_number=f"F-{count + 1}", issue_date=issue, total_incl_vat=Decimal("121.00"),
                            currency="EUR")
        session.add(document)
        session.flush()
        return document.id


@pytest.fixture
def world(db_url: str) -> World:
    return make_world(db_url)


def _ids(rows: list[dict]) -> set[int]:
    return {row["document_id"] for row in rows}


def test_library_access_matrix(world: World, settings_for, tmp_path: Path) -> None:
    settings = settings_for(world.url)
    doc_a = release_variant(settings, tmp_path, "INV-2026-0042", "2026-11-02")
    doc_b = add_document(world.url, world.client_b)
    with unit_of_work(world.url) as session:
        assert _ids(library(session, world.accountant_a)) == {doc_a}
        assert _ids(library(session, world.accountant_a, world.client_a)) == {doc_a}
        assert _ids(library(session, world.accountant_b)) == {doc_b}
        assert _ids(library(session, world.client_user_a)) == {doc_a}
        assert _ids(library(session, world.operator)) == {doc_a, doc_b}
        assert _ids(library(session, world.admin, world.client_b)) == {doc_b}
        for principal, client_id in ((world.accountant_b, world.client_a), (world.accountant_a, world.client_b),
                                     (world.client_user_a, world.client_b)):
            with pytest.raises(Forbidden):
                library(session, principal, client_id)
        # nor may office B's accountant download office A's UBL, nor the centre download at all
        for principal in (world.accountant_b, world.operator):
            with pytest.raises(Forbidden):
                download_ubl(session, settings, principal, doc_a)


def test_library_rows_filters_and_who_validated(world: World, settings_for, tmp_path: Path) -> None:
    settings = settings_for(world.url)
    doc_a = release_variant(settings, tmp_path, "INV-2026-0042", "2026-11-02")
    older = add_document(world.url, world.client_a, supplier="Brouwerij Het Anker", key="BE0400000111",
                         issue=date(2026, 9, 30), status=DocumentStatus.NEEDS_VALIDATION)
    with unit_of_work(world.url) as session:
        rows = library(session, world.accountant_a, world.client_a)
        assert [row["document_id"] for row in rows] == [doc_a, older]  # newest invoice first
        first = rows[0]
        assert first["total_incl_vat"] == Decimal("1263.00") and first["currency"] == "EUR"
        assert first["validated_by"] == MACHINE and first["auto_released"] is True
        assert first["status"] == "released" and first["ubl_filename"].endswith("INV-2026-0042.xml")
        assert first["booking"] == "proposed" and first["vat_code"] == "MIXED"  # 21 % and 6 % on one invoice
        assert rows[1]["ubl_filename"] is None
        assert _ids(library(session, world.accountant_a, period=(date(2026, 11, 1), date(2026, 11, 30)))) == {doc_a}
        assert _ids(library(session, world.accountant_a, supplier="anker")) == {older}
        assert _ids(library(session, world.accountant_a, supplier="BE0123456749")) == {doc_a}
        assert _ids(library(session, world.accountant_a, status=[DocumentStatus.NEEDS_VALIDATION])) == {older}
        assert _ids(library(session, world.accountant_a, status="released", document_type="invoice")) == {doc_a}
