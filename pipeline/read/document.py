"""Read a whole document (PDF or image) into a :class:`~pipeline.core.records.ReadResult`.

* **PDF**: each page's text layer is used where it exists; only pages that need it
  (no text, unmapped glyphs, an image with little text) are rendered at 200 dpi,
  cleaned up and OCR'd, so mixed PDFs cost only their scanned pages. PDFs with an
  owner password only (printing/copying restrictions) are read; a PDF that needs a
  password to open raises :class:`EncryptedPdf`; one PyMuPDF cannot open raises
  :class:`CorruptFile`. An embedded Factur-X/ZUGFeRD/XRechnung/UBL file is attached
  as ``embedded_xml``.
* **Damaged PDFs** (cut off, a broken index MuPDF repairs, a page tree that loops):
  the pages that can be recovered are read and a ``damaged_pdf`` notice says why the
  file is damaged and how many pages were recovered (:mod:`pipeline.read.damage`);
  with none recovered the file is a :class:`CorruptFile`.
* **Images**: JPEG/PNG/WebP/HEIC are one page, a multi-page TIFF several; every page
  is cleaned up (flattened, straightened, light text on dark bands turned
  dark-on-light, light evened out) and OCR'd.
* **Blank pages** are not OCR'd: a ``blank_page`` notice says the page has no text.
  A page where OCR finds nothing gets a ``no_text`` notice. Neither is a failure.
* **Too many pages**: the first ``settings.max_pages`` pages are read and a
  ``page_limit`` notice says how many were left unread. Nothing is raised, so the
  document still reaches an operator (the notice holds it for one).
* **Soft failures**: a page whose OCR fails or runs past ``settings.seconds_per_page``
  becomes an empty page plus a warning. Only when *every* page came back empty
  because of that does the document fail (:class:`ReadTimeout` when they all timed
  out, :class:`OcrUnavailable` when no OCR engine is installed).

After each OCR'd page the heap it freed is handed back to the system
(:func:`pipeline.read.memory.release`), so a worker's memory does not creep up from
page to page.

OCR runs on the process's one OCR thread (:mod:`pipeline.read.ocr_worker`), with one
helper thread for half of a page's crop re-reads when ``settings.read_threads`` is 2
(:func:`pipeline.read.ocr.base.on_helper`); a page
past its limit is *stopped* (its deadline is cancelled, Tesseract and the engines'
steps see it), not left running in the background.

Boxes of OCR'd pages are normalised to the page as stored (the photo, the scan, the
PDF page): OCR reads the cleaned-up image and its boxes are mapped back through the
straightening and the flattening (``Prepared.lines_to_source``).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import pymupdf

from models.enums import DocumentKind, FieldSource
from pipeline.core.config import Settings
from pipeline.core.errors import (
    CorruptFile,
    EmptyFile,
    EncryptedPdf,
    OcrUnavailable,
    ReadTimeout,
    UnsupportedFormat,
)
from pipeline.core.records import EmbeddedXml, Line, PageText, ReadResult
from pipeline.intake.embedded import find_embedded_xml
from pipeline.read.blank import is_blank
from pipeline.read.cleanup import prepare
from pipeline.read.damage import PdfDamage
from pipeline.read.deadline import check
from pipeline.read.images import count_frames, iter_frames
from pipeline.read.memory import release
from pipeline.read.notices import BLANK_PAGE, NO_TEXT
from pipeline.read.notices import PAGE_LIMIT as PAGE_LIMIT_CODE
from pipeline.read.ocr import OcrEngine, get_engine
from pipeline.read.ocr_worker import PageTimeout, run_page
from pipeline.read.orientation import read_upright
from pipeline.read.render import render_page
from pipeline.read.textlayer import read_text_layer

log = logging.getLogger(__name__)

PAGE_LIMIT = "(MAX_PAGES)"  # ends the notice that says pages were left unread


class _Reader:
    """State of one document read: the engine (opened lazily) and the warnings."""

    def __init__(self, settings: Settings, engine: OcrEngine | None) -> None:
        self.settings = settings
        self._engine = engine
        self._engine_error: OcrUnavailable | None = None
        self.warnings: list[str] = []
        self.ocr_pages = 0
        self.timeouts = 0
        self.failures = 0

    def engine(self) -> OcrEngine | None:
        if self._engine is None and self._engine_error is None:
            try:
                self._engine = get_engine(self.settings.ocr_engine, threads=self.settings.read_threads)
            except OcrUnavailable as exc:
                self._engine_error = exc
        return self._engine

    def notice(self, code: str, message: str) -> None:
        self.warnings.append(f"[{code}] {message}")

    def page_limit(self, total: int, limit: int) -> None:
        if total > limit:
            self.notice(PAGE_LIMIT_CODE, f"only the first {limit} of {total} pages were read {PAGE_LIMIT}")

    def ocr_page(self, number: int, image: np.ndarray, width: float, height: float,
                 allow_warp: bool, started: float) -> PageText:
        """Clean up and OCR one page image, failing softly."""
        engine = self.engine()
        name = engine.name if engine is not None else self.settings.ocr_engine
        lines: list[Line] = []
        if is_blank(image):
            self.notice(BLANK_PAGE, f"page {number} is blank: it has no text")
            log.info("page %d is blank", number)
            return PageText(number=number, width=width, height=height, source=FieldSource.OCR,
                            engine=name, lines=(), seconds=round(time.perf_counter() - started, 3))
        self.ocr_pages += 1
        if engine is None:
            self.failures += 1
            self.warnings.append(f"page {number}: not read, {self._engine_error.message if self._engine_error else 'no OCR engine'}")
        else:
            limit = max(1, self.settings.seconds_per_page)
            try:
                lines = run_page(lambda: _clean_and_read(engine, image, allow_warp), limit)
            except PageTimeout:
                self.timeouts += 1
                self.warnings.append(f"page {number}: OCR took longer than {limit} s and was stopped")
                log.warning("page %d: OCR timed out after %d s and was stopped", number, limit)
            except Exception as exc:
                self.failures += 1
                self.warnings.append(f"page {number}: OCR failed ({type(exc).__name__}: {exc})")
                log.warning("page %d: OCR failed", number, exc_info=True)
            else:
                if not lines:
                    self.notice(NO_TEXT, f"page {number}: no text was found on it")
            release()  # the page's freed heap back to the system (pipeline.read.memory)
        seconds = time.perf_counter() - started
        log.debug("page %d: %s read %d lines in %.2f s", number, name, len(lines), seconds)
        return PageText(number=number, width=width, height=height, source=FieldSource.OCR,
                        engine=name, lines=tuple(lines), seconds=round(seconds, 3))

    def check_outcome(self, pages: list[PageText]) -> None:
        if any(page.lines for page in pages) or not self.ocr_pages:
            return
        if self.timeouts == self.ocr_pages:
            raise ReadTimeout(f"OCR of every page took longer than {self.settings.seconds_per_page} s.")
        if self._engine_error is not None:
            raise self._engine_error


def _clean_and_read(engine: OcrEngine, image: np.ndarray, allow_warp: bool) -> list[Line]:
    prepared = prepare(image, allow_warp=allow_warp)
    check()
    lines = engine.read(prepared.image, photo=prepared.photo)
    check()
    lines = read_upright(prepared.image, lines, lambda upright: engine.read(upright, photo=prepared.photo))
    return prepared.lines_to_source(lines)  # boxes onto the page as stored, through flattening and straightening


def read_document(data: bytes, kind: DocumentKind, settings: Settings,
                  *, engine: OcrEngine | None = None) -> ReadResult:
    """Read a PDF or image; ``engine`` overrides ``settings.ocr_engine`` (tests, bench)."""
    if not data:
        raise EmptyFile("The document is empty.")
    if kind == DocumentKind.PDF:
        return read_pdf(data, settings, engine=engine)
    if kind == DocumentKind.IMAGE:
        return read_image(data, settings, engine=engine)
    raise UnsupportedFormat(
        f"A {kind.value} document is not read by OCR; it is routed by intake.",
        hint="E-mails are split into attachments and UBL XML is parsed directly.",
    )


def open_pdf(data: bytes) -> Any:
    """Open a PDF, unlocking owner-password-only files; EncryptedPdf / CorruptFile otherwise."""
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception as exc:
        raise CorruptFile(f"The PDF cannot be opened: {exc}") from exc
    if doc.needs_pass and not doc.authenticate(""):
        doc.close()
        raise EncryptedPdf("The PDF is protected with a password to open it.")
    if doc.page_count < 1:
        doc.close()
        raise CorruptFile("The PDF has no pages.")
    return doc


def read_pdf(data: bytes, settings: Settings, *, engine: OcrEngine | None = None) -> ReadResult:
    reader = _Reader(settings, engine)
    doc = open_pdf(data)
    pages: list[PageText] = []
    try:
        total = doc.page_count
        limit = min(total, max(1, settings.max_pages))
        reader.page_limit(total, limit)
        damage = PdfDamage(repaired=bool(doc.is_repaired), pages=limit)
        for index in range(limit):
            started = time.perf_counter()
            try:
                page = doc.load_page(index)
                layer = read_text_layer(page)
            except Exception as exc:  # noqa: BLE001 - a damaged page; said once for the file
                damage.page_lost(index + 1, exc)
                pages.append(PageText(index + 1, 0.0, 0.0, FieldSource.TEXT_LAYER, "pymupdf", ()))
                continue
            if not damage.judge_contents(doc, page, index + 1):
                pages.append(PageText(index + 1, layer.width, layer.height, FieldSource.TEXT_LAYER, "pymupdf", ()))
                continue
            if not layer.needs_ocr:
                pages.append(PageText(index + 1, layer.width, layer.height, FieldSource.TEXT_LAYER,
                                      "pymupdf", layer.lines, round(time.perf_counter() - started, 4)))
                continue
            try:
                image = render_page(page, settings.max_pixels)
            except Exception as exc:  # noqa: BLE001
                reader.warnings.append(f"page {index + 1}: cannot be rendered ({exc})")
                log.warning("page %d: cannot be rendered: %s", index + 1, exc)
                pages.append(PageText(index + 1, layer.width, layer.height, FieldSource.OCR,
                                      settings.ocr_engine, ()))
                continue
            pages.append(reader.ocr_page(index + 1, image, layer.width, layer.height, True, started))
            del image  # one page image alive at a time
        if damage.damaged:
            reader.warnings.insert(0, damage.notice().text())  # CorruptFile when nothing was recovered
        embedded: EmbeddedXml | None = None
        try:
            embedded = find_embedded_xml(doc)
        except Exception as exc:  # noqa: BLE001 - the page text is still worth having
            reader.warnings.append(f"embedded XML not read: {exc}")
            log.warning("embedded XML not read: %s", exc)
    finally:
        doc.close()
    reader.check_outcome(pages)
    return ReadResult(pages=tuple(pages), embedded_xml=embedded, warnings=tuple(reader.warnings))


def read_image(data: bytes, settings: Settings, *, engine: OcrEngine | None = None) -> ReadResult:
    reader = _Reader(settings, engine)
    limit = max(1, settings.max_pages)
    try:
        total = count_frames(data)
    except Exception:  # noqa: BLE001 - iter_frames below raises the proper error
        total = 1
    reader.page_limit(total, limit)
    pages: list[PageText] = []
    started = time.perf_counter()
    for number, frame in enumerate(iter_frames(data, settings.max_pixels, limit), start=1):
        height, width = frame.shape[:2]
        pages.append(reader.ocr_page(number, frame, float(width), float(height), True, started))
        started = time.perf_counter()
    if not pages:
        raise CorruptFile("The image has no pages.")
    reader.check_outcome(pages)
    return ReadResult(pages=tuple(pages), warnings=tuple(reader.warnings))
