"""OCR engines behind one small interface (:class:`OcrEngine`).

``get_engine(name)`` returns ``"auto"`` (Tesseract + PP-OCR, see
:mod:`pipeline.read.ocr.auto`), ``"rapidocr"`` or ``"tesseract"``; an engine that is
not installed declines with :class:`~pipeline.core.errors.OcrUnavailable`.
"""

from __future__ import annotations

from pipeline.core.errors import OcrUnavailable
from pipeline.read.ocr.auto import AutoEngine
from pipeline.read.ocr.base import OcrEngine
from pipeline.read.ocr.rapid import RapidOcrEngine
from pipeline.read.ocr.tesseract import TesseractEngine

ENGINES: dict[str, type] = {
    "auto": AutoEngine,
    "rapidocr": RapidOcrEngine,
    "tesseract": TesseractEngine,
}

__all__ = ["ENGINES", "AutoEngine", "OcrEngine", "RapidOcrEngine", "TesseractEngine", "get_engine"]


def get_engine(name: str, threads: int | None = None) -> OcrEngine:
    """The engine called ``name``; raises OcrUnavailable when unknown or not installed.

    ``threads``: how many threads one page's OCR may use (``Settings.read_threads``);
    ``None`` reads READ_THREADS / the CPUs this process may use.
    """
    factory = ENGINES.get(name.strip().lower())
    if factory is None:
        raise OcrUnavailable(
            f"Unknown OCR engine {name!r}.", hint=f"Set OCR_ENGINE to one of: {', '.join(ENGINES)}."
        )
    engine: OcrEngine = factory(threads=threads) if factory in (AutoEngine, TesseractEngine) else factory()
    if not engine.available():
        raise OcrUnavailable(f"The OCR engine {name!r} is not installed on this machine.")
    return engine
