"""Every endpoint over real HTTP: documents in and out, the library, booking, sales, payments."""

from __future__ import annotations

import email
import io
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal as D
from email import policy

import httpx
import pytest
from sqlalchemy import select

from models import Delivery, Document, UblRelease
from models.enums import DeliveryChannel
from pipeline.api import tokens
from pipeline.core.db import unit_of_work
from pipeline.http.app import create_app
from pipeline.http.settings import from_environment
from tests import hostile
from tests.test_http_world import (  # noqa: F401
    SYSTEM,
    HttpWorld,
    Server,
    free_port,
    http_world_fixture,
    ubl_variant,
)
from tests.test_payments_flow import DUE, SUPPLIER_OGM, camt053, incoming
from tests.test_sales_invoices import seller_with_customers


@pytest.fixture
def mailbox(smtp_inbox):  # type: ignore[no-untyped-def]
    """A real SMTP server on a free port (aiosmtpd)."""
    return smtp_inbox


def test_documents_library_and_booking(http_world: HttpWorld) -> None:
    w = http_world
    data = ubl_variant("INV-FLOW-1")
    with w.as_("office_a") as http:
        assert [c["name"] for c in http.get("/v1/clients").json()] == [
            "Bakkerij Aerts",
            "Slagerij Adams",
        ]
        first = http.post(
            f"/v1/clients/{w.client_a}/documents", files={"file": ("flow.xml", data)}
        )
        assert (
            first.status_code == 201
            and first.headers["location"]
            == f"/v1/documents/{first.json()['document_id']}"
        )
        doc = first.json()["document_id"]
        assert first.json() == {
            "document_id": doc,
            "created": True,
            "filename": "flow.xml",
            "status": "released",
            "error": None,
        }
        again = http.post(
            f"/v1/clients/{w.client_a}/documents",
            files={"file": ("other-name.xml", data)},
        )
        assert (
            again.status_code == 200
            and again.json()["document_id"] == doc
            and again.json()["created"] is False
        )

        status = http.get(f"/v1/documents/{doc}").json()
        assert (
            status["status"] == "released"
            and status["ubl_available"]
            and status["total_incl_vat"] == "1263.00"
        )
        fields = {f["name"]: f for f in status["fields"]}
        assert (
            fields["invoice_number"]["value"] == "INV-FLOW-1"
            and fields["invoice_number"]["confidence"] == 1.0
        )
        assert (
            fields["total_incl_vat"]["state"] in ("certain", "confirmed")
            and fields["total_incl_vat"]["source"]
        )

        original = http.get(f"/v1/documents/{doc}/original")
        assert (
            original.content == data
            and original.headers["content-type"] == "application/xml"
        )
        ubl = http.get(f"/v1/documents/{doc}/ubl")
        assert ubl.status_code == 200 and b"INV-FLOW-1" in ubl.content
        assert ubl.headers["content-disposition"].startswith(
            f'attachment; filename="{doc:06d}-'
        )
        with unit_of_work(w.url) as session:
            release = session.scalars(
                select(UblRelease).where(UblRelease.released_document_id == doc)
            ).one()
            assert ubl.content == (w.settings.data_dir / release.xml_path).read_bytes()
            assert session.scalars(
                select(Delivery.channel).where(Delivery.document_id == doc)
            ).all() == [DeliveryChannel.DOWNLOAD]
        assert http.get(f"/v1/documents/{doc}").json()["status"] == "delivered"

        second = w.release("INV-FLOW-2", "2026-11-20")
        assert http.post(f"/v1/documents/{second}/delivered").json() == {
            "document_id": second,
            "status": "delivered",
        }
        assert (
            http.post(f"/v1/documents/{second}/delivered").json()["status"]
            == "delivered"
        )  # once is enough
        with unit_of_work(w.url) as session:
            assert (
                len(
                    session.scalars(
                        select(Delivery).where(Delivery.document_id == second)
                    ).all()
                )
                == 1
            )
        third = w.release("INV-FLOW-3", "2026-11-25")
        archive = http.get(
            f"/v1/clients/{w.client_a}/zip",
            params={"from": "2026-11-01", "to": "2026-11-30"},
        )
        assert (
            archive.status_code == 200
            and archive.headers["content-type"] == "application/zip"
        )
        names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
        assert sorted(names) == sorted(
            [n for n in names if n.startswith(f"{third:06d}-")]
            + ["summary.csv", "bookings.csv"]
        )

        proposals = http.get(f"/v1/documents/{doc}/booking").json()
        head = next(p for p in proposals if p["line_index"] == -1)
        assert head["state"] == "proposed" and head["vat_code"] == "MIXED"
        booked = http.post(
            f"/v1/documents/{doc}/booking",
            json={
                "ledger_account": "612000",
                "lines": [{"line_index": 0, "vat_code": "V21-CAR"}],
            },
        )
        assert booked.status_code == 200, booked.text
        decided = {p["line_index"]: p for p in booked.json()}
        assert (
            decided[-1]["state"] == "overridden"
            and decided[-1]["booked_ledger_account"] == "612000"
        )
        assert decided[-1]["decided_by"] == "API token: test office_a"
        assert (
            decided[0]["booked_vat_code"] == "V21-CAR"
            and decided[1]["state"] == "proposed"
        )
        assert http.get(f"/v1/documents/{doc}").json()["status"] == "booked"
        # the booking trains the proposals: the supplier's next invoice is proposed on 612000
        fourth = w.release("INV-FLOW-4", "2026-11-28")
        nxt = next(
            p
            for p in http.get(f"/v1/documents/{fourth}/booking").json()
            if p["line_index"] == -1
        )
        assert nxt["ledger_account"] == "612000"
        accepted = http.post(f"/v1/documents/{fourth}/booking", json={}).json()
        assert next(p for p in accepted if p["line_index"] == -1)["state"] == "accepted"
        unknown_line = http.post(
            f"/v1/documents/{fourth}/booking", json={"lines": [{"line_index": 99}]}
        )
        assert unknown_line.status_code == 404
    # a document still in the queue cannot be booked or marked delivered: 409 conflict
    pdf = hostile.text_pdf()
    queued = w.upload("office_a", w.client_a, "queued.pdf", pdf).json()["document_id"]
    with w.as_("office_a") as http:
        assert http.get(f"/v1/documents/{queued}").json()["status"] != "released"
        for path in ("booking", "delivered"):
            answer = http.post(f"/v1/documents/{queued}/{path}", json={})
            assert answer.status_code == 409 and answer.json()["code"] == "conflict"
        assert http.get(f"/v1/documents/{queued}/ubl").json()["code"] == "not_found"


def test_sales_invoices_payments_and_statements(
    db_url: str, settings_for, mailbox
) -> None:  # type: ignore[no-untyped-def]
    inbox, port = mailbox
    settings_for(
        db_url,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(port),
        SMTP_STARTTLS="0",
        SMTP_FROM="facturen@peeters.example",
        API_RATE_BURST="10000",
    )
    ids = seller_with_customers(db_url)
    made = tokens.create_token(SYSTEM, "ERP", client_id=ids["client"])
    due = incoming(db_url, ids["client"], 1, payment_reference=SUPPLIER_OGM)
    auth = {"Authorization": f"Bearer {made.secret}"}
    with (
        Server(create_app(from_environment())) as server,
        httpx.Client(base_url=server.base, headers=auth, timeout=60) as http,
    ):
        customers = http.get(f"/v1/clients/{ids['client']}/customers").json()
        assert {c["name"] for c in customers} == {"Klant NV", "Kunde GmbH"}
        added = http.post(
            f"/v1/clients/{ids['client']}/customers",
            json={
                "name": "Café Centraal",
                "vat": "BE0477472701",
                "email": "cafe@example.be",
            },
        )
        assert added.status_code == 201, added.text
        bad = http.post(
            f"/v1/clients/{ids['client']}/customers",
            json={"name": "X", "vat": "BE0123456789"},
        )
        assert bad.status_code == 422 and bad.json()["code"] == "invalid_sales_value"

        draft = http.post(
            f"/v1/clients/{ids['client']}/sales-invoices",
            json={
                "customer_id": added.json()["id"],
                "lines": [
                    {
                        "description": "Taart",
                        "quantity": "3",
                        "unit_price": "14.99",
                        "vat_rate": "6",
                    },
                    {
                        "description": "Koffie",
                        "quantity": "2.5",
                        "unit_price": "3.333",
                    },
                ],
            },
        )
        assert draft.status_code == 201, draft.text
        assert draft.json()["status"] == "draft" and draft.json()["number"] is None
        invoice_id = draft.json()["id"]
        assert (
            http.get(f"/v1/sales-invoices/{invoice_id}/pdf").status_code == 404
        )  # not issued yet
        issued = http.post(
            f"/v1/sales-invoices/{invoice_id}/issue",
            json={"issue_date": "2026-03-16"},
        )
        assert issued.status_code == 200, issued.text
        sold = issued.json()
        assert (
            sold["status"] == "issued"
            and sold["number"]
            and sold["total_incl_vat"] == "57.75"
        )
        twice = http.post(f"/v1/sales-invoices/{invoice_id}/issue")
        assert twice.status_code == 409 and twice.json()["code"] == "already_issued"
        assert http.get(f"/v1/sales-invoices/{invoice_id}/pdf").content.startswith(
            b"%PDF"
        )
        assert (
            sold["number"].encode()
            in http.get(f"/v1/sales-invoices/{invoice_id}/ubl").content
        )
        sent = http.post(f"/v1/sales-invoices/{invoice_id}/send", json={})
        assert sent.json() == {
            "invoice_id": invoice_id,
            "sent_to": "cafe@example.be",
        }
        ((_, to, raw),) = inbox.envelopes
        message = email.message_from_bytes(raw, policy=policy.default)
        assert to == ["cafe@example.be"] and len(list(message.iter_attachments())) == 2
        assert [
            i["number"]
            for i in http.get(f"/v1/clients/{ids['client']}/sales-invoices").json()
        ] == [sold["number"]]

        batch = http.post(
            f"/v1/clients/{ids['client']}/payment-batches",
            json={"until": DUE.isoformat(), "execution_date": DUE.isoformat()},
        )
        assert batch.status_code == 201, batch.text
        body = batch.json()
        assert [p["document_id"] for p in body["included"]] == [due] and body[
            "total"
        ] == "121.00"
        assert (
            '<InstdAmt Ccy="EUR">121.00</InstdAmt>' in body["pain001"]
            and not body["held"]
        )

        entries = [
            {
                "dir": "DBIT",
                "amount": "121.00",
                "name": "ACME",
                "iban": "BE20001122334456",
                "ref": "090933755493",
                "id": "1",
            },
            {
                "dir": "CRDT",
                "amount": sold["total_incl_vat"],
                "name": "Cafe",
                "iban": "BE11063512345648",
                "ref": sold["payment_reference"].strip("+").replace("/", ""),
                "id": "2",
            },
            {
                "dir": "CRDT",
                "amount": "5.00",
                "name": "?",
                "iban": "BE11063512345648",
                "text": "?",
                "id": "3",
            },
        ]
        statement = http.post(
            f"/v1/clients/{ids['client']}/bank-statements",
            files={"file": ("stmt.xml", camt053("08", entries))},
        )
        assert statement.status_code == 200, statement.text
        result = statement.json()
        assert sorted(m["how"] for m in result["matched"]) == [
            "reference",
            "reference",
        ]
        assert [u["amount"] for u in result["unmatched"]] == ["5.00"]
        hostile = http.post(
            f"/v1/clients/{ids['client']}/bank-statements",
            files={
                "file": (
                    "x.xml",
                    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>',
                )
            },
        )
        assert hostile.status_code == 422 and hostile.json()["code"] == "hostile_xml"
    with unit_of_work(db_url) as session:
        assert session.get(Document, due).payment_status == "paid"
    assert D(sold["total_incl_vat"]) > 0 and date.fromisoformat(
        sold["issue_date"]
    ) == date(2026, 3, 16)


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_concurrent_uploads_are_all_released(http_world: HttpWorld) -> None:
    """Sixteen uploads at once, eight at a time: each read, validated and released in its call
    (on SQLite the process answers one request at a time: concurrent writers broke the release).
    The supplier is known first: two first releases of one supplier at once race on its new
    profile in the release job (a domain matter, outside the HTTP layer)."""
    w = http_world
    w.release("CONC-FIRST", "2026-09-30")

    def upload(n: int) -> tuple[int, str]:
        answer = w.upload(
            "office_a",
            w.client_a,
            f"c{n}.xml",
            ubl_variant(f"CONC-{n}", f"2026-0{1 + n % 9}-1{n % 10}"),
        )
        return answer.status_code, answer.json().get("status", answer.text)

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(upload, range(16)))
    assert outcomes == [(201, "released")] * 16
