"""Structured invoices embedded in a PDF: Factur-X, ZUGFeRD, XRechnung, UBL.

Looked for in the PDF's embedded files (the ``/EmbeddedFiles`` name tree, which also
holds PDF/A-3 associated files) and in file-attachment annotations on the pages.
The well-known names come first (``factur-x.xml``, ``zugferd-invoice.xml``,
``ZUGFeRD-invoice.xml``, ``xrechnung.xml``), then any other ``.xml`` attachment;
a candidate counts only when its root element is a UBL Invoice/CreditNote or a CII
CrossIndustryInvoice (parsed without DTDs, entities or network). Hostile or broken
XML is skipped with a log line; it never stops the PDF from being read.
"""

from __future__ import annotations

import logging
from typing import Any

from pipeline.core.errors import BoekbrugError
from pipeline.core.records import EmbeddedXml
from pipeline.intake.sniff import xml_syntax

log = logging.getLogger(__name__)

KNOWN_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml", "order-x.xml")
MAX_XML_BYTES = 20 * 1024 * 1024


def _open(pdf: bytes | Any) -> tuple[Any, bool]:
    import pymupdf

    if not isinstance(pdf, (bytes, bytearray, memoryview)):
        return pdf, False
    try:
        doc = pymupdf.open(stream=bytes(pdf), filetype="pdf")
    except Exception:  # not a PDF that opens: nothing embedded to find
        log.info("no embedded XML looked for: the PDF does not open", exc_info=True)
        return None, False
    if doc.needs_pass and not doc.authenticate(""):
        doc.close()
        return None, False
    return doc, True


def _candidates(doc: Any) -> list[tuple[str, Any]]:
    """``(filename, loader)`` for every embedded file and file annotation."""
    found: list[tuple[str, Any]] = []
    try:
        names = doc.embfile_names()
    except Exception:  # a broken name tree must not stop reading
        log.info("the PDF's embedded-file list cannot be read", exc_info=True)
        names = []
    for name in names:
        try:
            info = doc.embfile_info(name)
        except Exception:  # taken without its details
            log.info("embedded file %r: its details cannot be read", name, exc_info=True)
            info = {}
        filename = info.get("filename") or info.get("ufilename") or name
        size = info.get("size") or 0
        if size and size > MAX_XML_BYTES:
            continue
        found.append((filename, lambda n=name: doc.embfile_get(n)))
    import pymupdf

    for page in doc:
        try:
            # annotations are only valid while the generator is on them: read eagerly
            for annot in page.annots(types=[pymupdf.PDF_ANNOT_FILE_ATTACHMENT]):
                info = annot.file_info
                if (info.get("size") or info.get("length") or 0) > MAX_XML_BYTES:
                    continue
                content = annot.get_file()
                found.append((info.get("filename") or "attachment.xml", lambda c=content: c))
        except Exception:  # a broken annotation must not stop the search
            log.info("file annotations on page %s cannot be read", page.number + 1, exc_info=True)
    return found


def _rank(filename: str) -> int:
    lowered = filename.lower()
    if lowered in KNOWN_NAMES:
        return 0
    if lowered.endswith(".xml"):
        return 1
    return 2


def find_embedded_xml(pdf: bytes | Any) -> EmbeddedXml | None:
    """The first UBL or CII invoice embedded in ``pdf`` (bytes or an open pymupdf Document)."""
    doc, owned = _open(pdf)
    if doc is None:
        return None
    try:
        for filename, load in sorted(_candidates(doc), key=lambda item: _rank(item[0])):
            try:
                content = bytes(load())
            except Exception:
                log.info("embedded file %s cannot be extracted", filename, exc_info=True)
                continue
            if not content or len(content) > MAX_XML_BYTES:
                continue
            try:
                syntax = xml_syntax(content)
            except BoekbrugError as exc:
                log.warning("embedded file %s skipped: %s", filename, exc.message)
                continue
            if syntax is not None:
                log.debug("embedded %s invoice found: %s", syntax, filename)
                return EmbeddedXml(filename=filename, syntax=syntax, content=content)
        return None
    finally:
        if owned:
            doc.close()
