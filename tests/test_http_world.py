"""The HTTP API's test world: two offices over real HTTP (uvicorn on a free port, httpx).

Imported by the other ``test_http_*`` modules: ``http_world`` builds offices A and B,
clients (A1 and A2 of office A, B1 of office B), API tokens of every kind, and starts
the app on uvicorn in a thread; ``ubl_variant`` makes a distinct, valid Peppol invoice
that the real pipeline releases in-process when it is uploaded.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn

from pipeline.api import tokens
from pipeline.core.accounts import get_or_create_client, get_or_create_office
from pipeline.core.config import PROJECT_ROOT, Settings
from pipeline.core.db import unit_of_work
from pipeline.deliver.common import system_principal
from pipeline.http.app import create_app
from pipeline.http.settings import from_environment

UBL = PROJECT_ROOT / "tests" / "fixtures" / "be-invoice-0208.xml"
SYSTEM = system_principal()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """The app on a real uvicorn, in a thread of the test process."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.port = free_port()
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
            access_log=False,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, name="uvicorn-test", daemon=True
        )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:  # noqa: PYI034
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(15)
        self.app.state.audit_log.close()  # lifespan is off here: write the queued audit entries now


def ubl_variant(number: str, issue: str = "2026-11-02") -> bytes:
    """The fixture invoice with another number and issue date: a distinct file the pipeline releases."""
    return (
        UBL.read_bytes()
        .replace(b"INV-2026-0042", number.encode())
        .replace(b"2026-11-02", issue.encode())
    )


@dataclass
class HttpWorld:
    url: str
    settings: Settings
    base: str
    office_a: int
    office_b: int
    client_a: int  # A1, office A
    client_a2: int  # A2, office A
    client_b: int  # B1, office B
    app: object = None  # the FastAPI app (``app.state.audit_log.flush()`` before reading the audit)
    secrets: dict[str, str] = field(default_factory=dict)
    token_ids: dict[str, int] = field(default_factory=dict)

    def as_(self, who: str | None, **kwargs: object) -> httpx.Client:
        """An HTTP client for one of the world's tokens (``None``: no Authorization header)."""
        options: dict[str, object] = {
            "base_url": self.base,
            "timeout": 60,
            "headers": {"Authorization": f"Bearer {self.secrets[who]}"} if who else {},
        }
        return httpx.Client(**(options | kwargs))  # type: ignore[arg-type]

    def upload(
        self, who: str, client_id: int, name: str, data: bytes
    ) -> httpx.Response:
        with self.as_(who) as http:
            return http.post(
                f"/v1/clients/{client_id}/documents", files={"file": (name, data)}
            )

    def release(
        self, number: str, issue: str = "2026-11-02", *, client: str = "a"
    ) -> int:
        """Upload a UBL variant through the API as the client's office; it comes back released."""
        who, client_id = {
            "a": ("office_a", self.client_a),
            "a2": ("office_a", self.client_a2),
            "b": ("office_b", self.client_b),
        }[client]
        answer = self.upload(
            who, client_id, f"{number}.xml", ubl_variant(number, issue)
        )
        assert answer.status_code == 201, answer.text
        assert answer.json()["status"] == "released", answer.json()
        return answer.json()["document_id"]


def build_world(url: str, settings: Settings, base: str) -> HttpWorld:
    with unit_of_work(url) as session:
        office_a = get_or_create_office(session, "Kantoor Antwerpen")
        office_b = get_or_create_office(session, "Bureau Bruxelles")
        client_a = get_or_create_client(
            session, office_a, "Bakkerij Aerts", vat="BE0987654394"
        )
        client_a2 = get_or_create_client(session, office_a, "Slagerij Adams")
        client_b = get_or_create_client(
            session, office_b, "Garage Bosmans", vat="BE0403170701"
        )
        ids = (office_a.id, office_b.id, client_a.id, client_a2.id, client_b.id)
    world = HttpWorld(url, settings, base, *ids)
    specs: dict[str, dict[str, object]] = {
        "office_a": {"office_id": world.office_a},
        "office_b": {"office_id": world.office_b},
        "client_a": {"client_id": world.client_a},
        "client_b": {"client_id": world.client_b},
        "office_a_read": {"office_id": world.office_a, "scopes": ["read"]},
        "office_a_upload": {"office_id": world.office_a, "scopes": ["upload"]},
        "revoked": {"office_id": world.office_a},
        "expired": {
            "office_id": world.office_a,
            "days": 1,
            "now": datetime.now(UTC) - timedelta(days=2),
        },
    }
    for name, spec in specs.items():
        made = tokens.create_token(SYSTEM, f"test {name}", **spec)  # type: ignore[arg-type]
        world.secrets[name] = made.secret
        world.token_ids[name] = made.token.id
    tokens.revoke_token(SYSTEM, world.token_ids["revoked"])
    return world


@pytest.fixture(name="http_world")
def http_world_fixture(
    db_url: str, settings_for, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[HttpWorld]:  # type: ignore[no-untyped-def]
    settings = settings_for(db_url, MAX_UPLOAD_MB="1", API_RATE_BURST="10000")
    with Server(create_app(from_environment())) as server:
        world = build_world(db_url, settings, server.base)
        world.app = server.app
        yield world


def test_the_world_answers_over_real_http(http_world: HttpWorld) -> None:
    with http_world.as_("office_a") as http:
        me = http.get("/v1/me")
    assert me.status_code == 200, me.text
    assert (
        me.json()["role"] == "accountant"
        and me.json()["office_id"] == http_world.office_a
    )
    assert (
        me.json()["scopes"] == ["read", "upload"]
        and me.json()["token_id"] == http_world.token_ids["office_a"]
    )
