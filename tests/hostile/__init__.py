"""The hostile and broken input corpus, built in code at test time (nothing binary committed).

Every builder returns the file's bytes; :func:`corpus` returns the whole set as
:class:`Case` rows (file name as uploaded, bytes, and the outcome we expect), so one
batch can carry all of them next to a good invoice. Builders are fast (< 1 s each) and
deterministic, so an exact re-run creates nothing twice.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from functools import cache, cached_property

from pipeline.core.config import PROJECT_ROOT

GOOD_UBL = PROJECT_ROOT / "tests" / "fixtures" / "be-invoice-0208.xml"

INVOICE_TEXT = (
    "FACTUUR 2026-0042",
    "Leverancier BV - Kerkstraat 1, 2000 Antwerpen - BTW BE0123.456.749",
    "Factuurdatum 03/03/2026  Vervaldatum 02/04/2026",
    "Omschrijving: advies, 10 uur a 100,00 EUR",
    "Totaal excl. btw 1.000,00 EUR  btw 21% 210,00 EUR",
    "Totaal te betalen 1.210,00 EUR",
)


@dataclass(frozen=True)
class Case:
    name: str  # file name as uploaded (may be hostile itself)
    build: Callable[[], bytes]
    expect: str  # "read", "split", a notice code ("damaged_pdf": read, held with that note), or the error code it fails with
    note: str = ""

    @cached_property
    def data(self) -> bytes:
        return self.build()


# ------------------------------------------------------------------ PDFs
def text_pdf(lines: tuple[str, ...] = INVOICE_TEXT, *, width: float = 595, height: float = 842,
             fontsize: float = 11, **save: object) -> bytes:
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=width, height=height)
    for number, line in enumerate(lines):
        page.insert_text((40, 60 + number * fontsize * 1.6), line, fontsize=fontsize)
    return doc.tobytes(**save)


def truncated_pdf(keep: float = 0.15, tail: bytes = b"") -> bytes:
    """An invoice PDF cut off after ``keep`` of its bytes (a broken download)."""
    whole = text_pdf(("Afgebroken factuur", *INVOICE_TEXT[1:]))
    return whole[: int(len(whole) * keep)] + tail


def corrupt_pdf() -> bytes:
    """A PDF header, then noise: no objects, no xref, no trailer."""
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 8 + b"\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\n"


def user_password_pdf() -> bytes:
    import pymupdf

    return text_pdf(encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="eigenaar", user_pw="open-sesame")


def owner_password_pdf() -> bytes:
    import pymupdf

    return text_pdf(("Beveiligde factuur", *INVOICE_TEXT[1:]), encryption=pymupdf.PDF_ENCRYPT_AES_256,
                    owner_pw="eigenaar", permissions=pymupdf.PDF_PERM_PRINT)


def many_pages_pdf(pages: int = 2000, lines: tuple[str, ...] = ("Pagina met voorwaarden", *INVOICE_TEXT)) -> bytes:
    """``pages`` page objects sharing one content stream, written by hand (~20 ms)."""
    content = " ".join(f"BT /F1 11 Tf 40 {780 - 18 * i} Td ({line}) Tj ET" for i, line in enumerate(lines)).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (5 + i) for i in range(pages)) + b"] /Count %d >>" % pages,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"
    objects += [page] * pages
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pdf_of_objects(objects: list[bytes]) -> bytes:
    """A PDF of numbered objects (1 is the catalogue) with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def page_tree_loop_pdf() -> bytes:
    """One good invoice page, and a page-tree node whose kids lead back to the root (claims 3 pages)."""
    content = " ".join(f"BT /F1 11 Tf 40 {780 - 18 * i} Td ({line}) Tj ET" for i, line in enumerate(INVOICE_TEXT))
    stream = content.encode("latin-1")
    return pdf_of_objects([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [5 0 R 6 0 R] /Count 3 >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>",
        b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R 6 0 R] /Count 2 >>",
    ])


def blank_pdf() -> bytes:
    import pymupdf

    doc = pymupdf.open()
    doc.new_page()
    return doc.tobytes()


def giant_page_pdf(side: float = 14400) -> bytes:
    """One 14400 x 14400 pt page (the PDF maximum, 5 m a side) with a small image and a
    stamp of text: it needs OCR, so the renderer must keep it within MAX_PIXELS."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=side, height=side)
    stamp = pymupdf.open()
    small = stamp.new_page(width=300, height=80)
    small.insert_text((10, 40), "BETAALD", fontsize=20)
    png = small.get_pixmap(dpi=72).tobytes("png")
    page.insert_image(pymupdf.Rect(0, 0, side, side), stream=png)
    return doc.tobytes(deflate=True)


def javascript_pdf() -> bytes:
    """An invoice PDF that runs JavaScript on open and carries a JS link (never run)."""
    import pymupdf

    doc = pymupdf.open(stream=text_pdf(("Factuur met script", *INVOICE_TEXT[1:])), filetype="pdf")
    js = doc.get_new_xref()
    doc.update_object(js, "<< /S /JavaScript /JS (app.alert('pwned'); this.exportDataObject({cName:'x', nLaunch:2});) >>")
    doc.xref_set_key(doc.pdf_catalog(), "OpenAction", f"{js} 0 R")
    doc[0].insert_link({"kind": pymupdf.LINK_URI, "from": pymupdf.Rect(40, 40, 200, 60),
                        "uri": "javascript:app.launchURL('http://evil.example/')"})
    return doc.tobytes()


def embedded_files_pdf() -> bytes:
    """An invoice PDF carrying a program, an XXE 'invoice' XML and a file annotation."""
    import pymupdf

    doc = pymupdf.open(stream=text_pdf(("Factuur met bijlagen", *INVOICE_TEXT[1:])), filetype="pdf")
    doc.embfile_add("setup.exe", b"MZ\x90\x00" + b"\x00" * 512, filename="setup.exe")
    doc.embfile_add("factur-x.xml", xxe_xml(), filename="factur-x.xml")
    doc[0].add_file_annot(pymupdf.Point(500, 40), billion_laughs_xml(), "zugferd-invoice.xml")
    return doc.tobytes()


# ------------------------------------------------------------------ images
def png_bytes(width: int = 900, height: int = 260, text: str = "TOTAAL 1.210,00 EUR") -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("L", (width, height), 255)
    ImageDraw.Draw(image).text((20, height // 3), text, fill=0, font_size=48)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def png_bomb(side: int = 30000) -> bytes:
    """A valid 30000 x 30000 greyscale PNG (900 megapixels) of ~1 MB: one deflate stream
    of zero rows, written chunk by chunk so building it never holds the pixels."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)  # 8-bit greyscale
    compressor = zlib.compressobj(9)
    row = b"\x00" * (side + 1)  # filter byte + pixels
    parts = [compressor.compress(row * 1000) for _ in range(side // 1000)]
    parts.append(compressor.flush())
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b"")


def corrupt_jpeg() -> bytes:
    """A JPEG start-of-image and headers, then noise instead of the scan data."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (640, 480), (250, 250, 250)).save(out, format="JPEG", quality=90)
    good = out.getvalue()
    start = good.index(b"\xff\xda")  # start of scan
    return good[: start + 12] + bytes((i * 37) % 251 for i in range(4096))


# ------------------------------------------------------------------ archives and XML
def zip_bomb(megabytes: int = 64) -> bytes:
    """64 MB of zeros deflated to ~64 KB. Refused by its magic bytes, never opened."""
    out = io.BytesIO()
    block = b"\x00" * (1024 * 1024)
    with (zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
          archive.open("invoice.pdf", "w") as member):
        for _ in range(megabytes):
            member.write(block)
    return out.getvalue()


UBL_BODY = (
    '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
    'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
    "<cbc:ID>{id}</cbc:ID><cbc:Note>{note}</cbc:Note></Invoice>"
)


def xxe_xml() -> bytes:
    return ('<?xml version="1.0"?>\n<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
            + UBL_BODY.format(id="XXE-1", note="&xxe;")).encode()


def xxe_utf16_xml() -> bytes:
    """The same XXE, encoded as UTF-16: a byte search for ``<!DOCTYPE`` does not see it."""
    return ('<?xml version="1.0" encoding="UTF-16"?>\n'
            '<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
            + UBL_BODY.format(id="XXE-16", note="&xxe;")).encode("utf-16")


def billion_laughs_xml() -> bytes:
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    ]
    return ('<?xml version="1.0"?>\n<!DOCTYPE Invoice [' + "".join(entities) + "]>\n"
            + UBL_BODY.format(id="LOL-1", note="&lol9;")).encode()


def wrong_namespace_ubl() -> bytes:
    """The good invoice with its root in UBL 1.0's namespace instead of 2.x's."""
    return GOOD_UBL.read_bytes().replace(
        b"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
        b"urn:oasis:names:specification:ubl:schema:xsd:Invoice-1.0", 1)


# ------------------------------------------------------------------ e-mails
def eml_without_attachments() -> bytes:
    msg = EmailMessage()
    msg["From"] = "leverancier@example.com"
    msg["To"] = "facturen@boekbrug.example"
    msg["Subject"] = "Uw factuur"
    msg["Date"] = "Mon, 03 Mar 2025 10:00:00 +0100"
    msg["Message-ID"] = "<no-attachment@example.com>"
    msg.set_content("Zie de factuur in de bijlage. (Er is geen bijlage.)")
    msg.add_alternative("<html><body><script>alert(1)</script>Zie bijlage</body></html>", subtype="html")
    return msg.as_bytes()


def eml_with_nested_hostile() -> bytes:
    """A message forwarding a message that carries hostile files and one broken PDF.

    The forwarded part's zip, XXE XML and executable are skipped; the truncated PDF
    (a document, though damaged) becomes a child document that fails on its own."""
    inner = EmailMessage()
    inner["From"] = "onbekend@evil.example"
    inner["To"] = "boekhouding@example.com"
    inner["Subject"] = "Factuur"
    inner["Date"] = "Mon, 03 Mar 2025 09:00:00 +0100"
    inner["Message-ID"] = "<inner@evil.example>"
    inner.set_content("Open de bijlage.")
    inner.add_attachment(zip_bomb(4), maintype="application", subtype="zip", filename="factuur.zip")
    inner.add_attachment(billion_laughs_xml(), maintype="application", subtype="xml", filename="../../factuur.xml")
    inner.add_attachment(b"MZ\x90\x00" + b"\x00" * 256, maintype="application", subtype="pdf",
                         filename="factuur.pdf.exe")
    inner.add_attachment(truncated_pdf(tail=b"nested"), maintype="application", subtype="pdf",
                         filename="..\\..\\scan.pdf")
    outer = EmailMessage()
    outer["From"] = "klant@example.com"
    outer["To"] = "facturen@boekbrug.example"
    outer["Subject"] = "FW: Factuur"
    outer["Date"] = "Mon, 03 Mar 2025 10:00:00 +0100"
    outer["Message-ID"] = "<outer@example.com>"
    outer.set_content("Doorgestuurd.")
    outer.add_attachment(inner)  # message/rfc822
    return outer.as_bytes()


# ------------------------------------------------------------------ the corpus
@cache
def corpus() -> tuple[Case, ...]:
    """Every hostile or broken case, with what should become of it."""
    return (
        Case("empty.pdf", lambda: b"", "empty_file"),
        Case("whitespace.xml", lambda: b" \r\n\t \n", "empty_file"),
        Case("truncated-early.pdf", lambda: truncated_pdf(0.15), "corrupt_file"),
        Case("truncated-late.pdf", lambda: truncated_pdf(0.70), "damaged_pdf",
             "MuPDF repairs it; read, said damaged, an operator checks it"),
        Case("page-tree-loop.pdf", page_tree_loop_pdf, "damaged_pdf", "1 of 3 pages recovered; an operator checks it"),
        Case("blank.pdf", blank_pdf, "read", "a page with no text: said blank, not an OCR failure"),
        Case("corrupt.pdf", corrupt_pdf, "corrupt_file"),
        Case("user-password.pdf", user_password_pdf, "encrypted_pdf"),
        Case("owner-password.pdf", owner_password_pdf, "read", "restrictions only: read"),
        Case("2000-pages.pdf", many_pages_pdf, "read", "first MAX_PAGES read, with a note"),
        Case("giant-page.pdf", giant_page_pdf, "read", "rendered within MAX_PIXELS"),
        Case("javascript.pdf", javascript_pdf, "read", "JS never run"),
        Case("embedded-files.pdf", embedded_files_pdf, "read", "exe and hostile XML ignored"),
        Case("bomb.png", png_bomb, "too_large", "900 Mpx in ~1 MB, refused before decoding"),
        Case("bomb-8000.png", lambda: png_bomb(8000), "too_large", "64 Mpx: over MAX_PIXELS, under Pillow's own guard"),
        Case("corrupt.jpg", corrupt_jpeg, "corrupt_file"),
        Case("really-a-png.pdf", png_bytes, "read", "content wins over the name"),
        Case("really-a-pdf.png", lambda: text_pdf(("PDF met een .png-naam", *INVOICE_TEXT[1:])), "read"),
        Case("invoices.zip", zip_bomb, "unsupported_format"),
        Case("zip-named.pdf", lambda: zip_bomb(8), "unsupported_format"),
        Case("xxe.xml", xxe_xml, "hostile_xml"),
        Case("xxe-utf16.xml", lambda: xxe_utf16_xml(), "hostile_xml"),
        Case("billion-laughs.xml", billion_laughs_xml, "hostile_xml"),
        Case("wrong-namespace.xml", wrong_namespace_ubl, "unsupported_format"),
        Case("..\\..\\..\\windows\\system32\\evil.pdf",
             lambda: text_pdf(("Factuur met een pad in de naam", *INVOICE_TEXT[1:])), "read"),
        Case("  fac\u0007tuur\u202e\u200bfdp.exe\t.pdf", lambda: text_pdf(("Factuur met rare naam", *INVOICE_TEXT[1:])),
             "read", "control and format characters dropped"),
        Case("invoice.exe\u200b", lambda: text_pdf(("Factuur met verborgen extensie", *INVOICE_TEXT[1:])),
             "unsupported_format", "shown as invoice.exe, so refused as one"),
        Case("invoice.pdf.exe", lambda: text_pdf(("Factuur als programma", *INVOICE_TEXT[1:])), "unsupported_format"),
        Case("no-attachments.eml", eml_without_attachments, "no_attachments"),
        Case("nested-hostile.eml", eml_with_nested_hostile, "split", "children: the broken PDF fails"),
    )
