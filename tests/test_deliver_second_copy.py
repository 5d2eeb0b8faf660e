"""A second copy of an invoice is flagged in the library and the ZIP, never delivered as a new purchase."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from test_deliver_library import World, make_world, release_variant

from models import Delivery, Document
from models.enums import DocumentStatus
from pipeline.core.db import unit_of_work
from pipeline.deliver.download import zip_for_period
from pipeline.deliver.library import library
from pipeline.review.duplicates import record_not_duplicate

NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


@pytest.fixture
def world(db_url: str) -> World:
    return make_world(db_url)


def test_a_second_copy_is_flagged_not_delivered(world: World, settings_for, tmp_path: Path) -> None:
    settings = settings_for(world.url)
    first = release_variant(settings, tmp_path, "INV-2026-0042", "2026-11-02")
    copy = release_variant(settings, tmp_path, "INV-2026-0043", "2026-11-03")
    other = release_variant(settings, tmp_path, "INV-2026-0517", "2026-11-14")
    with unit_of_work(world.url) as session:  # whatever happened upstream: the copy was released as an invoice
        session.get(Document, copy).invoice_number = "INV 2026 0042"
    with unit_of_work(world.url) as session:
        rows = {r["document_id"]: r for r in library(session, world.accountant_a, client_id=world.client_a)}
    assert rows[copy]["second_copy_of"] == first
    assert rows[first]["second_copy_of"] is None and rows[other]["second_copy_of"] is None
    with unit_of_work(world.url) as session:
        data = zip_for_period(session, settings, world.accountant_a, world.client_a, *NOVEMBER)
    archive = zipfile.ZipFile(io.BytesIO(data))
    summary = {r["document_id"]: r for r in csv.DictReader(io.StringIO(archive.read("summary.csv").decode()))}
    assert summary[str(copy)]["second_copy_of"] == str(first) and summary[str(copy)]["ubl_file"] == ""
    assert summary[str(first)]["second_copy_of"] == "" and summary[str(first)]["ubl_file"]
    xml_names = [n for n in archive.namelist() if n.endswith(".xml")]
    assert len(xml_names) == 2 and not any(n.startswith(f"{copy:06d}-") for n in xml_names)
    bookings = list(csv.DictReader(io.StringIO(archive.read("bookings.csv").decode())))
    assert str(copy) not in {b["document_id"] for b in bookings}
    with unit_of_work(world.url) as session:
        assert session.scalars(select(Delivery).where(Delivery.document_id == copy)).all() == []
        assert session.get(Document, copy).status is DocumentStatus.RELEASED
        assert session.get(Document, first).status is DocumentStatus.DELIVERED
        record_not_duplicate(session, None, copy, first)  # an operator said: a different invoice after all
    with unit_of_work(world.url) as session:
        rows = {r["document_id"]: r for r in library(session, world.accountant_a, client_id=world.client_a)}
    assert rows[copy]["second_copy_of"] is None
