"""Languages: every string a person sees, in Dutch, French or English.

Messages live in gettext catalogues, ``pipeline/locale/<lang>/LC_MESSAGES/boekbrug.po``,
extracted from the code with Babel (``make translations``) and read with Babel's own
PO reader when first needed (no separately compiled ``.mo`` that could go stale).
``tests/test_translations.py`` fails on a message missing from a catalogue, an empty
translation, or an entry the code no longer uses.

In code:
- ``_("Being checked")`` translates into the *current* language: the signed-in user's
  (the workbench sets it at every run with ``use_language``), else the default.
- ``N_("…")`` marks a message for extraction where it is defined (a module-level
  table) and ``_()`` translates it where it is shown.
- ``translate(message, lang)`` for text made for someone else (an e-mail, a PDF).
- Placeholders are named and filled after translation: ``_("{n} documents").format(n=3)``.

Dates and amounts follow the language's Belgian locale (``nl_BE``, ``fr_BE``; ``en_BE``
for English): ``€ 1.234,56`` in Dutch, ``1 234,56 €`` in French.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal

LANGUAGES = ("nl", "fr", "en")
DEFAULT_LANGUAGE = "nl"
LANGUAGE_NAMES = {"nl": "Nederlands", "fr": "Français", "en": "English"}
LOCALES = {"nl": "nl_BE", "fr": "fr_BE", "en": "en_BE"}
DOMAIN = "boekbrug"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("boekbrug_language", default=DEFAULT_LANGUAGE)


def normalise_language(value: str | None) -> str:
    """``"fr_BE"``, ``"FR"``, ``"fr-be"`` → ``"fr"``; anything unknown → the default."""
    code = (value or "").strip().lower().replace("-", "_").split("_")[0]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def catalogue_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def _messages(lang: str) -> dict[str, str]:
    """msgid → msgstr of one language (English is the source: it has no catalogue of its own to read)."""
    path = catalogue_path(lang)
    if lang == "en" or not path.exists():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=LOCALES[lang], domain=DOMAIN)
    return {str(m.id): str(m.string) for m in catalog if m.id and isinstance(m.id, str) and m.string and not m.fuzzy}


def lookup(message: str, lang: str | None = None) -> str:
    """``message`` as the catalogue of ``lang`` has it (the current language when None), else unchanged."""
    return _messages(normalise_language(lang) if lang else _current.get()).get(message, message)


def translate(message: str, lang: str | None = None) -> str:
    """``message`` in ``lang`` (the current language when None); the English text when untranslated.

    A message the catalogue does not hold whole may be a machine's, made from a template with its
    parameters filled in (``"'31/13' is not a date in the calendar"``): it is said from its template
    (``pipeline.core.check_words``), so ``_(error.message)`` shows an error in the reader's language."""
    code = normalise_language(lang) if lang else _current.get()
    found = _messages(code).get(message)
    if found is not None or code == "en" or not message:
        return found if found is not None else message
    from pipeline.core.check_words import template_words  # it uses the catalogues above

    return template_words(message, code)


def _(message: str) -> str:
    return translate(message)


def N_(message: str) -> str:
    """Mark for extraction only; translate with ``_`` where it is shown."""
    return message


def current_language() -> str:
    return _current.get()


def set_language(lang: str | None) -> str:
    """Make ``lang`` the current language of this thread/context (the workbench, each run)."""
    code = normalise_language(lang)
    _current.set(code)
    return code


@contextmanager
def use_language(lang: str | None) -> Iterator[str]:
    token = _current.set(normalise_language(lang))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def locale_of(lang: str | None = None) -> str:
    return LOCALES[normalise_language(lang) if lang else _current.get()]


def format_money(value: Decimal | None, currency: str = "EUR", lang: str | None = None) -> str:
    """``€ 1.234,56`` (nl), ``1 234,56 €`` (fr), ``€1,234.56`` (en) — always two decimals."""
    if value is None:
        return ""
    return format_currency(Decimal(value).quantize(Decimal("0.01")), currency, locale=locale_of(lang))


def format_number(value: Decimal | int | None, lang: str | None = None) -> str:
    return "" if value is None else format_decimal(value, locale=locale_of(lang))


def format_day(value: date | datetime | None, lang: str | None = None) -> str:
    """A date in the medium form of the language's Belgian locale: ``4 dec 2026``, ``4 déc. 2026``."""
    if value is None:
        return ""
    day = value.date() if isinstance(value, datetime) else value
    return babel_format_date(day, format="medium", locale=locale_of(lang))


def format_moment(value: datetime | None, lang: str | None = None) -> str:
    return "" if value is None else babel_format_datetime(value, format="short", locale=locale_of(lang))
