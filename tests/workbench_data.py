"""A small, self-contained data set for the workbench's tests and benchmark.

No OCR involved: documents are tiny PDFs drawn with PyMuPDF and their fields are
inserted through the models, with boxes where the text was drawn, so a test knows
exactly what the operator will see. Not used by the running application.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from models import Client, Document, ExtractedFieldRow, Page, ValidationTask
from models.enums import (
    DocumentKind,
    DocumentStatus,
    DocumentType,
    FieldSource,
    FieldState,
    Role,
    TaskKind,
)
from pipeline.core import accounts
from pipeline.core.checks import make_ogm
from pipeline.core.config import Settings
from pipeline.core.i18n import set_language
from pipeline.core.storage import store_original
from pipeline.review.tasks import open_task

PASSWORD = "correct-horse-7"
PAGE_W, PAGE_H = 595.0, 842.0

BASE_VALUES: dict[str, Any] = {
    "supplier_name": "Drukkerij Vermeulen BV",
    "supplier_vat": "BE0403170701",
    "supplier_address": "Kerkstraat 12, 9000 Gent, BE",
    "invoice_number": "F2026-0042",
    "issue_date": "2026-11-02",
    "due_date": "2026-12-02",
    "currency": "EUR",
    "total_excl_vat": "100.00",
    "total_vat": "21.00",
    "total_incl_vat": "121.00",
    "iban": "BE71096123456769",
    "payment_reference": make_ogm(42),
}
BREAKDOWN = [{"rate": "21", "base": "100.00", "amount": "21.00", "category": "S", "exemption_reason": None}]
# fields an operator must look at in every sample document
UNCERTAIN = ("invoice_number", "total_incl_vat")


@dataclass(frozen=True)
class World:
    office_a: int
    office_b: int
    client_a: int
    client_b: int
    users: dict[str, int]  # username → id


def configure(data_dir: Path) -> Settings:
    """Point the process at a fresh data directory and SQLite file, migrated to head."""
    from pipeline.core.config import settings
    from pipeline.core.db import migrate

    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["DATA_DIR"] = str(data_dir)
    os.environ["DATABASE_URL"] = f"sqlite:///{data_dir / 'boekbrug.sqlite3'}"
    os.environ.pop("REDIS_URL", None)
    settings.cache_clear()
    current = settings()
    migrate(current.database_url)
    return current


def seed_world(session: Session) -> World:
    """Two offices with a client each, and one user of every kind."""
    office_a = accounts.get_or_create_office(session, "Kantoor Noord")
    office_b = accounts.get_or_create_office(session, "Kantoor Zuid")
    client_a = accounts.get_or_create_client(session, office_a, "Bakkerij Peeters", vat="BE0202239951",
                                             enterprise_number="0202239951")
    client_b = accounts.get_or_create_client(session, office_b, "Garage Janssens")
    specs = [
        ("admin", Role.ADMIN, {}),
        ("op1", Role.OPERATOR, {}),
        ("op2", Role.OPERATOR, {}),
        ("super", Role.SUPERVISOR, {}),
        ("acc_a", Role.ACCOUNTANT, {"office_id": office_a.id}),
        ("acc_b", Role.ACCOUNTANT, {"office_id": office_b.id}),
        ("client_a", Role.CLIENT, {"client_id": client_a.id}),
        ("client_b", Role.CLIENT, {"client_id": client_b.id}),
    ]
    # English screens unless a test chooses a language (tests/test_workbench_languages.py): the offices'
    # language for their accountants and clients, the staff's own (they belong to no office)
    office_a.language = office_b.language = "en"
    made = {name: accounts.create_user(session, name, PASSWORD, role, **extra) for name, role, extra in specs}  # type: ignore[arg-type]
    for user in made.values():
        if user.office_id is None and user.client_id is None:
            user.language = "en"
    users = {name: user.id for name, user in made.items()}
    session.flush()
    return World(office_a.id, office_b.id, client_a.id, client_b.id, users)


def make_pdf(values: dict[str, Any]) -> tuple[bytes, dict[str, list[float]]]:
    """A one-page invoice PDF showing ``values``, and each value's normalised box."""
    import pymupdf

    pdf = pymupdf.open()
    page = pdf.new_page(width=PAGE_W, height=PAGE_H)
    page.insert_text((50, 50), "INVOICE / FACTUUR", fontsize=16)
    boxes: dict[str, list[float]] = {}
    y = 90.0
    for name, value in values.items():
        text = str(value)
        page.insert_text((50, y), f"{name.replace('_', ' ')}:", fontsize=9)
        page.insert_text((200, y), text, fontsize=10)
        width = pymupdf.get_text_length(text, fontsize=10)
        boxes[name] = [round(198 / PAGE_W, 5), round((y - 10) / PAGE_H, 5),
                       round((202 + width) / PAGE_W, 5), round((y + 3) / PAGE_H, 5)]
        y += 22
    data = pdf.tobytes()
    pdf.close()
    return data, boxes


def reading_of(document_id: int, data: bytes) -> Page:
    """Page 1 of a PDF as the reading stores it: lines of words with normalised boxes."""
    import pymupdf

    with pymupdf.open(stream=data, filetype="pdf") as pdf:
        page = pdf[0]
        width, height = page.rect.width, page.rect.height
        lines: dict[tuple[int, int], list[dict[str, Any]]] = {}
        for x0, y0, x1, y1, text, block, line, _word in page.get_text("words"):
            lines.setdefault((block, line), []).append(
                {"text": text, "bbox": [round(x0 / width, 5), round(y0 / height, 5), round(x1 / width, 5),
                                        round(y1 / height, 5)], "confidence": 1.0})
    rows = [{"text": " ".join(w["text"] for w in words), "confidence": 1.0, "words": words,
             "bbox": [min(w["bbox"][0] for w in words), min(w["bbox"][1] for w in words),
                      max(w["bbox"][2] for w in words), max(w["bbox"][3] for w in words)]}
            for words in lines.values()]
    return Page(document_id=document_id, number=1, width=width, height=height, source=FieldSource.TEXT_LAYER,
                engine="text_layer", text="\n".join(r["text"] for r in rows), lines=rows)


def add_document(
    session: Session,
    settings: Settings,
    client_id: int,
    *,
    number: int,
    uncertain: tuple[str, ...] = UNCERTAIN,
    overrides: dict[str, Any] | None = None,
    with_task: bool = True,
    with_reading: bool = False,
) -> tuple[int, int | None]:
    """A document awaiting validation: PDF original, fields, and an open task. → (doc id, task id)."""
    values = dict(BASE_VALUES) | {"invoice_number": f"F2026-{number:04d}"} | (overrides or {})
    data, boxes = make_pdf(values)
    stored = store_original(settings.data_dir, data)
    document = Document(
        client_id=client_id, sha256=stored.sha256, original_path=stored.relative_path,
        original_filename=f"invoice-{number:04d}.pdf", size_bytes=stored.size, kind=DocumentKind.PDF,
        channel="upload", status=DocumentStatus.NEEDS_VALIDATION, document_type=DocumentType.INVOICE,
        page_count=1, supplier_name=values["supplier_name"], invoice_number=values["invoice_number"],
    )
    session.add(document)
    session.flush()
    if with_reading:  # the words as the text layer gives them (what click-to-fill picks from)
        session.add(reading_of(document.id, data))
    for name, value in values.items():
        doubt = name in uncertain
        confidence = 0.62 if doubt else 0.997
        session.add(ExtractedFieldRow(
            document_id=document.id, name=name, value=value, machine_value=value, raw_confidence=confidence,
            confidence=confidence, page=1, bbox=boxes[name], source=FieldSource.TEXT_LAYER,
            machine_source=FieldSource.TEXT_LAYER,
            checks=[] if doubt else [{"name": "seen", "ok": True, "message": f"read from the text layer: {value}"}],
            state=FieldState.UNCERTAIN if doubt else FieldState.CERTAIN,
        ))
    session.add(ExtractedFieldRow(
        document_id=document.id, name="vat_breakdown", value=BREAKDOWN, machine_value=BREAKDOWN,
        raw_confidence=0.997, confidence=0.997, page=1, bbox=None, source=FieldSource.TEXT_LAYER,
        machine_source=FieldSource.TEXT_LAYER, checks=[], state=FieldState.CERTAIN,
    ))
    task_id = None
    if with_task:
        client = session.get(Client, client_id)
        assert client is not None
        task: ValidationTask = open_task(session, document_id=document.id, client=client, kind=TaskKind.VALIDATE,
                                         expected_errors=0.7 * len(uncertain), reason="needs a look: " + ", ".join(uncertain))
        task_id = task.id
    session.flush()
    return document.id, task_id


def add_failed_document(session: Session, settings: Settings, client_id: int, name: str = "broken.pdf") -> int:
    """A document that failed reading, with its reason (for the retry button)."""
    stored = store_original(settings.data_dir, b"%PDF-1.4 broken " + name.encode())
    document = Document(client_id=client_id, sha256=stored.sha256, original_path=stored.relative_path,
                        original_filename=name, size_bytes=stored.size, kind=DocumentKind.PDF, channel="upload",
                        status=DocumentStatus.FAILED,
                        error="[corrupt_file] the PDF cannot be opened — The file is damaged; ask the sender for a new copy.")
    session.add(document)
    session.flush()
    return document.id


def build(data_dir: Path, documents: int = 3) -> tuple[Settings, World]:
    """Configure, migrate and seed: a world with ``documents`` open tasks for client A and one failed upload."""
    from pipeline.core.db import unit_of_work

    current = configure(data_dir)
    with unit_of_work(current.database_url) as session:
        world = seed_world(session)
        for number in range(1, documents + 1):
            add_document(session, current, world.client_a, number=number)
        add_failed_document(session, current, world.client_a)
    return current, world


def fast_password_hashing() -> None:
    """Tests only: cheap Argon2 parameters (a hash carries its parameters, so verifying stays correct)."""
    from argon2 import PasswordHasher

    accounts._HASHER = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)  # type: ignore[attr-defined]


def navigation_pinned_init() -> Any:
    """Tests only: a ``PagesManager.__init__`` that keeps ``AppTest`` on ``st.navigation``.

    AppTest (Streamlit 1.67) resets ``PagesManager.uses_pages_directory`` before each
    run, so with a ``pages/`` folder beside ``app.py`` its second run takes the old
    pages-folder mode and runs the page without the router. The real server sets the
    flag once per process (``st.navigation`` clears it), so only tests need this:
    ``monkeypatch.setattr(PagesManager, "__init__", navigation_pinned_init())``.
    """
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self: PagesManager, *args: Any, **kwargs: Any) -> None:
        PagesManager.uses_pages_directory = False
        original(self, *args, **kwargs)

    return init


APP = str(Path(__file__).resolve().parents[1] / "workbench" / "app.py")


def signed_in(username: str, password: str = PASSWORD) -> Any:
    """Tests only: an ``AppTest`` of the workbench with ``username`` signed in."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.text_input(key="signin_user").input(username)
    at.text_input(key="signin_password").input(password)
    at.button[0].click().run()
    assert not at.exception, at.exception
    # AppTest calls a widget's format_func in this thread when a test sets a value: the user's language here too
    set_language(at.session_state["principal"].language)
    return at
