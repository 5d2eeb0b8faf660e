"""Is a page image blank? Paper with no marks on it has nothing to read.

The page is shrunk to ``SIDE`` px on its long side (averaging away scanner noise and
dust) and counted blank when almost no pixel is clearly darker than the paper: a
blank back side of a scan, an empty page in a PDF. Such a page is said to be blank
(:data:`~pipeline.read.notices.BLANK_PAGE`) and is not sent to OCR at all.
"""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.read.ocr.base import to_gray

SIDE = 600
INK_DROP = 60  # grey levels below the paper's that count as a mark
MAX_INK_SHARE = 0.0002  # ~70 pixels of a 600 x 424 page


def is_blank(image: np.ndarray) -> bool:
    gray = to_gray(image)
    if gray.size == 0:
        return True
    scale = min(1.0, SIDE / max(gray.shape[:2]))
    small = (
        cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        if scale < 1.0
        else gray
    )
    paper = float(np.median(small))
    ink = int(np.count_nonzero(small < paper - INK_DROP))
    return ink <= MAX_INK_SHARE * small.size
