"""The Documents page opens one document: its page, its fields and its history (AppTest), and the API's access."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from streamlit.runtime.pages_manager import PagesManager

from models import Client, Correction, Document, User
from models.enums import CorrectionAction
from pipeline import api
from pipeline.api import documents as documents_api
from pipeline.core.accounts import audit
from pipeline.core.db import unit_of_work
from tests import workbench_data as testdata


@pytest.fixture
def world(tmp_path, monkeypatch):
    monkeypatch.setattr(PagesManager, "__init__", testdata.navigation_pinned_init())
    testdata.fast_password_hashing()
    settings, _world = testdata.build(tmp_path / "data", documents=2)
    with unit_of_work(settings.database_url) as session:
        client_id = session.scalars(select(Client.id).where(Client.name == "Bakkerij Peeters")).one()
        document = session.scalars(select(Document).where(Document.client_id == client_id)).first()
        operator = session.scalars(select(User).where(User.username == "op1")).one()
        session.add(Correction(document_id=document.id, user_id=operator.id, field_name="invoice_number",
                               action=CorrectionAction.CORRECT, old_value="F2O26-1", new_value="F2026-1"))
        audit(session, operator.id, "validate", f"document:{document.id}", "2 fields corrected")
        document_id = document.id
    yield settings, document_id
    from pipeline.core.config import settings as settings_fn

    settings_fn.cache_clear()


def test_history_shows_the_correction_and_hides_the_operator_from_the_client(world):
    _settings, document_id = world
    staff = api.sign_in("op1", testdata.PASSWORD).principal
    client = api.sign_in("client_a", testdata.PASSWORD).principal
    seen_by_staff = documents_api.document_history(staff, document_id)
    correction = next(e for e in seen_by_staff if e.action == "correct")
    assert (correction.field, correction.old, correction.new) == ("invoice_number", "F2O26-1", "F2026-1")
    assert correction.who  # the centre sees who did it
    seen_by_client = documents_api.document_history(client, document_id)
    assert [e.action for e in seen_by_client] == [e.action for e in seen_by_staff]
    assert all(e.who == "" for e in seen_by_client if e.action in ("correct", "validate"))
    assert all(e.detail is None for e in seen_by_client)


def test_another_office_cannot_open_it(world):
    _settings, document_id = world
    other = api.sign_in("client_b", testdata.PASSWORD).principal
    with pytest.raises(api.BoekbrugError):
        documents_api.document_history(other, document_id)
    with pytest.raises(api.BoekbrugError):
        documents_api.document_fields(other, document_id)


def test_documents_page_opens_a_document(world):
    _settings, document_id = world
    at = testdata.signed_in("client_a")
    at.switch_page("views/documents.py").run()
    assert not at.exception, at.exception
    at.selectbox(key="docs_open").select(document_id).run()
    assert not at.exception, at.exception
    captions = "\n".join(c.value for c in at.caption).replace("\\", "")  # Markdown escaped in the source
    assert "F2O26-1" in captions and "F2026-1" in captions
    assert at.query_params["document"] == [str(document_id)] or at.query_params["document"] == str(document_id)
    assert any(h.value.startswith(f"Document {document_id}") for h in at.subheader)
