"""``python -m pipeline calibrate --corpus`` fits the shipped prior on the ranker's
probabilities for documents it never trained on: held-out folds of whole layout
families and sources, each document scored by the fold model that never saw its group."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pipeline.cli import calibrate
from pipeline.review.calibration import PRIOR_FILE, load_prior
from pipeline.synth.corpus import generate, write_corpus


def test_the_prior_is_fitted_on_held_out_folds(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    corpus = tmp_path / "corpus"
    write_corpus(corpus, generate(8, 5, ("text_pdf",)))
    parser = argparse.ArgumentParser()
    calibrate.register(parser.add_subparsers())
    shipped = PRIOR_FILE.read_bytes()
    out, scores = tmp_path / "prior.json", tmp_path / "scores.json"
    args = parser.parse_args(["calibrate", "--corpus", str(corpus), "--folds", "3", "--generated", "40",
                              "--families", "6", "--out", str(out), "--scores", str(scores),
                              "--cache", str(tmp_path / "cache")])
    try:
        assert calibrate.run(args) == 0
    finally:
        load_prior.cache_clear()
    assert PRIOR_FILE.read_bytes() == shipped  # --out: the shipped prior untouched
    written = json.loads(out.read_text())
    assert written["method"].startswith("held-out folds")
    assert {"invoice_number", "total_incl_vat"} <= set(written["fields"])
    assert written["prior_held_out"]["all"]["fields"] > 0
    scored = json.loads(scores.read_text())
    # every generated document and every corpus document scored once, by a model that did not train on it
    assert len({row["doc"] for row in scored}) >= 40
    for points in written["fields"].values():
        accuracies = [accuracy for _, accuracy in points]
        assert accuracies == sorted(accuracies) and all(a < 1.0 for a in accuracies)  # Laplace: never certainty
