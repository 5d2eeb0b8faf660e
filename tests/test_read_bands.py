"""A scanned page read as two bands on two threads: cut only at a clean gap, same words."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pymupdf
import pytest

from pipeline.core.config import from_environment, read_threads
from pipeline.read.cleanup import prepare
from pipeline.read.deadline import Deadline, PageCancelled, run_within
from pipeline.read.ocr import AutoEngine, TesseractEngine, get_engine
from pipeline.read.ocr import tesseract as tess
from pipeline.read.ocr.base import to_gray
from pipeline.read.ocr.rapid import recognise_crops
from pipeline.read.render import render_page


def _page(step: float, rule: bool = False) -> np.ndarray:
    """An A4 page of text lines ``step`` points apart (a vertical rule down it: ``rule``)."""
    doc = pymupdf.open()
    page = doc.new_page()
    y, i = 60.0, 0
    while y < 800:
        page.insert_text((60, y), f"Regel {i} met tekst en bedrag {i * 13},50 EUR", fontsize=11)
        y += step
        i += 1
    if rule:
        page.draw_line((40, 40), (40, 810), width=1)
    return to_gray(render_page(page, 60_000_000))


def _reading_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Records the top row of every band Tesseract is asked to read (the real reading runs)."""
    calls: list[int] = []
    real = tess._read_band

    def counted(pool, band, top):  # type: ignore[no-untyped-def]
        calls.append(top)
        return real(pool, band, top)

    monkeypatch.setattr(tess, "_read_band", counted)
    return calls


def test_cut_that_would_cross_text_falls_back_to_one_call(monkeypatch: pytest.MonkeyPatch) -> None:
    dense = _page(step=12.5)  # lines packed tight: no blank run of GAP_ROWS anywhere
    assert tess.clean_gap(dense) is None
    ruled = _page(step=30, rule=True)  # wide gaps, but a table rule inks every row
    assert tess.clean_gap(ruled) is None
    assert tess.clean_gap(np.full((700, 600), 255, np.uint8)) is None  # too small to cut
    calls = _reading_calls(monkeypatch)
    lines = TesseractEngine(threads=2, bands=True).read(dense)
    assert calls == [0] and len(lines) > 40


def test_cut_lies_in_blank_rows_and_words_keep_page_boxes(monkeypatch: pytest.MonkeyPatch) -> None:
    gray = _page(step=30)
    cut = tess.clean_gap(gray)
    assert cut is not None
    height = gray.shape[0]
    assert 0.25 * height <= cut <= 0.75 * height
    assert (gray[cut - 3 : cut + 4] >= 128).all()  # no ink on or next to the cut
    calls = _reading_calls(monkeypatch)
    two = TesseractEngine(threads=2, bands=True).read(gray)
    assert sorted(calls) == [0, cut]
    one = TesseractEngine(threads=1, bands=True).read(gray)
    assert [ln.text for ln in two] == [ln.text for ln in one]
    for a, b in zip(one, two, strict=True):  # boxes offset back onto the page
        assert np.allclose(a.bbox, b.bbox, atol=2 / height)


def test_two_bands_read_a_real_scan_like_one_call(shared_dir: Path) -> None:
    doc_id = "inv-677e679263"  # invoice2data scan, one page
    truth = json.loads((shared_dir / "data/truth" / f"{doc_id}.json").read_text())["fields"]
    doc = pymupdf.open(shared_dir / "data/docs" / f"{doc_id}.pdf")
    image = prepare(render_page(doc.load_page(0), 60_000_000)).image
    assert tess.clean_gap(to_gray(image)) is not None
    one = [w.text for ln in AutoEngine(threads=1).read(image) for w in ln.words]
    banded = AutoEngine(tesseract=TesseractEngine(threads=2, bands=True), threads=2)
    two = [w.text for ln in banded.read(image) for w in ln.words]
    common = sum((Counter(one) & Counter(two)).values())
    assert common >= 0.95 * max(len(one), len(two))
    assert truth["invoice_number"] in " ".join(two)


def test_auto_reads_and_rereads_each_band_on_its_own_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both bands go through Tesseract and the crop re-reads; words land where one call puts them."""
    import threading

    from pipeline.read.ocr import auto

    gray = _page(step=30)
    cut = tess.clean_gap(gray)
    assert cut is not None
    threads_seen: list[tuple[str, int]] = []
    real = auto.AutoEngine._reread

    def recorded(self, image, lines, threads):  # type: ignore[no-untyped-def]
        threads_seen.append((threading.current_thread().name, image.shape[0]))
        return real(self, image, lines, threads)

    monkeypatch.setattr(auto.AutoEngine, "_reread", recorded)
    two = AutoEngine(threads=2).read(gray)
    assert sorted(h for _, h in threads_seen) == sorted([cut, gray.shape[0] - cut])
    assert len({name for name, _ in threads_seen}) == 2  # the page's thread and the helper
    threads_seen.clear()
    one = AutoEngine(threads=1).read(gray)
    assert threads_seen == [(threading.current_thread().name, gray.shape[0])]
    assert [ln.text for ln in two] == [ln.text for ln in one]
    height = gray.shape[0]
    for a, b in zip(one, two, strict=True):
        assert np.allclose(a.bbox, b.bbox, atol=2 / height)


def test_till_slips_are_read_whole() -> None:
    assert tess.bandable(2339, 1654)  # A4 at 200 dpi
    assert tess.bandable(2200, 1700)  # US letter
    assert not tess.bandable(1279, 754)  # a receipt, aspect 1.7
    assert not tess.bandable(1400, 900)  # narrower than a sheet at 150 dpi
    slip = np.full((2400, 1200), 255, np.uint8)
    assert TesseractEngine(threads=2).band_cut(slip) is None


def test_crops_on_two_threads_read_as_on_one() -> None:
    crops = []
    for i in range(10):
        word = f"{i * 111},{i}5 EUR"
        doc = pymupdf.open()
        page = doc.new_page(width=20 + 7 * len(word), height=24)
        page.insert_text((6, 17), word, fontsize=11)
        crops.append(render_page(page, 60_000_000))
    assert recognise_crops(crops, threads=2) == recognise_crops(crops, threads=1)


def test_helper_thread_sees_the_page_deadline() -> None:
    gray = _page(step=30)
    expired = Deadline(0.0)
    with pytest.raises(PageCancelled):
        run_within(expired, TesseractEngine(threads=2, bands=True).read, gray)


def test_read_threads_setting() -> None:
    import os

    cpus = len(os.sched_getaffinity(0))
    assert read_threads({}) == min(2, cpus)
    assert read_threads({"READ_THREADS": "1"}) == 1
    assert read_threads({"READ_THREADS": "0"}) == 1
    assert from_environment({"READ_THREADS": "1"}).read_threads == 1
    engine = get_engine("auto", threads=1)
    assert isinstance(engine, AutoEngine) and engine.threads == 1 and engine.tesseract.threads == 1
    assert get_engine("tesseract", threads=2).threads == 2
    assert TesseractEngine(threads=2).bands  # on by default (tesseract.BANDS)


def test_a_forked_child_starts_its_own_helper() -> None:
    import os

    from pipeline.read.ocr import base

    assert base.on_helper(lambda: 1).result() == 1  # the parent's helper exists
    pid = os.fork()
    if pid == 0:  # child: the parent's helper thread did not come along
        code = 1
        try:
            code = 0 if base.on_helper(lambda: 2).result(timeout=10) == 2 else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
