"""Invoice fields from what was read: ``extract(read) -> Extraction``; ``parse_cii`` for
Factur-X/ZUGFeRD XML."""

from __future__ import annotations

from pipeline.extract.core import extract

__all__ = ["extract"]
