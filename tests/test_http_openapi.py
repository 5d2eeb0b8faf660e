"""The API is documented: the generated OpenAPI equals docs/openapi.json (a change to the API is a reviewed
change), and /docs and /openapi.json are served."""

from __future__ import annotations

import json

import httpx

from pipeline.core.config import PROJECT_ROOT
from pipeline.http.app import create_app, openapi_text
from tests.test_http_world import Server

COMMITTED = PROJECT_ROOT / "docs" / "openapi.json"


def test_generated_openapi_equals_the_committed_one() -> None:
    generated = openapi_text()
    assert COMMITTED.read_text(encoding="utf-8") == generated, (
        "the API changed: review and run `python -m pipeline serve --write-openapi docs/openapi.json`"
    )


def test_every_route_is_versioned_and_answers_problems() -> None:
    spec = json.loads(openapi_text())
    assert spec["paths"] and all(path.startswith("/v1/") for path in spec["paths"])
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation.get("security") == [{"token": []}], (method, path)
            assert (
                "401" in operation["responses"] and "404" in operation["responses"]
            ), (method, path)
    assert spec["components"]["securitySchemes"]["token"]["scheme"] == "bearer"


def test_docs_and_spec_are_served(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    with Server(create_app()) as server, httpx.Client(base_url=server.base) as http:
        docs = http.get("/docs")
        assert docs.status_code == 200 and "swagger" in docs.text.lower()
        assert http.get("/openapi.json").json() == json.loads(
            COMMITTED.read_text(encoding="utf-8")
        )
        unknown = http.get("/v1/nothing-here")
        assert (
            unknown.status_code == 404
            and unknown.headers["content-type"] == "application/problem+json"
        )
