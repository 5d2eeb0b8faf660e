from __future__ import annotations

import pymupdf

from pipeline.intake.embedded import find_embedded_xml
from tests.samples import CII, UBL


def pdf_with(files: list[tuple[str, bytes]], annotation: tuple[str, bytes] | None = None) -> bytes:
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), "Facture F-1")
    for name, content in files:
        doc.embfile_add(name, content, filename=name)
    if annotation:
        page.add_file_annot(pymupdf.Point(300, 300), annotation[1], annotation[0])
    return doc.tobytes()


def test_finds_factur_x() -> None:
    found = find_embedded_xml(pdf_with([("notes.txt", b"hello"), ("factur-x.xml", CII)]))
    assert found is not None
    assert (found.filename, found.syntax, found.content) == ("factur-x.xml", "CII", CII)


def test_finds_ubl_in_file_annotation() -> None:
    found = find_embedded_xml(pdf_with([], annotation=("invoice.xml", UBL)))
    assert found is not None and found.syntax == "UBL"


def test_none_without_invoice_xml() -> None:
    assert find_embedded_xml(pdf_with([("other.xml", b"<root/>")])) is None
    assert find_embedded_xml(b"not a pdf") is None
