"""Text normalisation shared by the extractor: Unicode, accents, case."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACES = re.compile(r"[\u00a0\u2000-\u200b\u202f\u205f\u3000]")
_DASHES = re.compile(r"[\u2010-\u2015\u2212\u00ad]")


def clean(text: str) -> str:
    """NFKC, no-break spaces to spaces, soft hyphens and dashes to '-'."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _SPACES.sub(" ", text)
    text = _DASHES.sub("-", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return text


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower-case, accents removed, whitespace collapsed: for label matching (cached:
    the same words are folded many times per page)."""
    text = clean(text).lower().replace("ß", "ss")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return re.sub(r"\s+", " ", text).strip()
