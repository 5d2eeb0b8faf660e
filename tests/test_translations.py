"""The catalogues hold every message the code shows, translated, and nothing the code no longer uses.

Fails on: a message in the code missing from the Dutch or French catalogue, an empty or
fuzzy translation, a placeholder lost in translation, an entry the code no longer uses
(stale). ``make translations`` brings the catalogues up to date for the translators.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from pipeline.core import i18n
from pipeline.core.plain_words import status_words

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "N_": None, "translate": (1,)}
PLACEHOLDER = re.compile(r"\{[a-z_0-9]*\}")


def messages_in_code() -> set[str]:
    found: set[str] = set()
    for folder in ("pipeline", "workbench"):
        method_map = [("**.py", "python")]
        for _filename, _lineno, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map, keywords=KEYWORDS, strip_comment_tags=True
        ):
            if isinstance(message, str) and message:
                found.add(message)
    return found


def catalogue(lang: str) -> dict[str, object]:
    with i18n.catalogue_path(lang).open("rb") as handle:
        return {m.id: m for m in read_po(handle, locale=i18n.LOCALES[lang]) if m.id}


@pytest.fixture(scope="module")
def in_code() -> set[str]:
    return messages_in_code()


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_every_message_is_translated(lang: str, in_code: set[str]) -> None:
    entries = catalogue(lang)
    missing = sorted(in_code - set(entries))
    assert not missing, f"{len(missing)} messages missing from {lang}: {missing[:10]} (run make translations)"
    empty = sorted(m for m in in_code if not entries[m].string or entries[m].fuzzy)  # type: ignore[attr-defined]
    assert not empty, f"{len(empty)} messages untranslated in {lang}: {empty[:10]}"


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_no_stale_entries(lang: str, in_code: set[str]) -> None:
    stale = sorted(set(catalogue(lang)) - in_code)
    assert not stale, f"{len(stale)} entries in {lang} the code no longer uses: {stale[:10]} (run make translations)"


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_placeholders_survive_translation(lang: str) -> None:
    for message_id, message in catalogue(lang).items():
        assert set(PLACEHOLDER.findall(str(message_id))) == set(PLACEHOLDER.findall(str(message.string))), message_id  # type: ignore[attr-defined]


def test_the_check_can_fail(tmp_path: Path) -> None:
    """A message only in code is reported missing: the comparison is not vacuous."""
    assert "Being checked" in messages_in_code()
    assert "a message nobody translated" not in catalogue("nl")


def test_words_in_each_language() -> None:
    assert status_words("needs_validation") == "Being checked" or i18n.current_language() != "en"
    assert i18n.translate("Being checked", "en") == "Being checked"
    assert i18n.translate("Being checked", "nl") == "Wordt nagekeken"
    assert i18n.translate("Being checked", "fr") == "En cours de vérification"
    with i18n.use_language("fr"):
        assert status_words("released") == "Chez votre comptable"
    with i18n.use_language("nl"):
        assert status_words("released") == "Bij uw boekhouder"


def test_amounts_and_dates_in_the_users_locale() -> None:
    def plain(text: str) -> str:
        return text.replace("\u202f", " ").replace("\xa0", " ")

    assert plain(i18n.format_money(Decimal("1234.56"), lang="nl")) == "€ 1.234,56"
    assert plain(i18n.format_money(Decimal("1234.56"), lang="fr")) == "1 234,56 €"
    assert plain(i18n.format_money(Decimal(-5), lang="nl")) == "€ -5,00"
    assert i18n.format_day(date(2026, 12, 4), lang="nl") == "4 dec 2026"
    assert i18n.format_day(date(2026, 12, 4), lang="fr") == "4 déc. 2026"
    assert i18n.normalise_language("FR-be") == "fr" and i18n.normalise_language("de") == "nl"
