"""Handing over: single downloads, the period ZIP and the export folder, each recorded once."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from test_deliver_library import World, make_world, release_variant

from models import AuditEntry, Delivery, Document, UblRelease
from models.enums import DeliveryChannel, DocumentStatus
from pipeline.core.db import unit_of_work
from pipeline.deliver.download import download_ubl, zip_for_period
from pipeline.deliver.export import export_folder

NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))



@pytest.fixture
def world(db_url: str) -> World:
    return make_world(db_url)

def _summary(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    rows = list(csv.DictReader(io.StringIO(archive.read("summary.csv").decode("utf-8"))))
    return archive.namelist(), rows


def test_download_is_recorded_and_not_repeated_in_the_next_zip(world: World, settings_for, tmp_path: Path) -> None:
    settings = settings_for(world.url)
    first = release_variant(settings, tmp_path, "INV-2026-0042", "2026-11-02")
    second = release_variant(settings, tmp_path, "INV-2026-0517", "2026-11-14")
    with unit_of_work(world.url) as session:
        name, xml = download_ubl(session, settings, world.accountant_a, first)
        release = session.scalars(select(UblRelease).where(UblRelease.released_document_id == first)).one()
        assert xml == (settings.data_dir / release.xml_path).read_bytes()
        assert name.startswith(f"{first:06d}-") and name.endswith(".xml")
    with unit_of_work(world.url) as session:
        delivery = session.scalars(select(Delivery).where(Delivery.document_id == first)).one()
        assert delivery.channel is DeliveryChannel.DOWNLOAD and delivery.user_id == world.accountant_a.user_id
        assert session.get(Document, first).status is DocumentStatus.DELIVERED
        assert session.get(Document, second).status is DocumentStatus.RELEASED
        assert session.scalar(select(func.count()).select_from(AuditEntry)
                              .where(AuditEntry.action == "ubl_downloaded")) == 1
    # a client may fetch its own UBL: audited, but no delivery to the accountant
    with unit_of_work(world.url) as session:
        download_ubl(session, settings, world.client_user_a, second)
    with unit_of_work(world.url) as session:
        assert session.scalars(select(Delivery).where(Delivery.document_id == second)).all() == []
        names, rows = _summary(zip_for_period(session, settings, world.accountant_a, world.client_a, *NOVEMBER))
    assert [row["document_id"] for row in rows] == [str(second)]
    assert sum(n.endswith(".xml") for n in names) == 1
    with unit_of_work(world.url) as session:
        names, rows = _summary(zip_for_period(session, settings, world.accountant_a, world.client_a, *NOVEMBER))
        assert rows == [] and names == ["summary.csv", "bookings.csv"]
        _, again = _summary(zip_for_period(session, settings, world.accountant_a, world.client_a, *NOVEMBER,
                                           include_delivered=True))
        assert [row["document_id"] for row in again] == [str(first), str(second)]


def test_zip_holds_the_ubls_and_a_summary_with_decimal_amounts(world: World, settings_for, tmp_path: Path) -> None:
    settings = settings_for(world.url)
    first = release_variant(settings, tmp_path, "INV-2026-0042", "2026-11-02")
    release_variant(settings, tmp_path, "INV-2026-0999", "2026-12-01")  # outside the period
    with unit_of_work(world.url) as session:
        data = zip_for_period(session, settings, world.accountant_a, world.client_a, *NOVEMBER)
    archive = zipfile.ZipFile(io.BytesIO(data))
    names, rows = _summary(data)
    ubls = [n for n in names if n.endswith(".xml")]
    assert len(ubls) == 1 and ubls[0].startswith(f"{first:06d}-")
    assert b"<cbc:PayableAmount currencyID=\"EUR\">1263.00</cbc:PayableAmount>" in archive.read(ubls[0])
    (row,) = rows
    assert (row["total_excl_vat"], row["total_vat"], row["total_incl_vat"]) == ("1050.00", "213.00", "1263.00")
    assert row["supplier_vat"] == "BE0123456749" and row["invoice_number"] == "INV-2026-0042"
    assert row["issue_date"] == "2026-11-02" and row["currency"] == "EUR"
    assert row["validated_by"] == "machine" and row["ubl_file"] == ubls[0]
    assert row["vat_code"] == "MIXED" and row["booking"] == "proposed"
    bookings = list(csv.DictReader(io.StringIO(archive.read("bookings.csv").decode())))
    assert [(b["line_index"], b["vat_code"]) for b in bookings] == [("-1", "MIXED"), ("0", "V21"), ("1", "V06")]
    with unit_of_work(world.url) as session:
        deliveries = session.scalars(select(Delivery)).all()
        assert [(d.document_id, d.channel) for d in deliveries] == [(first, DeliveryChannel.ZIP)]


def test_export_folder_is_idempotent(world: World, settings_for, tmp_path: Path) -> None:
    settings = settings_for(world.url)
    first = release_variant(settings, tmp_path, "INV-2026-0042", "2026-11-02")
    with unit_of_work(world.url) as session:
        result = export_folder(session, settings, world.office_a)
    assert result.documents == [first]
    folder = settings.data_dir / "exports" / "Kantoor-Antwerpen" / "Bakkerij-Aerts" / "2026-Q4"
    assert result.folders == [folder]
    xml_files = sorted(p.name for p in folder.glob("*.xml"))
    assert len(xml_files) == 1
    rows = list(csv.DictReader(io.StringIO((folder / "summary.csv").read_text())))
    assert [(r["document_id"], r["total_incl_vat"], r["ubl_file"]) for r in rows] == [(str(first), "1263.00", xml_files[0])]
    with unit_of_work(world.url) as session:
        assert export_folder(session, settings, world.office_a).documents == []
        assert export_folder(session, settings, world.office_b).documents == []
    second = release_variant(settings, tmp_path, "INV-2026-0517", "2026-11-14")
    with unit_of_work(world.url) as session:
        assert export_folder(session, settings, world.office_a).documents == [second]
    rows = list(csv.DictReader(io.StringIO((folder / "summary.csv").read_text())))
    assert [r["document_id"] for r in rows] == [str(first), str(second)]
    with unit_of_work(world.url) as session:
        channels = session.scalars(select(Delivery.channel).where(Delivery.channel == DeliveryChannel.EXPORT_FOLDER)).all()
        assert len(channels) == 2
        assert session.get(Document, first).status is DocumentStatus.DELIVERED


def test_cli_export_zip_and_folder(world: World, settings_for, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from pipeline.__main__ import main

    settings = settings_for(world.url)
    first = release_variant(settings, tmp_path, "INV-2026-0042", "2026-11-02")
    target = tmp_path / "november.zip"
    assert main(["export", "--office", "Kantoor Antwerpen", "--client", "Bakkerij Aerts", "--from", "2026-11-01",
                 "--to", "2026-11-30", "-o", str(target)]) == 0
    _, rows = _summary(target.read_bytes())
    assert [r["document_id"] for r in rows] == [str(first)]
    assert main(["export", "--office", "Kantoor Antwerpen", "--client", "Garage Bosmans", "-o", str(target)]) == 1
    assert main(["export", "--office", "Kantoor Antwerpen"]) == 0  # the folder is another channel
    assert "exported 1 document(s)" in capsys.readouterr().out
    with unit_of_work(world.url) as session:
        deliveries = session.scalars(select(Delivery).order_by(Delivery.id)).all()
        assert [(d.channel, d.user_id) for d in deliveries] == [(DeliveryChannel.ZIP, None),
                                                                (DeliveryChannel.EXPORT_FOLDER, None)]
