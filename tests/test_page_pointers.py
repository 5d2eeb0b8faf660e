"""A message that sends a person to a page sends them to one that exists, under the name it has.

Once an error message pointed at an "admin page" nobody could find. Every string in the code
that names a workbench page ("the Clients page", "page Documents") or a tab ("tab Customers")
must name a page of the router (``workbench/app.py``) or a tab a page shows, and in Dutch and
French the translated message must carry the page's translated name, as the sidebar shows it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from pipeline.core.i18n import translate

ROOT = Path(__file__).resolve().parents[1]
PAGE_NAMED = re.compile(r"(?:\bthe |: )([A-Z][A-Za-z]+(?: [A-Z][A-Za-z]+)*) page\b|(?<!-)\bpage ([A-Z][a-z]+)\b")
TAB_NAMED = re.compile(r"\btab ([A-Z][A-Za-z]+)\b")
NOWHERE = re.compile(r"\badmin(?:istration|istrator)? (?:page|screen|panel)\b", re.IGNORECASE)  # there is none


def strings_in(folder: str) -> list[tuple[str, str]]:
    found = []
    for path in (ROOT / folder).rglob("*.py"):
        if "synth" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                      and node.body and isinstance(node.body[0], ast.Expr)
                      and isinstance(node.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                found.append((f"{path.relative_to(ROOT)}:{node.lineno}", node.value))
    return found


def page_titles() -> set[str]:
    source = (ROOT / "workbench" / "app.py").read_text(encoding="utf-8")
    return set(re.findall(r'st\.Page\([^)]*title=_\("([^"]+)"\)', source))


def tab_labels() -> set[str]:
    labels: set[str] = set()
    for path in (ROOT / "workbench").rglob("*.py"):
        for call in re.findall(r"st\.tabs\(\[(.*?)\]", path.read_text(encoding="utf-8"), re.DOTALL):
            labels.update(re.findall(r'_\("([^"]+)"\)', call))
    return labels


def pointers() -> list[tuple[str, str, str]]:
    """(where, message, the page or tab it names) for every string that names one."""
    out = []
    for folder in ("pipeline", "workbench"):
        for where, text in strings_in(folder):
            for found in PAGE_NAMED.finditer(text):
                out.append((where, text, found.group(1) or found.group(2)))
            for found in NOWHERE.finditer(text):
                out.append((where, text, found.group(0)))
            for found in TAB_NAMED.finditer(text):
                out.append((where, text, "tab:" + found.group(1)))
    return out


def test_every_page_a_message_names_exists() -> None:
    titles, tabs = page_titles(), tab_labels()
    assert {"Clients", "Users", "Documents"} <= titles  # the router was read
    found = pointers()
    assert any(named == "Documents" for _w, _t, named in found)  # the notices e-mail points there
    wrong = [(where, named) for where, _text, named in found
             if not (named in titles or (named.startswith("tab:") and named[4:] in tabs))]
    assert not wrong, f"messages that point at a page or tab that does not exist: {wrong}"


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_a_translated_pointer_names_the_translated_page(lang: str) -> None:
    for where, text, named in pointers():
        said = translate(text, lang)
        if said == text:
            continue  # not a catalogued message (a command line text, in English for the operator of the server)
        name = named.removeprefix("tab:")
        assert translate(name, lang) in said, f"{where}: {said!r} does not name {translate(name, lang)!r}"


def test_the_pointer_check_can_fail() -> None:
    assert [m.group(1) for m in PAGE_NAMED.finditer("change it on the Settings page") if m.group(1)] == ["Settings"]
    assert not PAGE_NAMED.search("Image page 3 has no pixels; No page to show")
    assert "Settings" not in page_titles()
    assert NOWHERE.search("a client is created on the admin page")
