"""Originals are sacred: written once under their sha256, never changed, never twice."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models import Document
from models.enums import DocumentStatus
from pipeline.core.accounts import get_or_create_client, get_or_create_office
from pipeline.core.db import unit_of_work
from pipeline.core.storage import display_name, store_original
from pipeline.intake.receive import receive


def _client(url: str) -> int:
    with unit_of_work(url) as session:
        office = get_or_create_office(session, "Office A")
        return get_or_create_client(session, office, "Client A").id


def test_store_original_is_content_addressed_and_read_only(tmp_path: Path) -> None:
    data = b"%PDF-1.4 not really a pdf but bytes"
    first = store_original(tmp_path, data)
    second = store_original(tmp_path, data)
    assert first.sha256 == hashlib.sha256(data).hexdigest()
    assert not first.already_present and second.already_present
    stored = tmp_path / first.relative_path
    assert stored.read_bytes() == data
    assert not os.access(stored, os.W_OK) or os.getuid() == 0  # root may write anything
    assert oct(stored.stat().st_mode)[-3:] == "444"
    assert [p.name for p in stored.parent.iterdir()] == [first.sha256]  # no temp files left


def test_duplicate_upload_creates_no_second_copy_or_document(db_url: str, settings_for, tmp_path: Path) -> None:
    settings = settings_for(db_url)
    client_id = _client(db_url)
    payload = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64  # a (broken) PNG: refused later, kept anyway
    with unit_of_work(db_url) as session:
        first = receive(session, settings, client_id=client_id, filename="scan.png", data=payload)
    with unit_of_work(db_url) as session:
        again = receive(session, settings, client_id=client_id, filename="same-scan-renamed.png", data=payload)
        count = session.scalar(select(func.count()).select_from(Document))
    assert first.created and not again.created
    assert again.document_id == first.document_id
    assert count == 1
    files = [p for p in (settings.data_dir / "originals").rglob("*") if p.is_file()]
    assert len(files) == 1 and files[0].read_bytes() == payload


def test_unreadable_upload_is_kept_and_failed_with_a_reason(db_url: str, settings_for) -> None:
    settings = settings_for(db_url)
    client_id = _client(db_url)
    with unit_of_work(db_url) as session:
        received = receive(session, settings, client_id=client_id, filename="../../etc/passwd", data=b"root:x:0:0")
        document = session.get(Document, received.document_id)
        assert document is not None
        assert document.status is DocumentStatus.FAILED
        assert document.error and "unsupported" in document.error.lower()
        assert document.original_filename == "passwd"
        assert (settings.data_dir / document.original_path).read_bytes() == b"root:x:0:0"


@pytest.mark.parametrize(
    ("uploaded", "shown"),
    [("../../etc/passwd", "passwd"), ("C:\\Users\\x\\factuur 12.pdf", "factuur 12.pdf"), ("\x00\x1b[31m.pdf", "[31m.pdf"), ("", "unnamed")],
)
def test_display_names_are_safe(uploaded: str, shown: str) -> None:
    assert display_name(uploaded) == shown
