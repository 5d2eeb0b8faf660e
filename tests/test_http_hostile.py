"""Hostile uploads through the API: the intake's refusals and codes, size limits, odd names and bodies."""

from __future__ import annotations

import socket

import pytest

from tests import hostile
from tests.test_http_world import HttpWorld, http_world_fixture  # noqa: F401

# refused at the door (sniffing), or failing fast when read: no OCR needed
CASES = {
    case.name: case
    for case in hostile.corpus()
    if case.name
    in (
        "empty.pdf",
        "whitespace.xml",
        "truncated-early.pdf",
        "corrupt.pdf",
        "user-password.pdf",
        "invoices.zip",
        "zip-named.pdf",
        "xxe.xml",
        "xxe-utf16.xml",
        "billion-laughs.xml",
        "wrong-namespace.xml",
        "invoice.exe\u200b",
        "invoice.pdf.exe",
        "no-attachments.eml",
        "corrupt.jpg",
    )
}
EXTRA = {
    "program.pdf": (b"MZ\x90\x00" + b"\x00" * 200, "unsupported_format"),
    "page.html": (b"<html><script>alert(1)</script></html>", "unsupported_format"),
    "script.pdf": (b"#!/bin/sh\nrm -rf /\n", "unsupported_format"),
}


def test_hostile_files_get_the_intakes_codes_and_are_kept(
    http_world: HttpWorld,
) -> None:
    w = http_world
    expected = {name: case.expect for name, case in CASES.items()} | {
        n: code for n, (_, code) in EXTRA.items()
    }
    data = {name: case.data for name, case in CASES.items()} | {
        n: body for n, (body, _) in EXTRA.items()
    }
    assert len(CASES) == 15
    for name, code in expected.items():
        answer = w.upload("client_a", w.client_a, name, data[name])
        body = answer.json()
        assert answer.headers["content-type"] == "application/problem+json", (
            name,
            answer.text,
        )
        assert (answer.status_code, body["code"]) == (
            413 if code == "too_large" else 422,
            code,
        ), (name, body)
        assert (
            body["document_id"] and body["created"] is True
        )  # the original is kept, as a failed document
        again = w.upload(
            "client_a", w.client_a, name, data[name]
        )  # idempotent by content, refusal included
        assert (
            again.json()["document_id"] == body["document_id"]
            and again.json()["created"] is False
        )
        with w.as_("client_a") as http:
            status = http.get(f"/v1/documents/{body['document_id']}").json()
        assert status["status"] == "failed" and status["error"]["code"] == code


@pytest.mark.parametrize(
    "db_url", ["sqlite"], indirect=True
)  # the HTTP layer alone: one database is enough
def test_names_with_paths_and_control_characters_are_never_trusted(
    http_world: HttpWorld,
) -> None:
    w = http_world
    pdf = hostile.text_pdf(
        ("Factuur met een pad in de naam", *hostile.INVOICE_TEXT[1:])
    )
    answer = w.upload(
        "client_a", w.client_a, '..\\..\\evil"\r\nX-Injected: 1\u202e.pdf', pdf
    )
    assert answer.status_code == 201, answer.text
    name = answer.json()["filename"]
    assert (
        "/" not in name
        and "\\" not in name
        and "\r" not in name
        and "\n" not in name
        and "\u202e" not in name
    )
    with w.as_("client_a") as http:
        original = http.get(f"/v1/documents/{answer.json()['document_id']}/original")
    assert original.status_code == 200 and original.content == pdf
    assert (
        original.headers["content-type"] == "application/pdf"
        and "x-injected" not in original.headers
    )
    disposition = original.headers["content-disposition"]
    assert (
        disposition.startswith('attachment; filename="')
        and "\r" not in disposition
        and "\\" not in disposition
    )


@pytest.mark.parametrize(
    "db_url", ["sqlite"], indirect=True
)  # the HTTP layer alone: one database is enough
def test_size_limits_declared_streamed_and_at_intake(http_world: HttpWorld) -> None:
    w = http_world  # MAX_UPLOAD_MB=1: the body limit for an upload is 2 MiB, for JSON 1 MiB
    with w.as_("client_a") as http:
        huge = http.post(
            f"/v1/clients/{w.client_a}/documents",
            files={"file": ("big.pdf", b"%PDF-1.7\n" + b"0" * (3 << 20))},
        )
        assert huge.status_code == 413 and huge.json()["code"] == "too_large"

        def chunks():  # no Content-Length: counted while read
            yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="s.pdf"\r\n\r\n%PDF-1.7\n'
            for _ in range(40):
                yield b"0" * (100 << 10)
            yield b"\r\n--b--\r\n"

        streamed = http.post(
            f"/v1/clients/{w.client_a}/documents",
            content=chunks(),
            headers={"Content-Type": "multipart/form-data; boundary=b"},
        )
        assert streamed.status_code == 413 and streamed.json()["code"] == "too_large"
        # over MAX_UPLOAD_MB but within the body limit: the intake refuses it at the door, nothing stored
        intake = http.post(
            f"/v1/clients/{w.client_a}/documents",
            files={"file": ("big.pdf", b"%PDF-1.7\n" + b"0" * ((1 << 20) + 10))},
        )
        assert intake.status_code == 413 and intake.json()["code"] == "too_large"
        assert (
            "document_id" not in intake.json()
            and "limit is 1 MB" in intake.json()["detail"]
        )
        big_json = http.post(
            "/v1/documents/1/booking",
            content=b'{"ledger_account": "' + b"6" * (2 << 20) + b'"}',
            headers={"Content-Type": "application/json"},
        )
        assert big_json.status_code == 413


@pytest.mark.parametrize(
    "attempt", ["no file field", "not multipart", "broken multipart", "bad json"]
)
@pytest.mark.parametrize(
    "db_url", ["sqlite"], indirect=True
)  # the HTTP layer alone: one database is enough
def test_malformed_requests_are_problems_not_crashes(
    http_world: HttpWorld, attempt: str
) -> None:
    w = http_world
    with w.as_("office_a") as http:
        url = f"/v1/clients/{w.client_a}/documents"
        answer = {
            "no file field": lambda: http.post(
                url, files={"other": ("x.pdf", b"%PDF")}
            ),
            "not multipart": lambda: http.post(
                url, content=b"%PDF-1.4", headers={"Content-Type": "application/pdf"}
            ),
            "broken multipart": lambda: http.post(
                url,
                content=b"--zz\r\nbroken",
                headers={"Content-Type": "multipart/form-data; boundary=zz"},
            ),
            "bad json": lambda: http.post(
                "/v1/documents/1/booking",
                content=b"{nope",
                headers={"Content-Type": "application/json"},
            ),
        }[attempt]()
    assert (
        400 <= answer.status_code < 500
        and answer.headers["content-type"] == "application/problem+json"
    )
    assert answer.json()["code"] in ("invalid_request", "bad_request")


@pytest.mark.parametrize(
    "db_url", ["sqlite"], indirect=True
)  # the HTTP layer alone: one database is enough
def test_a_raw_socket_with_a_lying_content_length_is_cut_off(
    http_world: HttpWorld,
) -> None:
    w = http_world
    host, port = w.base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        raw.sendall(
            (
                f"POST /v1/clients/{w.client_a}/documents HTTP/1.1\r\nHost: x\r\n"
                f"Authorization: Bearer {w.secrets['client_a']}\r\n"
                "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 999999999999\r\n\r\n"
            ).encode()
        )
        received = b""
        while chunk := raw.recv(
            4096
        ):  # the answer says "Connection: close": read to the end
            received += chunk
        reply = received.decode(errors="replace")
    assert reply.startswith("HTTP/1.1 413") and '"code":"too_large"' in reply.replace(
        " ", ""
    )


@pytest.mark.parametrize(
    "db_url", ["sqlite"], indirect=True
)  # the HTTP layer alone: one database is enough
def test_an_upload_from_an_unknown_caller_is_refused_before_its_body_is_read(
    http_world: HttpWorld,
) -> None:
    w = http_world
    host, port = w.base.removeprefix("http://").split(":")
    for authorization in (
        "",
        "Authorization: Bearer bbk_not-a-token\r\n",
        "Authorization: Basic eDp5\r\n",
    ):
        with socket.create_connection((host, int(port)), timeout=10) as raw:
            raw.sendall(
                (
                    f"POST /v1/clients/{w.client_a}/documents HTTP/1.1\r\nHost: x\r\n{authorization}"
                    "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 1500000\r\n\r\n"
                ).encode()
            )  # and no body at all: the answer must not wait for it
            received = b""
            while chunk := raw.recv(4096):
                received += chunk
        reply = received.decode(errors="replace")
        assert reply.startswith(
            "HTTP/1.1 401"
        ) and '"code":"invalid_token"' in reply.replace(" ", ""), reply
