"""A JSON cache of ReadResults, keyed by the file's sha256, the OCR engine and a
fingerprint of the reading code, so that re-running the evaluation does not OCR the
same pages again, and a change to ``pipeline/read`` never serves stale readings."""

from __future__ import annotations

import hashlib
import json
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

from models.enums import FieldSource
from pipeline.core.records import EmbeddedXml, Line, PageText, ReadResult, Word

log = logging.getLogger(__name__)
VERSION = 1


def _word(w: Word) -> list[Any]:
    return [w.text, list(w.bbox), w.confidence]


def to_json(read: ReadResult) -> dict[str, Any]:
    return {
        "version": VERSION,
        "warnings": list(read.warnings),
        "pages": [
            {
                "number": p.number, "width": p.width, "height": p.height, "source": str(p.source),
                "engine": p.engine, "seconds": p.seconds,
                "lines": [[ln.text, list(ln.bbox), ln.confidence, [_word(w) for w in ln.words]] for ln in p.lines],
            }
            for p in read.pages
        ],
    }  # fmt: skip


def from_json(data: dict[str, Any], embedded: EmbeddedXml | None = None) -> ReadResult:
    pages = []
    for p in data["pages"]:
        lines = tuple(
            Line(t, tuple(b), c, tuple(Word(wt, tuple(wb), wc) for wt, wb, wc in ws)) for t, b, c, ws in p["lines"]
        )
        pages.append(
            PageText(p["number"], p["width"], p["height"], FieldSource(p["source"]), p["engine"], lines, p["seconds"])
        )
    return ReadResult(tuple(pages), embedded, tuple(data.get("warnings", ())))


@lru_cache(maxsize=1)
def reader_fingerprint() -> str:
    """A short hash of the source of ``pipeline/read``: any change there reads afresh."""
    root = Path(__file__).resolve().parents[1] / "read"
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def cached_read(data: bytes, cache_dir: Path | None, engine: str, read: Any) -> ReadResult:
    """``read()`` once per (content, engine); later calls load the JSON from ``cache_dir``."""
    if cache_dir is None:
        return read()
    key = hashlib.sha256(data).hexdigest()[:32]
    path = cache_dir / f"{key}.{engine}.{reader_fingerprint()}.json"
    if path.exists():
        try:
            result = from_json(json.loads(path.read_text()))
            fresh_embedded = None
            return ReadResult(result.pages, fresh_embedded, result.warnings)
        except (ValueError, KeyError, TypeError):
            log.warning("cache file %s unreadable; reading again", path)
    result = read()
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(to_json(result)))
    tmp.replace(path)
    return result
