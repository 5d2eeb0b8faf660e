"""Who may do what over HTTP: the access matrix across two offices, tokens revoked and expired,
scopes, workbench sessions as bearers, the audit of every call, and rate limits per token."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import AuditEntry, User
from models.enums import Role
from pipeline import api
from pipeline.api import tokens
from pipeline.core.accounts import create_user
from pipeline.core.db import unit_of_work
from pipeline.http.app import create_app
from pipeline.http.settings import from_environment
from tests import workbench_data
from tests.test_http_world import (  # noqa: F401
    SYSTEM,
    HttpWorld,
    Server,
    build_world,
    http_world_fixture,
    ubl_variant,
)

OK, FORBIDDEN, MISSING = 200, 403, 404


def _problem(response) -> dict:  # type: ignore[no-untyped-def]
    assert response.headers["content-type"].startswith("application/problem+json"), (
        response.text
    )
    body = response.json()
    assert (
        body["status"] == response.status_code
        and body["type"] == f"urn:boekbrug:problem:{body['code']}"
    )
    return body


def test_access_matrix_across_two_offices(http_world: HttpWorld) -> None:
    w = http_world
    doc_a, doc_b = w.release("INV-A-1"), w.release("INV-B-1", client="b")
    ghost = 987_654  # exists for nobody
    documents = {"a": doc_a, "b": doc_b, "ghost": ghost}
    clients = {"a": w.client_a, "a2": w.client_a2, "b": w.client_b, "ghost": 97_531}
    # who sees which document and client
    sees_doc = {
        "office_a": {"a"},
        "client_a": {"a"},
        "office_b": {"b"},
        "client_b": {"b"},
    }
    sees_client = {
        "office_a": {"a", "a2"},
        "client_a": {"a"},
        "office_b": {"b"},
        "client_b": {"b"},
    }
    hands_over = {
        "office_a",
        "office_b",
    }  # accountants book and mark delivered; clients may not

    for who, visible_docs in sees_doc.items():
        with w.as_(who) as http:
            for target, document_id in documents.items():
                visible = target in visible_docs
                for path in (
                    f"/v1/documents/{document_id}",
                    f"/v1/documents/{document_id}/ubl",
                    f"/v1/documents/{document_id}/original",
                    f"/v1/documents/{document_id}/booking",
                ):
                    answer = http.get(path)
                    assert answer.status_code == (OK if visible else MISSING), (
                        who,
                        path,
                        answer.text,
                    )
                for path, body in (
                    (f"/v1/documents/{document_id}/booking", {}),
                    (f"/v1/documents/{document_id}/delivered", None),
                ):
                    answer = http.post(path, json=body)
                    expected = (
                        FORBIDDEN
                        if who not in hands_over
                        else OK
                        if visible
                        else MISSING
                    )
                    assert answer.status_code == expected, (who, path, answer.text)
            for target, client_id in clients.items():
                visible = target in sees_client[who]
                listing = http.get(f"/v1/clients/{client_id}/released-documents")
                assert listing.status_code == (OK if visible else MISSING), (
                    who,
                    target,
                    listing.text,
                )
                if visible:
                    assert {d["client_id"] for d in listing.json()["items"]} <= {
                        client_id
                    }
                zipped = http.get(
                    f"/v1/clients/{client_id}/zip", params={"include_delivered": "true"}
                )
                assert zipped.status_code == (
                    MISSING if not visible else OK if who in hands_over else FORBIDDEN
                )
                uploaded = http.post(
                    f"/v1/clients/{client_id}/documents",
                    files={
                        "file": (
                            f"{who}-{target}.xml",
                            ubl_variant(f"UP-{who}-{target}"),
                        )
                    },
                )
                assert uploaded.status_code == (201 if visible else MISSING), (
                    who,
                    target,
                    uploaded.text,
                )
    # office A's booking of its own document stands; B's document was booked by B only
    with w.as_("office_a") as http:
        assert http.get(f"/v1/documents/{doc_a}").json()["status"] == "booked"
    with w.as_("office_b") as http:
        assert http.get(f"/v1/documents/{doc_b}").json()["status"] == "booked"


def test_another_tenants_document_is_answered_exactly_like_a_missing_one(
    http_world: HttpWorld,
) -> None:
    w = http_world
    doc_b = w.release("INV-B-2", client="b")
    with w.as_("office_a") as http:
        for suffix in ("", "/ubl", "/original", "/booking"):
            theirs, nobodys = (
                http.get(f"/v1/documents/{doc_b}{suffix}"),
                http.get(f"/v1/documents/424242{suffix}"),
            )
            a, b = _problem(theirs), _problem(nobodys)
            assert theirs.status_code == nobodys.status_code == 404
            assert {k: v for k, v in a.items() if k not in ("detail", "instance")} == {
                k: v for k, v in b.items() if k not in ("detail", "instance")
            }
            assert a["detail"].replace(str(doc_b), "N") == b["detail"].replace(
                "424242", "N"
            )
            assert set(theirs.headers) == set(nobodys.headers)
        theirs = http.get(f"/v1/clients/{w.client_b}/released-documents")
        nobodys = http.get("/v1/clients/97531/released-documents")
        assert _problem(theirs)["code"] == _problem(nobodys)["code"] == "not_found"


def test_revoked_expired_unknown_and_missing_tokens(http_world: HttpWorld) -> None:
    w = http_world
    answers = {}
    for who in ("revoked", "expired"):
        with w.as_(who) as http:
            answers[who] = http.get("/v1/me")
    with w.as_(None, headers={"Authorization": "Bearer bbk_" + "x" * 43}) as http:
        answers["unknown"] = http.get("/v1/me")
    with w.as_(None, headers={"Authorization": "Bearer not-a-session"}) as http:
        answers["no_session"] = http.get("/v1/me")
    for who, answer in answers.items():
        assert answer.status_code == 401, who
        assert _problem(answer)["code"] == "invalid_token"
        assert answer.headers["www-authenticate"].startswith('Bearer realm="boekbrug"')
    bodies = {who: {k: v for k, v in a.json().items()} for who, a in answers.items()}
    assert (
        len({str(sorted(b.items())) for b in bodies.values()}) == 1
    )  # one answer: nothing to tell them apart
    with w.as_(None) as http:
        missing = http.get("/v1/me")
    assert missing.status_code == 401 and _problem(missing)["code"] == "unauthorized"
    # revocation ends a token at once
    with w.as_("office_a") as http:
        assert http.get("/v1/me").status_code == 200
        tokens.revoke_token(SYSTEM, w.token_ids["office_a"])
        assert http.get("/v1/me").status_code == 401


def test_scopes_read_and_upload(http_world: HttpWorld) -> None:
    w = http_world
    doc_a = w.release("INV-A-3")
    with w.as_("office_a_read") as http:
        assert http.get(f"/v1/documents/{doc_a}").status_code == 200
        assert http.get(f"/v1/documents/{doc_a}/ubl").status_code == 200
        refused = http.post(
            f"/v1/clients/{w.client_a}/documents",
            files={"file": ("x.xml", ubl_variant("S-1"))},
        )
        assert (
            refused.status_code == 403
            and _problem(refused)["code"] == "insufficient_scope"
        )
        assert http.post(f"/v1/documents/{doc_a}/booking", json={}).status_code == 403
    with w.as_("office_a_upload") as http:
        assert http.get(f"/v1/documents/{doc_a}").status_code == 403
        assert http.post(f"/v1/documents/{doc_a}/booking", json={}).status_code == 200


def test_a_workbench_session_is_a_bearer_too(http_world: HttpWorld) -> None:
    w = http_world
    workbench_data.fast_password_hashing()
    with unit_of_work(w.url) as session:
        create_user(
            session,
            "acc-a",
            workbench_data.PASSWORD,
            Role.ACCOUNTANT,
            office_id=w.office_a,
        )
    signed = api.sign_in("acc-a", workbench_data.PASSWORD)
    with w.as_(None, headers={"Authorization": f"Bearer {signed.token}"}) as http:
        me = http.get("/v1/me").json()
        assert (
            me["role"] == "accountant"
            and me["token_id"] is None
            and me["scopes"] == ["read", "upload"]
        )
        assert (
            http.get(f"/v1/clients/{w.client_b}/released-documents").status_code == 404
        )
        assert (
            http.get(f"/v1/clients/{w.client_a}/released-documents").status_code == 200
        )
        api.sign_out(signed.token)
        assert http.get("/v1/me").status_code == 401


def test_every_call_is_audited_with_its_actor(http_world: HttpWorld) -> None:
    w = http_world
    with unit_of_work(w.url) as session:
        before = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "api_call")
        )
    with w.as_("client_a") as http:
        http.get("/v1/me")
        http.get("/v1/documents/123456")
    with w.as_("revoked") as http:
        http.get("/v1/me")
    assert w.app.state.audit_log.flush()  # type: ignore[attr-defined]
    with unit_of_work(w.url) as session:
        rows = session.execute(
            select(AuditEntry.user_id, AuditEntry.target, AuditEntry.detail)
            .where(AuditEntry.action == "api_call")
            .order_by(AuditEntry.id)
        ).all()[before:]
        actor = session.scalar(
            select(User.id).where(User.display_name == "API token: test client_a")
        )
    assert [(r.user_id, r.target, r.detail.split()[0]) for r in rows] == [
        (actor, "GET /v1/me", "200"),
        (actor, "GET /v1/documents/123456", "404"),
        (None, "GET /v1/me", "401"),
    ]
    assert rows[0].detail.endswith(f"token:{w.token_ids['client_a']}")


def _limited_world(db_url, settings_for, redis_url=None):  # type: ignore[no-untyped-def]
    extra = {"API_RATE_BURST": "3", "API_RATE_PER_SECOND": "0.01"}
    settings = settings_for(db_url, redis_url, **extra)
    return settings


@pytest.mark.parametrize(
    "db_url", ["sqlite"], indirect=True
)  # the HTTP layer alone: one database is enough
def test_rate_limit_per_token_in_process(db_url: str, settings_for) -> None:  # type: ignore[no-untyped-def]
    settings = _limited_world(db_url, settings_for)
    with Server(create_app(from_environment())) as server:
        w = build_world(db_url, settings, server.base)
        with w.as_("office_a") as http:
            codes = [http.get("/v1/me").status_code for _ in range(4)]
            assert codes == [200, 200, 200, 429]
            limited = http.get("/v1/me")
            assert (
                _problem(limited)["code"] == "rate_limited"
                and int(limited.headers["retry-after"]) >= 1
            )
        with w.as_("office_b") as http:  # another token has its own bucket
            assert http.get("/v1/me").status_code == 200


@pytest.mark.parametrize(
    "db_url", ["sqlite"], indirect=True
)  # the HTTP layer alone: one database is enough
def test_rate_limit_is_shared_through_redis(
    db_url: str, settings_for, redis_url: str
) -> None:  # type: ignore[no-untyped-def]
    settings = _limited_world(db_url, settings_for, redis_url)
    with (
        Server(create_app(from_environment())) as one,
        Server(create_app(from_environment())) as two,
    ):
        w = build_world(db_url, settings, one.base)
        with w.as_("office_a") as first, w.as_("office_a", base_url=two.base) as second:
            assert [
                first.get("/v1/me").status_code,
                second.get("/v1/me").status_code,
                first.get("/v1/me").status_code,
            ] == [200, 200, 200]
            assert (
                second.get("/v1/me").status_code == 429
            )  # the bucket is one, whichever process answers
