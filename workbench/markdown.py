"""User-supplied text shown inside Markdown is shown as text: ``**DRINGEND**`` stays literal."""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<$:])")


def escape_markdown(text: object) -> str:
    """``text`` with every Markdown (and Streamlit colour/emoji/LaTeX) marker escaped."""
    return _SPECIAL.sub(r"\\\1", str(text))
