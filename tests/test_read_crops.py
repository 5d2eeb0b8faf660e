"""Very wide re-read crops are read in pieces cut between words (memory of the recogniser)."""

from __future__ import annotations

import numpy as np

from pipeline.read.ocr.rapid import MAX_RATIO, split_wide


def test_a_wide_line_is_cut_in_the_gaps_between_words() -> None:
    height, width = 20, 1400  # ratio 70, as found on a dev scan
    line = np.full((height, width), 255, np.uint8)
    gaps = []
    for x in range(0, width, 100):  # "words" of 80 px ink, 20 px gaps
        line[4:16, x : x + 80] = 0
        gaps.append(range(x + 80, x + 100))
    pieces = split_wide(line)
    assert len(pieces) >= 3 and sum(p.shape[1] for p in pieces) == width
    assert all(p.shape[1] <= MAX_RATIO * height * 1.3 for p in pieces)
    cut = 0
    for piece in pieces[:-1]:
        cut += piece.shape[1]
        assert any(cut in gap for gap in gaps), cut  # never through a word


def test_a_normal_crop_is_one_piece() -> None:
    crop = np.zeros((30, 300), np.uint8)
    assert len(split_wide(crop)) == 1 and split_wide(crop)[0] is crop
