"""No release loops: every document goes from upload to released UBL when people type the truth.

The simulation (``tests/release_simulation.py``) runs the real pipeline — intake,
reading, the release rule, the queue with its routing, the official rules — with two
operators and a supervisor who type the ground truth. Zero loops, zero stuck, and no
task served straight back to the operator whose save it came back from.
A handful of documents runs by default; the whole development corpus and a generated
corpus run with ``-m slow``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.core.db import migrate
from pipeline.synth.corpus import generate, write_corpus
from tests.conftest import SHARED
from tests.release_simulation import run

DATA = SHARED / "data"


def _shared(ids: list[str] | None = None) -> list[tuple[Path, dict]]:
    if not (DATA / "index.json").exists():
        pytest.skip("../shared/data is not present in this checkout")
    records = json.loads((DATA / "index.json").read_text())
    chosen = [r for r in records if ids is None or r["id"] in ids]
    return [(DATA / r["file"], r) for r in chosen]


def _synth(
    tmp_path: Path, count: int, seed: int, kinds: tuple[str, ...]
) -> list[tuple[Path, dict]]:
    out = tmp_path / f"synth-{seed}"
    records = write_corpus(out, generate(count, seed, kinds))
    return [(out / r["file"], r) for r in records]


def _assert_no_loops(figures) -> None:  # type: ignore[no-untyped-def]
    print(figures.line())
    assert figures.loops == 0, figures.line()
    assert figures.stuck == 0, figures.not_released
    assert figures.same_operator_returns == 0
    assert figures.released + figures.duplicates == figures.documents


def _first_of_each(kinds: tuple[str, ...], per_kind: int) -> list[str]:
    records = (
        json.loads((DATA / "index.json").read_text())
        if (DATA / "index.json").exists()
        else []
    )
    chosen: list[str] = []
    for kind in kinds:
        chosen += [r["id"] for r in records if r["kind"] == kind][:per_kind]
    return chosen


def test_a_handful_of_documents_all_released_without_loops(
    settings_for, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'sim.sqlite3'}"
    settings = settings_for(url)
    migrate(url)
    documents = _synth(tmp_path, 4, 7, ("text_pdf", "receipt"))
    documents += _shared(_first_of_each(("text_pdf", "receipt"), 2))
    figures = run(url, settings, documents)
    _assert_no_loops(figures)
    assert (
        figures.supervisor_tasks >= 1
    )  # the SROIE tickets print no VAT and no seller identifier


@pytest.mark.slow
@pytest.mark.parametrize("group", ["originals", "variants"])
def test_the_whole_corpus_is_released_without_loops(settings_for, tmp_path: Path, group: str) -> None:
    """``originals``: every text PDF and receipt of ../shared/data and generated text PDFs and
    receipts; ``variants``: the scans and photos, in a database of their own (they are the same
    invoices as their text PDFs, which would rightly make them duplicates of those)."""
    url = f"sqlite:///{tmp_path / 'sim.sqlite3'}"
    settings = settings_for(url)
    migrate(url)
    kinds = ("text_pdf", "receipt") if group == "originals" else ("scanned_pdf", "photo")
    documents = [(path, record) for path, record in _shared() if record["kind"] in kinds]
    documents += _synth(tmp_path, 20 if group == "originals" else 10, 11, kinds if group == "originals"
                        else ("scanned_pdf",))
    figures = run(url, settings, documents)
    _assert_no_loops(figures)
    # a scan and a photo made from the same invoice are the same invoice: one of them a duplicate
    same_invoice = len(documents) - len({record.get("derived_from") or record["id"] for _, record in documents})
    assert figures.duplicates <= same_invoice
