"""bench/replay.py on a tiny corpus: documents of one recurring supplier go through the
real pipeline in date order, a simulated operator validates what needs a look, and the
table reports its columns per kind and per supplier occurrence."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

from pipeline.core.config import PROJECT_ROOT


def _bench(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"bench_{name}", PROJECT_ROOT / "bench" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_replay_of_a_tiny_corpus_reports_its_columns(
    tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from pipeline.core import config
    from pipeline.synth.corpus import write_corpus

    corpus_module, replay_module = _bench("recurring_corpus"), _bench("replay")
    corpus = tmp_path / "corpus"
    write_corpus(
        corpus,
        corpus_module.generate(
            seed=3, suppliers=1, per_supplier=3, shops=0, kinds=("text_pdf",)
        ),
    )
    records = json.loads((corpus / "index.json").read_text())
    assert len(records) == 3 and len({r["family"] for r in records}) == 1
    for key in ("DATA_DIR", "DATABASE_URL", "REDIS_URL", "SECOND_LOOK_RATE"):
        monkeypatch.delenv(
            key, raising=False
        )  # the replay sets its own; restored after the test
    try:
        outcomes = replay_module.replay([corpus], tmp_path / "office", progress=False)
    finally:
        config.settings.cache_clear()

    assert [o.occurrence for o in outcomes] == [
        "1st",
        "2nd",
        "3rd+",
    ]  # one supplier, in date order
    first = outcomes[0]
    assert (
        not first.auto_released and first.shown > 0
    )  # a supplier never seen: a person looks
    assert first.status == "released"  # ... and the operator's save released it
    assert all(o.status == "released" and not o.escaped for o in outcomes)
    table = replay_module.format_table(outcomes)
    header = table.splitlines()[0]
    for column in (
        "released untouched",
        "escaped errors",
        "fields shown/doc",
        "corrections/doc",
        "certain wrong",
    ):
        assert column in header
    rows = {tuple(line.split()[:2]) for line in table.splitlines()[1:]}
    assert {
        ("text_pdf", "1st"),
        ("text_pdf", "2nd"),
        ("text_pdf", "3rd+"),
        ("text_pdf", "2nd+"),
        ("all", "all"),
    } <= rows
    summary = replay_module.rows_of(outcomes)
    assert summary[("text_pdf", "1st")]["released untouched"] == 0.0
    assert summary[("all", "all")]["docs"] == 3
