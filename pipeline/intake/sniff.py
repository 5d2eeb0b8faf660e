"""What a file is, decided by its content (magic bytes), not by its name.

``sniff(data, filename)`` returns a :class:`~models.enums.DocumentKind` or raises
:class:`EmptyFile` / :class:`UnsupportedFormat` with a reason a person understands.

* A name that merely disagrees with harmless content (``scan.pdf`` that is really a
  PNG) is accepted as what the content is, and logged.
* Content that is dangerous or not a document (executables, archives and Office
  files, HTML, SVG, scripts) is refused whatever the name says; so is a name whose
  extension would make a browser or OS run it (``invoice.pdf.exe``, ``.html``),
  because the original is served back to people under that name.
* XML is accepted only as a structured invoice: UBL ``Invoice``/``CreditNote`` or
  UN/CEFACT CII ``CrossIndustryInvoice`` (Factur-X/ZUGFeRD 2/XRechnung), and the old
  ZUGFeRD 1 ``CrossIndustryDocument``. Both syntaxes are ``DocumentKind.UBL`` (the
  "structured XML" route); :func:`xml_syntax` says which one. XML with a DOCTYPE or
  entities raises :class:`HostileXml`.
"""

from __future__ import annotations

import logging
import re
from pathlib import PurePosixPath

from models.enums import DocumentKind
from pipeline.core.errors import CorruptFile, EmptyFile, HostileXml, UnsupportedFormat

log = logging.getLogger(__name__)

UBL_NAMESPACES = {
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2": "Invoice",
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2": "CreditNote",
}
CII_NAMESPACES = {
    "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100": "CrossIndustryInvoice",
    "urn:ferd:CrossIndustryDocument:invoice:1p0": "CrossIndustryDocument",  # ZUGFeRD 1
}
DANGEROUS_EXTENSIONS = frozenset(
    ["exe", "com", "bat", "cmd", "scr", "pif", "js", "jse", "vbs", "vbe", "wsf", "ps1", "msi", "dll", "jar", "sh", "hta", "lnk", "html", "htm", "xhtml", "svg", "svgz", "php", "asp", "aspx", "cpl", "reg"]
)
_REFUSED_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a Linux program"),
    (b"\xcf\xfa\xed\xfe", "a macOS program"),
    (b"\xca\xfe\xba\xbe", "a program or Java class"),
    (b"#!", "a script"),
    (b"PK\x03\x04", "a ZIP archive or Office document"),
    (b"PK\x05\x06", "a ZIP archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office document (doc/xls/msg)"),
    (b"GIF87a", "a GIF image (not supported: send a PDF, JPEG or PNG)"),
    (b"GIF89a", "a GIF image (not supported: send a PDF, JPEG or PNG)"),
    (b"BM", "a BMP image (not supported: send a PDF, JPEG or PNG)"),
    (b"{\\rtf", "an RTF document"),
)
HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
_HEADER = re.compile(rb"^[!-9;-~]+:[ \t]?")
_KNOWN_HEADERS = frozenset(
    b"from to cc subject date received return-path message-id mime-version content-type "
    b"delivered-to reply-to sender dkim-signature authentication-results x-mailer user-agent".split()
)


def _extension(filename: str) -> str:
    return PurePosixPath(filename.replace("\\", "/")).suffix.lower().lstrip(".")


def sniff(data: bytes, filename: str = "") -> DocumentKind:
    """The kind of ``data``; raises EmptyFile, UnsupportedFormat or HostileXml."""
    if not data or not data.strip():
        raise EmptyFile(f"{filename or 'The file'} is empty.")
    ext = _extension(filename)
    if ext in DANGEROUS_EXTENSIONS:
        raise UnsupportedFormat(f"{filename!r} has a .{ext} name, which is refused whatever it contains.")
    kind = _by_content(data, filename)
    expected = {"pdf": DocumentKind.PDF, "xml": DocumentKind.UBL, "eml": DocumentKind.EMAIL,
                "jpg": DocumentKind.IMAGE, "jpeg": DocumentKind.IMAGE, "png": DocumentKind.IMAGE,
                "tif": DocumentKind.IMAGE, "tiff": DocumentKind.IMAGE, "webp": DocumentKind.IMAGE,
                "heic": DocumentKind.IMAGE, "heif": DocumentKind.IMAGE}.get(ext)
    if expected is not None and expected != kind:
        log.info("%s is named .%s but its content is %s; the content wins", filename, ext, kind.value)
    return kind


def _by_content(data: bytes, filename: str) -> DocumentKind:
    head = data[:64]
    for magic, what in _REFUSED_MAGIC:
        if head.startswith(magic):
            raise UnsupportedFormat(f"{filename or 'The file'} is {what}, not an invoice document.")
    if head.startswith(b"%PDF-") or (b"%PDF-" in data[:1024] and not _looks_html(data[:1024])):
        return DocumentKind.PDF
    if head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")):
        return DocumentKind.IMAGE
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return DocumentKind.IMAGE
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return DocumentKind.IMAGE
    if head[4:8] == b"ftyp":
        if is_heic(data):
            return DocumentKind.IMAGE
        raise UnsupportedFormat(f"{filename or 'The file'} is an AVIF photo or a video; export it as JPEG.")
    if looks_like_email(data):  # before the HTML test: most e-mails carry an HTML body
        return DocumentKind.EMAIL
    if _looks_html(data[:2048]):
        raise UnsupportedFormat(f"{filename or 'The file'} is a web page (HTML), not an invoice document.")
    text_start = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text_start.startswith(b"<") or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        syntax = xml_syntax(data)
        if syntax is None:
            from lxml import etree

            root = etree.QName(parse_xml(data))  # type: ignore[arg-type]
            raise UnsupportedFormat(
                f"{filename or 'The file'} is XML but not a UBL or CII invoice "
                f"(its root is {root.localname!r} in namespace {root.namespace or 'none'!r}).",
                hint="Only UBL Invoice/CreditNote and UN/CEFACT CII (Factur-X/ZUGFeRD) XML are accepted.",
            )
        return DocumentKind.UBL
    raise UnsupportedFormat(f"{filename or 'The file'} is not a PDF, image, e-mail or invoice XML.")


def is_heic(data: bytes) -> bool:
    """An ISO-BMFF file whose brands say HEIC/HEIF with HEVC images (what iPhones send).

    The ``ftyp`` box holds a major brand and a list of compatible brands; ``mif1`` /
    ``msf1`` alone only say "some image format" (AVIF uses them too), so one of the
    HEVC brands must be there. AVIF (``avif``/``avis``) is not decoded here.
    """
    if data[4:8] != b"ftyp":
        return False
    size = int.from_bytes(data[:4], "big")
    box = data[8 : min(max(size, 16), 4096)]
    brands = {box[0:4]} | {box[i : i + 4] for i in range(8, len(box) - 3, 4)}
    return bool(brands & HEIC_BRANDS) and not brands & {b"avif", b"avis"}


def _looks_html(head: bytes) -> bool:
    lowered = head.lower()
    return any(tag in lowered for tag in (b"<!doctype html", b"<html", b"<script", b"<svg", b"<body"))


def looks_like_email(data: bytes) -> bool:
    """RFC 5322 headers up to the first blank line, with at least two known names."""
    block = data[:16384].replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    lines = block.split(b"\n")
    if lines and lines[0].startswith(b"From "):  # mbox separator
        lines = lines[1:]
    headers = 0
    known: set[bytes] = set()
    for line in lines:
        if not line or line[:1] in (b" ", b"\t"):
            continue
        if not _HEADER.match(line):
            return False
        headers += 1
        known.add(line.split(b":", 1)[0].strip().lower())
    return headers >= 2 and len(known & _KNOWN_HEADERS) >= 2


def parse_xml(data: bytes) -> object:
    """Parse XML from outside: no DTD, no entities, no network (lxml)."""
    from lxml import etree

    probe = data[:4096].upper()
    if b"<!DOCTYPE" in probe or b"<!ENTITY" in probe or b"<!DOCTYPE" in data.upper():
        raise HostileXml("The XML declares a DOCTYPE or entities.")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             dtd_validation=False, huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise CorruptFile(f"The XML is not well-formed: {exc}") from exc
    # the byte test above misses a DOCTYPE in UTF-16/UTF-32; the parsed tree does not
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise HostileXml("The XML declares a DOCTYPE or entities.")
    return root


def xml_syntax(data: bytes) -> str | None:
    """``"UBL"``, ``"CII"`` or None (other XML); raises HostileXml / CorruptFile."""
    from lxml import etree

    root = parse_xml(data)
    qname = etree.QName(root)  # type: ignore[arg-type]
    if UBL_NAMESPACES.get(qname.namespace or "") == qname.localname:
        return "UBL"
    if CII_NAMESPACES.get(qname.namespace or "") == qname.localname:
        return "CII"
    return None
