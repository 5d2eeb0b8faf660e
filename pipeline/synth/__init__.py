"""Synthetic Belgian invoices, credit notes and till slips with exact ground truth.

Deterministic from a seed; see :func:`pipeline.synth.corpus.generate` and
``python -m pipeline synth OUT_DIR``. Modules: ``ids`` (check digits), ``companies``,
``catalogue``, ``documents`` (the Decimal model), ``formats``, ``render`` and
``layouts`` (PDF drawing), ``receipt``, ``degrade`` (scan / photo), ``corpus``.
"""

from __future__ import annotations

from pipeline.synth.corpus import KINDS, Generated, generate, write_corpus

__all__ = ["KINDS", "Generated", "generate", "write_corpus"]
