"""API tokens: who may make and revoke them, stored hashed, the command line and the workbench page."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from models import ApiToken, User
from models.enums import Role
from pipeline.__main__ import main
from pipeline.api import tokens
from pipeline.core.accounts import (
    create_user,
    get_or_create_client,
    get_or_create_office,
    principal_of,
)
from pipeline.core.config import PROJECT_ROOT
from pipeline.core.db import unit_of_work
from pipeline.core.errors import Forbidden, NotFound
from pipeline.core.i18n import set_language
from pipeline.deliver.common import system_principal

PAGE = PROJECT_ROOT / "workbench" / "views" / "tokens.py"


def _people(url: str):  # type: ignore[no-untyped-def]
    with unit_of_work(url) as session:
        a, b = (
            get_or_create_office(session, "Kantoor A"),
            get_or_create_office(session, "Kantoor B"),
        )
        client_a = get_or_create_client(session, a, "Klant A")
        client_b = get_or_create_client(session, b, "Klant B")

        def user(name: str, role: Role, **where: int):  # type: ignore[no-untyped-def]
            return principal_of(
                create_user(session, name, "lang-genoeg-wachtwoord", role, **where)
            )

        return {
            "a": a.id,
            "b": b.id,
            "client_a": client_a.id,
            "client_b": client_b.id,
            "acc_a": user("acc-a", Role.ACCOUNTANT, office_id=a.id),
            "acc_b": user("acc-b", Role.ACCOUNTANT, office_id=b.id),
            "klant": user("klant", Role.CLIENT, client_id=client_a.id),
            "op": user("op", Role.OPERATOR),
        }


def test_tokens_are_made_per_office_or_client_and_kept_only_hashed(
    db_url: str, settings_for
) -> None:  # type: ignore[no-untyped-def]
    settings_for(db_url)
    w = _people(db_url)
    office = tokens.create_token(w["acc_a"], "Exact Online", office_id=w["a"])
    client = tokens.create_token(
        w["acc_a"], "ERP", client_id=w["client_a"], scopes=["upload"], days=7
    )
    assert (
        office.secret.startswith("bbk_")
        and len(office.secret) >= 40
        and office.secret != client.secret
    )
    with unit_of_work(db_url) as session:
        rows = session.scalars(select(ApiToken).order_by(ApiToken.id)).all()
        assert [r.token_hash for r in rows] == [
            hashlib.sha256(s.encode()).hexdigest()
            for s in (office.secret, client.secret)
        ]
        assert all(office.secret not in str(v) for r in rows for v in vars(r).values())
        actors = [session.get(User, r.user_id) for r in rows]
        assert [(a.role, a.office_id, a.client_id) for a in actors] == [
            (Role.ACCOUNTANT, w["a"], None),
            (Role.CLIENT, w["a"], w["client_a"]),
        ]
    live = tokens.authenticate(client.secret)
    assert (
        live is not None
        and live.scopes == {"upload"}
        and live.principal.client_id == w["client_a"]
    )
    assert (
        tokens.authenticate(client.secret, now=datetime.now(UTC) + timedelta(days=8))
        is None
    )  # expired
    assert (
        tokens.authenticate(
            client.secret[:-1] + ("A" if client.secret[-1] != "A" else "B")
        )
        is None
    )
    # another office's accountant neither sees, makes nor revokes office A's tokens
    assert tokens.list_tokens(w["acc_b"]) == []
    with pytest.raises(NotFound):
        tokens.create_token(w["acc_b"], "x", client_id=w["client_a"])
    with pytest.raises(NotFound):
        tokens.create_token(w["acc_b"], "x", office_id=w["a"])
    with pytest.raises(NotFound):
        tokens.revoke_token(w["acc_b"], office.token.id)
    for principal in (w["klant"], w["op"]):
        with pytest.raises(Forbidden):
            tokens.create_token(principal, "x", client_id=w["client_a"])
    with pytest.raises(ValueError):
        tokens.create_token(w["acc_a"], "x", office_id=w["a"], scopes=["admin"])
    with pytest.raises(ValueError):
        tokens.create_token(w["acc_a"], "x", office_id=w["a"], days=tokens.MAX_DAYS + 1)
    assert [t.name for t in tokens.list_tokens(w["acc_a"])] == ["ERP", "Exact Online"]
    assert tokens.revoke_token(w["acc_a"], office.token.id).state() == "revoked"
    assert tokens.authenticate(office.secret) is None
    with unit_of_work(
        db_url
    ) as session:  # the token's actor can never act again either
        assert (
            session.get(User, session.get(ApiToken, office.token.id).user_id).active
            is False
        )


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_command_line_creates_lists_and_revokes(
    db_url: str, settings_for, capsys
) -> None:  # type: ignore[no-untyped-def]
    settings_for(db_url)
    w = _people(db_url)
    assert (
        main(
            [
                "tokens",
                "create",
                "Exact Online",
                "--office",
                "Kantoor A",
                "--scopes",
                "read",
                "--days",
                "30",
            ]
        )
        == 0
    )
    secret = capsys.readouterr().out.strip()
    assert secret.startswith("bbk_") and tokens.authenticate(secret).scopes == {"read"}  # type: ignore[union-attr]
    assert main(["tokens", "create", "ERP", "--client", str(w["client_b"])]) == 0
    capsys.readouterr()
    assert main(["tokens", "list"]) == 0
    listing = capsys.readouterr().out
    assert (
        "Exact Online" in listing
        and "office Kantoor A" in listing
        and "client Klant B" in listing
    )
    assert secret not in listing and secret[:10] in listing
    token_id = tokens.authenticate(secret).token_id  # type: ignore[union-attr]
    assert main(["tokens", "revoke", str(token_id)]) == 0
    assert tokens.authenticate(secret) is None
    assert main(["tokens", "create", "x", "--office", "no such office"]) == 2
    assert (
        main(["tokens", "create", "x", "--office", "Kantoor A", "--scopes", "write"])
        == 2
    )


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_workbench_page_shows_the_secret_once_and_revokes(
    db_url: str, settings_for
) -> None:  # type: ignore[no-untyped-def]
    settings_for(db_url)
    w = _people(db_url)
    # the page speaks its user's language; AppTest formats options in this thread: the same here
    accountant = replace(w["acc_a"], language="en")
    set_language(accountant.language)
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.session_state["principal"] = accountant
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="tokens_target").options == [
        "office Kantoor A (all its clients)",
        "client Klant A",
    ]
    at.text_input(key="tokens_name").input("Exact Online")
    at.button[0].click().run()
    assert not at.exception, at.exception
    (shown,) = at.code
    assert tokens.authenticate(shown.value) is not None
    assert "Exact Online" in at.dataframe[0].value["name"].tolist()
    at.run()  # shown once: gone on the next run
    assert not at.code
    at.button(key="tokens_revoke").click().run()
    assert not at.exception, at.exception
    assert tokens.authenticate(shown.value) is None
    assert at.dataframe[0].value["state"].tolist() == ["revoked"]
    # a client user is told it cannot manage tokens
    client_view = AppTest.from_file(str(PAGE), default_timeout=60)
    client_view.session_state["principal"] = w["klant"]
    client_view.run()
    assert not client_view.exception and client_view.info


def test_system_principal_tokens_are_audited_without_a_user(
    db_url: str, settings_for
) -> None:  # type: ignore[no-untyped-def]
    settings_for(db_url)
    w = _people(db_url)
    made = tokens.create_token(system_principal(), "cli", office_id=w["b"])
    assert made.token.office_name == "Kantoor B" and made.token.state() == "active"
