"""``extract FILE --json`` answers e-mails per attachment, and says what the reading noticed."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from pipeline.cli.extract import extract_file, run
from pipeline.intake.email import build_email
from tests.hostile import (
    INVOICE_TEXT,
    many_pages_pdf,
    png_bytes,
    text_pdf,
    truncated_pdf,
    zip_bomb,
)


def test_email_answers_one_object_per_attachment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mail = tmp_path / "factuur.eml"
    mail.write_bytes(build_email("leverancier@example.com", "Factuur", [
        ("factuur-42.pdf", text_pdf(), "application/pdf"),
        ("afgebroken.pdf", truncated_pdf(0.7), "application/pdf"),
        ("archief.zip", zip_bomb(1), "application/zip"),
        ("logo.png", png_bytes(120, 40, "ACME"), "image/png"),
    ]))
    code = run(argparse.Namespace(files=[mail], known_vat=[], json=True))
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0
    assert [(r["attachment"], r["status"]) for r in rows] == [
        ("factuur-42.pdf", "ok"), ("afgebroken.pdf", "needs_review"), ("archief.zip", "failed"),
        ("logo.png", "skipped")]
    assert all(r["file"] == str(mail) for r in rows)
    assert rows[0]["fields"]["total_incl_vat"]["value"] == "1210.00"
    assert rows[1]["notices"][0]["code"] == "damaged_pdf"
    assert rows[2]["error"].startswith("[unsupported_format]") and "ZIP" in rows[2]["error"]
    assert "logo" in rows[3]["reason"] and rows[3]["error"] is None


def test_email_without_attachments_fails_with_its_code(tmp_path: Path) -> None:
    mail = tmp_path / "leeg.eml"
    mail.write_bytes(build_email("leverancier@example.com", "Geen bijlage", []))
    [row] = extract_file(mail)
    assert row["status"] == "failed" and row["error"].startswith("[no_attachments]")


def test_page_limit_is_said_in_the_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.core import config

    monkeypatch.setenv("MAX_PAGES", "5")
    config.settings.cache_clear()
    path = tmp_path / "lang.pdf"
    path.write_bytes(many_pages_pdf(8, ("Pagina met voorwaarden", *INVOICE_TEXT)))
    try:
        [row] = extract_file(path)
    finally:
        config.settings.cache_clear()
    assert row["status"] == "needs_review"
    assert [n["code"] for n in row["notices"]] == ["page_limit"]
    assert "only the first 5 of 8 pages were read" in row["notices"][0]["message"]
