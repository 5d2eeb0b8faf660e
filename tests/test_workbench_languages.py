"""Every workbench page in each language (nl, fr, en), through Streamlit's AppTest.

Each page runs for a user of the role that sees it, in the user's language: no exception,
a label known to be translated is on the page, and on the pages of clients and accountants
no state code (``needs_validation``, ``[corrupt_file]``) is shown.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from models import User
from models.enums import DocumentStatus
from pipeline.core.db import unit_of_work
from pipeline.core.i18n import translate
from tests import workbench_data as testdata

# page → (user who sees it, an English label shown on it whatever the data)
PAGES = {
    "validate": ("op1", "Next document"),
    "group": ("op1", "Group verification"),
    "documents": ("client_a", "Search (file, supplier, number)"),
    "upload": ("client_a", "Upload invoices"),
    "library": ("acc_a", "Period (invoice date)"),
    "dashboard": ("super", "Throughput"),
    "sales": ("client_a", "Sales invoices"),
    "payments": ("client_a", "Pay invoices"),
    "tokens": ("acc_a", "API tokens"),
}
CLIENT_SIDE = {"client_a", "acc_a"}
CODES = re.compile(r"\[(?:[a-z]+_)+[a-z]+\]|\b(?:" + "|".join(
    s.value for s in DocumentStatus if "_" in s.value) + r")\b")


@pytest.fixture(scope="module")
def world(tmp_path_factory):  # type: ignore[no-untyped-def]
    mp = pytest.MonkeyPatch()
    mp.setattr(PagesManager, "__init__", testdata.navigation_pinned_init())
    testdata.fast_password_hashing()
    current, _world = testdata.build(tmp_path_factory.mktemp("languages") / "data", documents=2)
    yield current
    mp.undo()
    from pipeline.core.config import settings as settings_fn

    settings_fn.cache_clear()


def everything_shown(at: AppTest) -> str:
    """Every text of the page a person reads: titles, texts, labels, messages, table cells and headers."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "success", "warning", "error",
                 "metric", "button", "text_input", "selectbox", "multiselect", "date_input", "number_input",
                 "checkbox", "radio", "tabs", "expander"):
        for element in getattr(at, kind, []):
            for attribute in ("value", "label", "body"):
                text = getattr(element, attribute, None) if attribute != "value" or kind in (
                    "title", "header", "subheader", "markdown", "caption", "info", "success", "warning", "error",
                    "metric") else None
                if isinstance(text, str):
                    parts.append(text)
            if kind in ("selectbox", "multiselect", "radio"):
                parts.extend(str(o) for o in getattr(element, "options", []))
    for frame in at.dataframe:
        parts.extend(str(c) for c in frame.value.columns)
        parts.extend(str(v) for v in frame.value.astype(str).to_numpy().ravel())
    return "\n".join(parts).replace("\\", "")


@pytest.mark.parametrize("lang", ["nl", "fr", "en"])
@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_in_every_language(world, page: str, lang: str) -> None:  # type: ignore[no-untyped-def]
    username, label = PAGES[page]
    with unit_of_work(world.database_url) as session:
        session.scalars(select(User).where(User.username == username)).one().language = lang
    at = testdata.signed_in(username)
    at.switch_page(f"views/{page}.py").run()
    assert not at.exception, at.exception
    shown = everything_shown(at)
    expected = translate(label, lang)
    if lang != "en":
        assert expected != label, f"{label!r} has no {lang} translation"
    assert expected in shown, f"{expected!r} not on the {page} page in {lang}"
    if username in CLIENT_SIDE:
        codes = sorted(set(CODES.findall(shown)))
        assert not codes, f"state or rule codes on the {page} page of {username}: {codes}"


def test_the_code_check_can_fail() -> None:
    """The check above finds what it looks for (it is not vacuous)."""
    assert CODES.findall("status: needs_validation · [corrupt_file] damaged") == ["needs_validation", "[corrupt_file]"]
    assert not CODES.findall("Wordt nagekeken · Het bestand is beschadigd")


def test_check_messages_in_each_language() -> None:
    """A check's stored (English) message is shown in the operator's language, its values kept."""
    from decimal import Decimal

    from pipeline.core import checks
    from pipeline.core.check_words import check_words

    off = checks.check_net_plus_vat(Decimal(100), Decimal(21), Decimal(120)).message
    assert off == "100.00 + 21.00 ≠ 120.00 (off by 1.00)"  # stored as before, in English
    assert check_words(off, "nl") == "100.00 + 21.00 ≠ 120.00 (verschil 1.00)"
    assert check_words(off, "fr") == "100.00 + 21.00 ≠ 120.00 (écart de 1.00)"
    ogm = checks.check_ogm("+++090/9337/55493+++").message
    assert check_words(ogm, "nl") == "+++090/9337/55493+++ slaagt voor de mod-97-controle"
    due = checks.check_due_date(date(2026, 5, 1), date(2026, 4, 1))
    assert check_words(due.message, "fr") == "l'échéance 2026-04-01 précède la date de facture 2026-05-01"
    assert check_words("a message no template makes", "nl") == "a message no template makes"
