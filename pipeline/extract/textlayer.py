"""A ReadResult from a PDF's text layer (PyMuPDF), for tests and as a fallback when
``pipeline.read`` is not installed. The reader package owns the real thing."""

from __future__ import annotations

from models.enums import FieldSource
from pipeline.core.records import Line, PageText, ReadResult, Word


def read_text_layer(data: bytes) -> ReadResult:
    import pymupdf

    pages: list[PageText] = []
    with pymupdf.open(stream=data, filetype="pdf") as doc:
        for page in doc:
            w, h = page.rect.width, page.rect.height
            grouped: dict[tuple[int, int], list[Word]] = {}
            for x0, y0, x1, y1, text, block, line, _ in page.get_text("words", sort=True):
                box = (max(0.0, x0 / w), max(0.0, y0 / h), min(1.0, x1 / w), min(1.0, y1 / h))
                grouped.setdefault((block, line), []).append(Word(text, box, 1.0))
            lines = []
            for words in grouped.values():
                box = (
                    min(x.bbox[0] for x in words),
                    min(x.bbox[1] for x in words),
                    max(x.bbox[2] for x in words),
                    max(x.bbox[3] for x in words),
                )
                lines.append(Line(" ".join(x.text for x in words), box, 1.0, tuple(words)))
            pages.append(PageText(page.number + 1, w, h, FieldSource.TEXT_LAYER, "pymupdf", tuple(lines)))
    return ReadResult(tuple(pages))
