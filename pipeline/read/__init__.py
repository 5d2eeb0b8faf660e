"""Reading documents: PDF text layers (PyMuPDF) and OCR engines behind one interface.

Entry point: :func:`read_document`. Engines: :func:`get_engine` (``auto``,
``rapidocr``, ``tesseract``); see :mod:`pipeline.read.ocr.auto` for how ``auto``
combines Tesseract and PP-OCR.
"""

from __future__ import annotations

from pipeline.read.document import open_pdf, read_document, read_image, read_pdf
from pipeline.read.ocr import ENGINES, OcrEngine, get_engine

__all__ = ["ENGINES", "OcrEngine", "get_engine", "open_pdf", "read_document", "read_image", "read_pdf"]
