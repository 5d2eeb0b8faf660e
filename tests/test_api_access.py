"""Who may see and do what through pipeline.api: the access matrix, and sessions."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from models import Delivery, Document, UblRelease
from models.enums import DocumentStatus, ReleaseStatus
from pipeline import api
from pipeline.core.db import unit_of_work
from tests import workbench_data as testdata


@pytest.fixture
def world(tmp_path, monkeypatch):
    testdata.fast_password_hashing()
    from pipeline.jobs import queues as jobs

    monkeypatch.setattr(jobs, "enqueue", lambda *a, **k: None)
    settings, world = testdata.build(tmp_path / "data", documents=2)
    with unit_of_work(settings.database_url) as session:
        other, _ = testdata.add_document(session, settings, world.client_b, number=900)
        released = session.get(Document, other)
        released.status = DocumentStatus.RELEASED
        xml_path = "releases/ab/fake.xml"
        (settings.data_dir / "releases" / "ab").mkdir(parents=True)
        (settings.data_dir / xml_path).write_bytes(b"<Invoice/>")
        session.add(UblRelease(document_id=other, released_document_id=other, status=ReleaseStatus.PASSED,
                               ruleset="test", xml_path=xml_path,
                               sha256=hashlib.sha256(b"<Invoice/>").hexdigest()))  # downloads verify it
    yield settings, world, other
    from pipeline.core.config import settings as settings_fn

    settings_fn.cache_clear()


def who(username: str) -> api.Principal:
    principal = api.resume(api.sign_in(username, testdata.PASSWORD).token)
    assert principal is not None
    return principal


def test_listing_is_scoped(world):
    _, _w, other = world
    all_ids = {r.id for r in api.list_documents(who("admin"))}
    assert other in all_ids and len(all_ids) == 4
    assert {r.id for r in api.list_documents(who("op1"))} == all_ids  # the centre sees the queue's documents
    a_ids = {r.id for r in api.list_documents(who("client_a"))}
    assert other not in a_ids and len(a_ids) == 3
    assert {r.id for r in api.list_documents(who("acc_a"))} == a_ids
    assert {r.id for r in api.list_documents(who("client_b"))} == {other}
    assert {r.id for r in api.list_documents(who("acc_b"))} == {other}
    assert [c.name for c in api.clients_for(who("client_a"))] == ["Bakkerij Peeters"]


@pytest.mark.parametrize("username", ["client_a", "acc_a"])
def test_others_documents_cannot_be_opened_or_downloaded(world, username):
    _, _, other = world
    principal = who(username)
    with pytest.raises(api.NotFound):
        api.document_detail(principal, other)
    with pytest.raises(api.NotFound):
        api.page_image(principal, other)
    with pytest.raises(api.NotFound):
        api.download_ubl(principal, other)
    with pytest.raises(api.NotFound):
        api.retry(principal, other)
    with pytest.raises(api.NotFound):
        api.upload(principal, world[1].client_b, [("x.pdf", b"%PDF-1.4")])


def test_own_released_document_downloads_and_is_recorded(world):
    settings, _, other = world
    name, xml = api.download_ubl(who("acc_b"), other)
    assert xml == b"<Invoice/>" and name.endswith(".xml")
    with unit_of_work(settings.database_url) as session:
        assert session.scalars(select(Delivery)).one().document_id == other
        assert session.get(Document, other).status is DocumentStatus.DELIVERED


def test_centre_cannot_upload_or_download_and_others_cannot_validate(world):
    _, w, other = world
    operator = who("op1")
    with pytest.raises(api.Forbidden):
        api.download_ubl(operator, other)
    with pytest.raises(api.Forbidden):
        api.upload(operator, w.client_a, [("x.pdf", b"%PDF-1.4")])
    for username in ("client_a", "acc_a"):
        with pytest.raises(api.Forbidden):
            api.next_task(who(username))
        with pytest.raises(api.Forbidden):
            api.group(who(username), "iban")
    assert api.page_image(operator, other) is not None  # the centre sees what it validates


def test_sessions_expire_and_sign_out(world):
    signed = api.sign_in("op1", testdata.PASSWORD)
    assert api.resume(signed.token) is not None
    assert api.resume(signed.token, now=datetime.now(UTC) + timedelta(days=2)) is None
    api.sign_out(signed.token)
    assert api.resume(signed.token) is None
    with pytest.raises(api.SignInError):
        api.sign_in("op1", "not the password")
