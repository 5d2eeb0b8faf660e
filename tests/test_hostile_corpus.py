"""Hostile and broken input, each through the real pipeline (intake → read → extract).

Every case of :mod:`tests.hostile` must end as a document in a proper state — read,
or FAILED with the stable error code in its reason — with its original bytes stored
unchanged under DATA_DIR, its name shown without any path, and no exception escaping
``ingest_files``. One batch carries them all next to a good UBL invoice, which must
still be released. Wall-clock bounds are pytest-timeout marks, not timed asserts.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from sqlalchemy import select

from models import Document, UblRelease
from models.enums import DocumentStatus
from pipeline.core.accounts import get_or_create_client, get_or_create_office
from pipeline.core.config import PROJECT_ROOT
from pipeline.core.db import unit_of_work
from pipeline.jobs.ingest import ingest_files
from pipeline.read.render import MAX_SIDE, render_zoom
from tests.hostile import (
    GOOD_UBL,
    Case,
    corpus,
    giant_page_pdf,
    page_tree_loop_pdf,
    png_bomb,
)

READ = {DocumentStatus.NEEDS_VALIDATION, DocumentStatus.VALIDATED, DocumentStatus.RELEASED,
        DocumentStatus.REJECTED, DocumentStatus.DUPLICATE}
CASES = {case.name: case for case in corpus()}
ENV = {"OCR_ENGINE": "tesseract", "MAX_PAGES": "50", "MAX_PIXELS": "60000000"}


def _client(url: str) -> None:
    with unit_of_work(url) as session:
        office = get_or_create_office(session, "Office")
        get_or_create_client(session, office, "Client", vat="BE0987654394")


def _write(folder: Path, index: int, case: Case) -> Path:
    """The file on disk under the hostile name (Linux allows all but '/' and NUL)."""
    folder = folder / f"{index:02d}"
    folder.mkdir(parents=True)
    path = folder / case.name
    path.write_bytes(case.data)
    return path


def _documents(url: str) -> dict[int, Document]:
    with unit_of_work(url) as session:
        return {d.id: d for d in session.scalars(select(Document))}


def said(document: Document) -> str:
    """Everything the document says to a person: its failure reason and its notes."""
    return " ".join([document.error or "", *(getattr(document, "review_notes", None) or [])])


def check_case(case: Case, document: Document, everything: dict[int, Document], data_dir: Path) -> None:
    """The document of ``case`` ended as it should, and its original is intact."""
    where = f"{case.name!r}: {document.status} {document.error!r}"
    stored = data_dir / document.original_path
    assert stored.read_bytes() == case.data, where
    assert document.sha256 == hashlib.sha256(case.data).hexdigest(), where
    assert not stored.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH), where  # read-only
    assert stored.resolve().is_relative_to((data_dir / "originals").resolve()), where
    shown = document.original_filename
    assert "/" not in shown and "\\" not in shown and ".." not in shown.split("/"), where
    assert not any(unicodedata.category(ch)[0] == "C" for ch in shown), where
    if case.expect == "read":
        assert document.status in READ, where
    elif case.expect == "damaged_pdf":  # read as far as it goes, held for an operator with the coded notice
        assert document.status in READ - {DocumentStatus.RELEASED}, where
        assert not document.auto_released, where
        assert "[damaged_pdf]" in said(document) and "could be recovered" in said(document), where
    elif case.expect == "split":
        assert document.status is DocumentStatus.SPLIT, where
        children = [d for d in everything.values() if d.parent_id == document.id]
        assert children, where
        for child in children:  # each attachment is a document with a safe name and its own fate
            assert child.status in READ | {DocumentStatus.FAILED}, (where, child.status)
            assert "/" not in child.original_filename and "\\" not in child.original_filename
            assert (data_dir / child.original_path).exists()
    else:
        assert document.status is DocumentStatus.FAILED, where
        assert document.error and document.error.startswith(f"[{case.expect}]"), where


def _ingest(settings, tmp_path: Path, cases: list[Case], *, with_good: bool) -> tuple[list[int], int | None]:  # type: ignore[no-untyped-def]
    paths = [_write(tmp_path / "in", index, case) for index, case in enumerate(cases)]
    good_at = len(paths) // 2
    if with_good:
        paths.insert(good_at, GOOD_UBL)
    outcome = ingest_files(settings, "Client", paths)
    ids = list(outcome.document_ids)
    good = ids.pop(good_at) if with_good else None
    assert len(ids) == len(cases)
    return ids, good


@pytest.mark.timeout(300)
def test_one_batch_of_everything_goes_on(db_url: str, settings_for, tmp_path: Path) -> None:
    settings = settings_for(db_url, **ENV)
    _client(db_url)
    cases = list(CASES.values())
    ids, good = _ingest(settings, tmp_path, cases, with_good=True)
    everything = _documents(db_url)
    for case, document_id in zip(cases, ids, strict=True):
        check_case(case, everything[document_id], everything, settings.data_dir)
    assert everything[good].status is DocumentStatus.RELEASED  # the batch went on around them
    with unit_of_work(db_url) as session:
        releases = session.scalars(select(UblRelease.released_document_id)).all()
    assert releases.count(good) == 1


def _measure(tmp_path: Path, cases: list[Case], ballast_mb: int = 0) -> list[tuple[int, float]]:
    """Ingest ``cases`` one after the other in one fresh process (tests/hostile_memory.py):
    (document id, peak growth in MB) of each, the peak reset before each case.

    ru_maxrss only ever rises, so in this pytest process an earlier test's peak would hide
    a case's; the fresh process resets its own peak (VmHWM) before every case."""
    paths = [str(_write(tmp_path / "in", index, case)) for index, case in enumerate(cases)]
    command = [sys.executable, "-m", "tests.hostile_memory", *(["--ballast", str(ballast_mb)] if ballast_mb else []), *paths]
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=dict(os.environ), capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    measured = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(measured) == len(cases), done.stdout[-2000:]
    for one in measured:
        assert len(one["document_ids"]) == 1, one
    return [(one["document_ids"][0], one["peak_growth_mb"]) for one in measured]


@pytest.fixture(scope="module")
def every_case_measured(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Every case ingested alone, in one fresh process: (url, data dir, {name: (id, growth)})."""
    from pipeline.core.db import engine_for, migrate

    folder = tmp_path_factory.mktemp("hostile-alone")
    url = f"sqlite:///{folder / 'cases.sqlite3'}"
    migrate(url)
    _client(url)
    saved = dict(os.environ)
    os.environ.update({**ENV, "DATA_DIR": str(folder / "data"), "DATABASE_URL": url})
    os.environ.pop("REDIS_URL", None)
    try:
        results = _measure(folder, list(CASES.values()))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    yield url, folder / "data", dict(zip(CASES, results, strict=True))
    engine_for(url).dispose()


@pytest.mark.timeout(600)
@pytest.mark.parametrize("name", list(CASES))
def test_each_case_alone(name: str, every_case_measured) -> None:  # type: ignore[no-untyped-def]
    url, data_dir, results = every_case_measured
    case = CASES[name]
    document_id, rss_growth_mb = results[name]
    everything = _documents(url)
    check_case(case, everything[document_id], everything, data_dir)
    # a refused bomb is never decoded; anything read is bounded by MAX_PIXELS (a 60 Mpx
    # giant page costs ~0.75 GB at peak through clean-up and OCR)
    budget = 300 if case.expect == "too_large" else 1500
    assert rss_growth_mb < budget, f"{name}: peak memory grew by {rss_growth_mb:.0f} MB"


@pytest.mark.timeout(120)
def test_the_memory_measure_sees_an_allocation(settings_for, tmp_path: Path) -> None:
    """The budget above can fail: 400 MB held during a refused bomb's ingest are measured."""
    url = f"sqlite:///{tmp_path / 'ballast.sqlite3'}"
    from pipeline.core.db import engine_for, migrate

    migrate(url)
    settings_for(url, **ENV)
    _client(url)
    refused = next(case for case in CASES.values() if case.expect == "too_large")
    [(_, alone)] = _measure(tmp_path / "alone", [refused])
    [(_, with_ballast)] = _measure(tmp_path / "ballast", [refused], ballast_mb=400)
    assert alone < 300, alone  # the refused bomb's own budget
    assert with_ballast >= 400, with_ballast
    engine_for(url).dispose()


def test_specific_outcomes(settings_for, tmp_path: Path) -> None:
    """What the table in the report promises, beyond the status and code."""
    url = f"sqlite:///{tmp_path / 'specific.sqlite3'}"
    from pipeline.core.db import migrate

    migrate(url)
    settings = settings_for(url, **ENV)
    _client(url)
    names = ["2000-pages.pdf", "..\\..\\..\\windows\\system32\\evil.pdf", "  fac\u0007tuur\u202e\u200bfdp.exe\t.pdf",
             "invoice.exe\u200b", "wrong-namespace.xml", "no-attachments.eml", "nested-hostile.eml", "bomb.png",
             "xxe.xml", "embedded-files.pdf", "javascript.pdf"]
    ids, _ = _ingest(settings, tmp_path, [CASES[n] for n in names], with_good=False)
    docs = _documents(url)
    by_name = dict(zip(names, (docs[i] for i in ids), strict=True))

    many = by_name["2000-pages.pdf"]
    assert many.page_count == 50
    assert "[page_limit]" in said(many) and "first 50 of 2000 pages" in said(many)  # the operator is told
    assert not many.auto_released

    assert by_name["..\\..\\..\\windows\\system32\\evil.pdf"].original_filename == "evil.pdf"
    assert by_name["  fac\u0007tuur\u202e\u200bfdp.exe\t.pdf"].original_filename == "factuurfdp.exe.pdf"
    assert by_name["invoice.exe\u200b"].original_filename == "invoice.exe"
    assert "not a UBL or CII invoice" in (by_name["wrong-namespace.xml"].error or "")
    assert "no attachments" in (by_name["no-attachments.eml"].error or "")
    assert "60000000" in (by_name["bomb.png"].error or "") or "too large" in (by_name["bomb.png"].error or "")

    nested = by_name["nested-hostile.eml"]
    children = [d for d in docs.values() if d.parent_id == nested.id]
    by_file = {c.original_filename: c for c in children}
    assert by_file["scan.pdf"].status is DocumentStatus.FAILED and by_file["scan.pdf"].error.startswith("[corrupt_file]")
    # the attachments refused by their content are kept as failed documents with the reason,
    # and every attachment is a line on the e-mail (issue 18 item 6)
    assert len(children) > 1 and all(c.status is DocumentStatus.FAILED and c.error for c in children)
    assert set(by_file) <= {line["file"] for line in nested.attachment_lines or []}

    # nothing outside DATA_DIR was read into any document (XXE), and no JS text ran into fields
    for document in docs.values():
        assert "root:" not in (document.error or "")
    for name in ("embedded-files.pdf", "javascript.pdf"):
        assert by_name[name].status in READ


def test_giant_page_render_stays_within_max_pixels() -> None:
    import pymupdf

    from pipeline.read.render import render_page

    page = pymupdf.open(stream=giant_page_pdf(), filetype="pdf")[0]
    zoom = render_zoom(page.rect.width, page.rect.height, 20_000_000)
    assert (page.rect.width * zoom) * (page.rect.height * zoom) <= 20_000_000 * 1.01
    image = render_page(page, 20_000_000)
    assert image.shape[0] * image.shape[1] <= 20_000_000 * 1.01
    assert max(image.shape[:2]) <= MAX_SIDE


def test_pixel_limit_is_the_setting_not_pillows() -> None:
    """MAX_PIXELS decides, below Pillow's own ~179 Mpx guard and above it."""
    from pipeline.core.errors import TooLarge
    from pipeline.read.images import iter_frames

    small = png_bomb(2000)  # 4 Mpx
    with pytest.raises(TooLarge):
        next(iter_frames(small, max_pixels=3_000_000))
    assert next(iter_frames(small, max_pixels=5_000_000)).shape == (2000, 2000)


def test_giant_page_is_shown_to_the_operator_within_a_pixel_budget() -> None:
    """The workbench's render of a 5 m page used to need ~480 megapixels (issue 18, item 9)."""
    from pipeline.api.render import (
        SCREEN_MAX_SIDE,
        SCREEN_PIXELS,
        _render_image,
        _render_pdf,
    )

    shown = _render_pdf(giant_page_pdf(), 1, 160)
    assert shown.width * shown.height <= SCREEN_PIXELS * 1.01 and max(shown.width, shown.height) <= SCREEN_MAX_SIDE
    assert shown.png.startswith(b"\x89PNG") and "very large" in shown.note

    refused = _render_image(png_bomb(9000), 1, 110)  # 81 Mpx: not decoded, said in words
    assert "too large to show" in refused.note and refused.png.startswith(b"\x89PNG")
    looped = _render_pdf(page_tree_loop_pdf(), 3, 110)  # a phantom page of a looping page tree
    assert "cannot be shown" in looped.note
