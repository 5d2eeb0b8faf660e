"""The learned candidate ranker: a gradient-boosted model per field family whose
isotonic-calibrated probability orders a field's candidates and becomes its confidence.

The model file ``pipeline/extract/model/ranker-v<VERSION>.joblib`` is written by
``python -m pipeline train`` (:mod:`pipeline.extract.training`), with its training
report beside it. It is a joblib pickle of scikit-learn objects: loading it needs the
scikit-learn version pinned in requirements.txt (checked on load; a mismatch, or no
file, leaves the hand-set scores in charge and says so in the log). It is loaded once
per process.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from threadpoolctl import ThreadpoolController

from pipeline.extract.features import FAMILY_OF, N_FEATURES, DocContext, featurize
from pipeline.extract.scoring import Cand

log = logging.getLogger(__name__)

VERSION = 1
MODEL_DIR = Path(__file__).resolve().parent / "model"
MODEL_PATH = MODEL_DIR / f"ranker-v{VERSION}.joblib"

# observe(field, candidates, features): training collects what extraction saw
Observer = Callable[[str, list[Cand], np.ndarray], None]


class _OneThread:
    """OpenMP limited to one thread around a call (re-entrant); the libraries are looked
    up once per process, not per call."""

    def __init__(self) -> None:
        self.depth = 0
        self.limits = None
        self.controller: ThreadpoolController | None = None

    def __enter__(self) -> None:
        if self.depth == 0:
            if self.controller is None:
                self.controller = ThreadpoolController()
            self.limits = self.controller.limit(limits=1, user_api="openmp")
        self.depth += 1

    def __exit__(self, *exc: object) -> None:
        self.depth -= 1
        if self.depth == 0 and self.limits is not None:
            self.limits.restore_original_limits()
            self.limits = None


_ONE_THREAD = _OneThread()


@dataclass
class FamilyModel:
    classifier: Any  # HistGradientBoostingClassifier
    iso_x: (
        np.ndarray
    )  # isotonic calibration (raw probability → observed rate), from held-out folds
    iso_y: np.ndarray

    def predict(self, x: np.ndarray) -> np.ndarray:
        with _ONE_THREAD:  # a few dozen rows: threads cost more than they give
            raw = self.classifier.predict_proba(x)[:, 1]
        return np.interp(raw, self.iso_x, self.iso_y)


@dataclass
class RankerModel:
    version: int
    sklearn_version: str
    n_features: int
    families: dict[str, FamilyModel]
    meta: dict[str, Any]


def save(model: RankerModel, path: Path = MODEL_PATH) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path, compress=3)


@lru_cache(maxsize=4)
def load(path: Path = MODEL_PATH) -> RankerModel | None:
    if not path.exists():
        log.warning("no ranker model at %s: hand-set candidate scores are used", path)
        return None
    model = joblib.load(path)
    if model.sklearn_version != sklearn.__version__ or model.n_features != N_FEATURES:
        log.warning(
            "ranker model %s was built for scikit-learn %s / %d features (have %s / %d): not used",
            path,
            model.sklearn_version,
            model.n_features,
            sklearn.__version__,
            N_FEATURES,
        )
        return None
    return model


class Ranker:
    """Ranks candidates for one document; ``model=None`` keeps the rule order."""

    def __init__(
        self,
        ctx: DocContext,
        model: RankerModel | None,
        observe: Observer | None = None,
    ) -> None:
        self.ctx = ctx
        self.model = model
        self.observe = observe

    def rank_many(self, pools: dict[str, list[Cand]]) -> dict[str, list[Cand]]:
        """:meth:`rank` for several fields of one family at once (one model call)."""
        names = [n for n, c in pools.items() if c and FAMILY_OF.get(n)]
        fams = {FAMILY_OF[n] for n in names}
        if len(fams) != 1 or len(names) < 2:
            return {n: self.rank(n, c) for n, c in pools.items()}
        fm = self.model.families.get(fams.pop()) if self.model is not None else None
        xs: dict[str, np.ndarray] = {}
        for n in names:
            self.ctx.pools[n] = pools[n]
            xs[n] = featurize(n, pools[n], self.ctx)
            if self.observe is not None:
                self.observe(n, pools[n], xs[n])
        if fm is None:
            return dict(pools)
        probs = fm.predict(np.concatenate([xs[n] for n in names]))
        out = dict(pools)
        k = 0
        for n in names:
            for c in pools[n]:
                c.prob = float(probs[k])
                k += 1
            out[n] = sorted(pools[n], key=lambda c: (-(c.prob or 0.0), -c.score))
        return out

    def rank(self, name: str, cands: list[Cand]) -> list[Cand]:
        """``cands`` best first by calibrated probability (``Cand.prob`` set); the rule
        order when there is no model for the field's family."""
        self.ctx.pools[name] = cands
        fam = FAMILY_OF.get(name)
        if not cands or fam is None:
            return cands
        fm = self.model.families.get(fam) if self.model is not None else None
        if fm is None and self.observe is None:
            return cands
        x = featurize(name, cands, self.ctx)
        if self.observe is not None:
            self.observe(name, cands, x)
        if fm is None:
            return cands
        probs = fm.predict(x)
        for c, p in zip(cands, probs):
            c.prob = float(p)
        return sorted(cands, key=lambda c: (-(c.prob or 0.0), -c.score))


_override: list[RankerModel | None] = []


@contextmanager
def using(model: RankerModel | None) -> Iterator[None]:
    """Extract with ``model`` (None: the hand-set scores) instead of the shipped one,
    for evaluation of a model being trained."""
    _override.append(model)
    try:
        yield
    finally:
        _override.pop()


def active_model() -> RankerModel | None:
    """The model in use: an override (training), none when ``BOEKBRUG_RANKER=off`` (to
    measure the hand-set scores), else the shipped one."""
    if _override:
        return _override[-1]
    if os.environ.get("BOEKBRUG_RANKER", "").lower() == "off":
        return None
    return load(MODEL_PATH)
