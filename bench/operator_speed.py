"""The operator's speed, measured where the operator sits: a scripted operator in Debian Chromium.

    .venv/bin/python bench/operator_speed.py [--documents 12] [--csv out.csv] [--fill type|click]

Builds a fresh queue (``tests/workbench_data.py``: one-page invoice PDFs with their fields,
their reading (words and boxes, as the text layer gives them) and open validation tasks; some
read wrongly on purpose), starts the real workbench
(``streamlit run workbench/app.py``) and drives it with Playwright as an operator who knows
the truth: signs in, presses "Next document" once, then for every document goes through
the fields that need a look with the keyboard only (Tab), types the right value where
the reading is wrong (``--fill click``: points at it on the page instead — a click on a
word, a box dragged over several), leaves a right one as it is, and presses Enter. The
page shows the truth; the machine's reading of it is what is wrong. A pointing (click)
is counted only when the cursor is not where the next keystroke must go.

Per document it reports: system wait (ms, from Enter until the cursor is in the next
document's form — not the last one's, which Streamlit leaves on screen a moment), keystrokes and clicks, fields looked at (shown as needing a look) vs fields
that needed a change, and an estimated operator time by the keystroke-level model:
0.28 s a key, 1.1 s a pointing, 1.35 s a decision per field looked at. Prints the table,
then median and p90. On failure the page is saved to tests/artifacts/operator-speed-failure.png.
"""

from __future__ import annotations

import os
import sys

# run as a script, this file's folder comes first on sys.path, and bench/queue.py would hide the
# standard library's ``queue``: take the folder off first
sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or ".") != os.path.dirname(os.path.abspath(__file__))]

import argparse
import csv
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select, update

from models import ExtractedFieldRow, ValidationTask
from models.enums import TaskState
from pipeline.core.db import unit_of_work
from tests import workbench_data as testdata
from tests.e2e.test_browser import CHROMIUM, CHROMIUM_ARGS, sign_in, start_workbench

KEY_S, POINT_S, DECIDE_S = 0.28, 1.1, 1.35
# (fields shown as needing a look, fields read wrongly) per kind of document, in turn
KINDS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("invoice_number",), ()),  # one doubt, right
    (("invoice_number", "total_incl_vat"), ("invoice_number",)),  # two doubts, one wrong
    (("invoice_number", "total_incl_vat"), ()),  # two doubts, both right
    (("supplier_name", "invoice_number", "total_incl_vat"), ("supplier_name", "invoice_number")),
)
WRONG_READINGS = {"invoice_number": lambda v: v.replace("0", "O", 1), "supplier_name": lambda v: v.replace("e", "c", 1)}

FOCUS_KEY = """() => { const el = document.activeElement; if (!el) return null;
  const box = el.closest('[class*="st-key-in-"]'); if (!box) return null;
  return Array.from(box.classList).find(c => c.startsWith('st-key-in-')) || null; }"""


@dataclass
class Row:
    document_id: int
    wait_ms: float
    keys: int
    clicks: int
    looked: int
    needed: int
    fill_ms: float = 0.0  # click-to-fill: from the pointing until the field shows the value

    @property
    def estimate_s(self) -> float:
        return self.keys * KEY_S + self.clicks * POINT_S + self.looked * DECIDE_S


def build_queue(data_dir: Path, count: int):  # type: ignore[no-untyped-def]
    """The queue and, per document, (truth of the wrongly read fields, the doubtful fields)."""
    testdata.fast_password_hashing()
    settings, world = testdata.build(data_dir, documents=0)
    truth: dict[int, tuple[dict[str, str], tuple[str, ...]]] = {}
    with unit_of_work(settings.database_url) as session:
        for n in range(count):
            doubtful, wrong = KINDS[n % len(KINDS)]
            right = dict(testdata.BASE_VALUES) | {"invoice_number": f"F2026-{100 + n:04d}"}
            document_id, _task = testdata.add_document(session, settings, world.client_a, number=100 + n,
                                                       uncertain=doubtful, with_reading=True)
            for name in wrong:  # the page shows the truth; the machine read it wrongly
                session.execute(update(ExtractedFieldRow).where(
                    ExtractedFieldRow.document_id == document_id, ExtractedFieldRow.name == name).values(
                    value=WRONG_READINGS[name](str(right[name]))))
            truth[document_id] = ({name: str(right[name]) for name in wrong}, doubtful)
    return settings, truth


def claimed(settings) -> tuple[int, int, int] | None:  # type: ignore[no-untyped-def]
    with unit_of_work(settings.database_url) as session:
        task = session.scalars(select(ValidationTask).where(ValidationTask.state == TaskState.CLAIMED)).first()
        return (task.id, task.version, task.document_id) if task else None


def next_form(page, settings, previous: int | None, timeout_s: float = 30.0, *, may_end: bool = True):  # type: ignore[no-untyped-def]
    """The next task once its form is on the page → (task id, version, document id); None when the queue is done."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        held = claimed(settings)
        if held and held[0] != previous:
            page.locator(f'[class*="st-key-in-{held[0]}-{held[1]}-"]').first.wait_for()
            return held
        if may_end and held is None and page.get_by_text("documents wait in the queue").count():
            return None
        page.wait_for_timeout(20)
    raise TimeoutError("no next task")


def work_document(page, task: tuple[int, int, int], truth, counts: dict[str, float], fill: str) -> None:  # type: ignore[no-untyped-def]
    """Go through the doubtful fields with Tab; where the reading is wrong, type the right value
    (``fill`` "type") or point at it on the page (``fill`` "click": a click on one word, a drag over
    several, and the wait until the field shows it counted as ``fill_ms``)."""
    task_id, version, document_id = task
    corrections, doubtful = truth[document_id]
    prefix = f"st-key-in-{task_id}-{version}-"
    for name in doubtful:
        want = prefix + name
        for _ in range(12):  # Tab along until the cursor is in this field
            if page.evaluate(FOCUS_KEY) == want:
                break
            page.keyboard.press("Tab")
            counts["keys"] += 1
        else:
            page.locator(f".{want} input").first.click()  # the cursor was nowhere near: point at it
            counts["clicks"] += 1
        if name in corrections and fill == "click":
            words = corrections[name].split()
            first = page.locator(f'.bb-word[title="{words[0]}"]').first.bounding_box()
            last = page.locator(f'.bb-word[title="{words[-1]}"]').first.bounding_box()
            assert first and last, f"{corrections[name]!r} is not among the page's words"
            started = time.monotonic()
            if len(words) == 1:
                page.mouse.click(first["x"] + first["width"] / 2, first["y"] + first["height"] / 2)
                counts["clicks"] += 1
            else:  # a box dragged over the words: pointing at its two corners
                page.mouse.move(first["x"] - 2, first["y"] - 2)
                page.mouse.down()
                page.mouse.move(last["x"] + last["width"] + 2, last["y"] + last["height"] + 2, steps=4)
                page.mouse.up()
                counts["clicks"] += 2
            page.wait_for_function("([sel, want]) => { const el = document.querySelector(sel); "
                                   "return el && el.value === want; }", arg=[f".{want} input", corrections[name]])
            counts["fill_ms"] += (time.monotonic() - started) * 1000
        elif name in corrections:
            page.keyboard.press("Control+A")
            page.keyboard.type(corrections[name])
            counts["keys"] += 1 + len(corrections[name])


def work_queue(page, settings, truth, rows: list[Row], fill: str) -> None:  # type: ignore[no-untyped-def]
    """From "Next document" until the queue is empty, one Row per document."""
    page.get_by_role("button", name="Next document").click()
    started = time.monotonic()
    task = next_form(page, settings, None, may_end=False)
    first_click = 1
    while task is not None:
        try:  # the cursor in this document's form (not the last one's, still on screen a moment): the system is ready
            page.wait_for_function("prefix => { const el = document.activeElement; "
                                   "return el && el.closest('[class*=\"' + prefix + '\"]'); }",
                                   arg=f"st-key-in-{task[0]}-{task[1]}-", timeout=3000)
        except Exception:  # noqa: BLE001 - no cursor: the operator will have to point
            print(f"task {task[0]}: no cursor in the form after 3 s", file=sys.stderr)
        wait_ms = (time.monotonic() - started) * 1000
        counts: dict[str, float] = {"keys": 0, "clicks": first_click, "fill_ms": 0.0}
        first_click = 0
        work_document(page, task, truth, counts, fill)
        page.keyboard.press("Enter")
        counts["keys"] += 1
        started = time.monotonic()
        previous, document_id = task[0], task[2]
        try:
            task = next_form(page, settings, previous, timeout_s=6)
        except TimeoutError:  # a check asks to press Enter again to save anyway
            page.keyboard.press("Enter")
            counts["keys"] += 1
            started = time.monotonic()
            task = next_form(page, settings, previous)
        corrections, doubtful = truth[document_id]
        rows.append(Row(document_id, wait_ms, int(counts["keys"]), int(counts["clicks"]), len(doubtful),
                        len(corrections), counts["fill_ms"]))


def run(count: int, csv_path: Path | None, fill: str = "type") -> list[Row]:
    from playwright.sync_api import sync_playwright

    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        settings, truth = build_queue(Path(tmp) / "data", count)
        for url in start_workbench(Path(tmp), settings):
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1500, "height": 1100})
                page.set_default_timeout(30_000)
                sign_in(page, url, "op1")
                try:
                    work_queue(page, settings, truth, rows, fill)
                except Exception:
                    shot = ROOT / "tests" / "artifacts" / "operator-speed-failure.png"
                    shot.parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(shot), full_page=True)
                    print(f"stopped after {len(rows)} documents; the page is in {shot}", file=sys.stderr)
                    raise
                finally:
                    browser.close()
    if csv_path:
        with csv_path.open("w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["document", "wait_ms", "keys", "clicks", "looked", "needed", "estimate_s", "fill_ms"])
            for r in rows:
                writer.writerow([r.document_id, f"{r.wait_ms:.0f}", r.keys, r.clicks, r.looked, r.needed,
                                 f"{r.estimate_s:.2f}", f"{r.fill_ms:.0f}"])
    return rows


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def report(rows: list[Row]) -> None:
    print(f"{'document':>8} {'wait ms':>8} {'keys':>5} {'clicks':>6} {'looked':>6} {'needed':>6} {'est. s':>7}")
    for r in rows:
        print(f"{r.document_id:>8} {r.wait_ms:>8.0f} {r.keys:>5} {r.clicks:>6} {r.looked:>6} {r.needed:>6} "
              f"{r.estimate_s:>7.2f}")
    if not rows:
        return
    waits, estimates = [r.wait_ms for r in rows], [r.estimate_s for r in rows]
    print(f"system wait: median {statistics.median(waits):.0f} ms, p90 {percentile(waits, 0.9):.0f} ms")
    print(f"estimated operator time: median {statistics.median(estimates):.2f} s, p90 {percentile(estimates, 0.9):.2f} s")
    two = [r.estimate_s for r in rows if r.looked == 2]
    if two:
        print(f"documents with two doubtful fields: median {statistics.median(two):.2f} s (n={len(two)})")
    fills = [r.fill_ms for r in rows if r.fill_ms]
    if fills:
        print(f"click-to-fill wait: median {statistics.median(fills):.0f} ms, p90 {percentile(fills, 0.9):.0f} ms "
              f"(n={len(fills)} documents)")
    print(f"keys per document: median {statistics.median([r.keys for r in rows]):.0f}; "
          f"clicks: {sum(r.clicks for r in rows)} in {len(rows)} documents")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=12)
    parser.add_argument("--csv", type=Path, default=None)
    parser.add_argument("--fill", choices=("type", "click"), default="type",
                        help="a wrong reading corrected by typing it, or by pointing at it on the page (click-to-fill)")
    args = parser.parse_args()
    report(run(args.documents, args.csv, args.fill))


if __name__ == "__main__":
    main()
