from __future__ import annotations

import io

import pytest
from PIL import Image

from models.enums import DocumentKind
from pipeline.core.errors import EmptyFile, HostileXml, UnsupportedFormat
from pipeline.intake.email import build_email
from pipeline.intake.sniff import sniff, xml_syntax
from tests.samples import CII, UBL, pdf_bytes


def image_bytes(fmt: str, size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 200, 200)).save(out, format=fmt)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [
        (pdf_bytes(), "a.pdf", DocumentKind.PDF),
        (image_bytes("JPEG"), "a.jpg", DocumentKind.IMAGE),
        (image_bytes("PNG"), "a.png", DocumentKind.IMAGE),
        (image_bytes("TIFF"), "a.tif", DocumentKind.IMAGE),
        (image_bytes("WEBP"), "a.webp", DocumentKind.IMAGE),
        (build_email("a@b.be", "Factuur", []), "mail.eml", DocumentKind.EMAIL),
        (UBL, "invoice.xml", DocumentKind.UBL),
        (CII, "factur-x.xml", DocumentKind.UBL),
        (image_bytes("PNG"), "scan.pdf", DocumentKind.IMAGE),  # content wins over a harmless name
    ],
)
def test_sniff_by_content(data: bytes, name: str, kind: DocumentKind) -> None:
    assert sniff(data, name) == kind


def test_xml_syntax_tells_ubl_from_cii() -> None:
    assert xml_syntax(UBL) == "UBL"
    assert xml_syntax(CII) == "CII"
    assert xml_syntax(b"<root/>") is None


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"\x00\x01garbage bytes that mean nothing" * 10, "x.pdf"),
        (b"<html><body>pay here</body></html>", "invoice.pdf"),
        (b"MZ\x90\x00" + b"\x00" * 100, "invoice.pdf"),
        (b"PK\x03\x04" + b"\x00" * 100, "invoice.docx"),
        (b'<?xml version="1.0"?><note><to>x</to></note>', "note.xml"),
        (pdf_bytes(), "invoice.pdf.exe"),
    ],
)
def test_sniff_refuses(data: bytes, name: str) -> None:
    with pytest.raises(UnsupportedFormat) as info:
        sniff(data, name)
    assert info.value.message


@pytest.mark.parametrize("data", [b"", b"   \n"])
def test_sniff_empty(data: bytes) -> None:
    with pytest.raises(EmptyFile):
        sniff(data, "x.pdf")


def test_sniff_refuses_entities() -> None:
    evil = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Invoice>&e;</Invoice>'
    with pytest.raises(HostileXml):
        sniff(evil, "x.xml")
