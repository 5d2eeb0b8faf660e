"""A check's message in the reader's language.

Checks store their message in English, made from a template with named placeholders
(``pipeline.core.checks.MESSAGES``, ``"{iban} is not a valid IBAN: {problem}"``). To show
one, the message is matched against the templates, the placeholders taken back out of it,
and the translated template filled with them. A message made some other way is shown
as it is.
"""

from __future__ import annotations

import re
from functools import cache

from pipeline.core.checks import MESSAGES
from pipeline.core.i18n import translate

_FIELD = re.compile(r"\{([a-z_]+)\}")


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """(pattern, template) for every template, the most literal text first (the most specific)."""
    made = []
    for template in MESSAGES:
        parts, last, seen = [], 0, set()
        for found in _FIELD.finditer(template):
            parts.append(re.escape(template[last:found.start()]))
            name = found.group(1)
            parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
            seen.add(name)
            last = found.end()
        parts.append(re.escape(template[last:]))
        made.append((re.compile("".join(parts), re.DOTALL), template))
    return tuple(sorted(made, key=lambda pair: -len(_FIELD.sub("", pair[1]))))


def check_words(message: str, lang: str | None = None) -> str:
    """``message`` (a check's, in English) in ``lang`` (the current language when None)."""
    for pattern, template in _patterns():
        found = pattern.fullmatch(message)
        if found:
            return translate(template, lang).format(**found.groupdict())
    return translate(message, lang)
