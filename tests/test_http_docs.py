"""/docs works without internet: the page refers only to assets the API serves itself (Swagger UI as
installed with fastapi-offline), and every one of them is there, non-empty, with the right type."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import httpx
import pytest

from pipeline.http.app import create_app
from tests.test_http_world import Server


class AssetLinks(HTMLParser):
    """Every URL the page loads: script src, link href."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href", "img": "src"}.get(tag)
        for name, value in attrs:
            if name == wanted and value:
                self.urls.append(value)


@pytest.fixture
def server(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    with Server(create_app()) as running:
        yield running


def test_docs_load_their_assets_from_the_api_itself(server) -> None:  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=server.base) as http:
        page = http.get("/docs")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "cdn" not in page.text.lower() and "https://" not in page.text, page.text
        links = AssetLinks()
        links.feed(page.text)
        assert len(links.urls) >= 3, links.urls  # css, favicon, javascript
        kinds = set()
        for url in links.urls:
            parts = urlsplit(url)
            assert not parts.scheme and not parts.netloc and url.startswith("/"), url
            asset = http.get(url)
            assert asset.status_code == 200, url
            assert len(asset.content) > 1000, url
            kinds.add(asset.headers["content-type"].split(";")[0])
        assert {"text/javascript", "text/css"} <= kinds, kinds
        assert http.get("/openapi.json").json()["paths"]


def test_the_javascript_is_swagger_ui_5(server) -> None:  # type: ignore[no-untyped-def]
    """Swagger UI 4 shows no endpoints for an OpenAPI 3.1 document (FastAPI writes 3.1)."""
    with httpx.Client(base_url=server.base) as http:
        spec_version = http.get("/openapi.json").json()["openapi"]
        bundle = http.get("/docs-assets/swagger-ui-bundle.js").text
    assert spec_version.startswith("3.1")
    assert "SwaggerUIBundle" in bundle and "isOAS31" in bundle


def test_an_asset_outside_the_folder_is_not_served(server) -> None:  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=server.base) as http:
        assert http.get("/docs-assets/missing.js").status_code == 404
        assert http.get("/docs-assets/../pipeline/http/app.py").status_code == 404
        assert http.get("/docs-assets/%2e%2e/__init__.py").status_code == 404
