"""The application factory: ``create_app()`` → the FastAPI app behind ``python -m pipeline serve``."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from pipeline.http import problems
from pipeline.http.guards import Audit, AuditLog, BodyLimit, OneAtATime
from pipeline.http.ratelimit import limiter_for
from pipeline.http.routes import account, documents, library, payments, sales
from pipeline.http.schemas import ProblemOut
from pipeline.http.settings import HttpSettings, from_environment

VERSION = "1.0.0"
DESCRIPTION = """\
The HTTP API of Boekbrug for accounting packages, ERP and CRM: the same rules as the workbench.

**Auth**: `Authorization: Bearer <token>` — an API token of an office or a client (`bbk_…`; scopes `read`:
every GET, downloads included; `upload`: every call that hands something in or changes something), or a
workbench session token. Every call is audited.

**Errors** are RFC 9457 `application/problem+json` with a stable `code` (the intake's refusals keep theirs:
`unsupported_format`, `hostile_xml`, `too_large`, …). A document or client of another tenant is `404`, exactly
as one that does not exist.

**Limits**: a request rate per token (`429` with `Retry-After`), request size (`413 too_large`).
"""
ERRORS = {
    status: {
        "model": ProblemOut,
        "content": {
            problems.MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemOut"}}
        },
    }
    for status in (401, 403, 404, 422, 429)
}
# Swagger UI's JavaScript and CSS as installed with the package fastapi-offline (Swagger UI 5, which
# reads OpenAPI 3.1), served by the API itself: /docs works on a machine without internet.
DOCS_ASSETS = Path(str(files("fastapi_offline").joinpath("static")))
DOCS_ASSETS_URL = "/docs-assets"


def create_app(settings: HttpSettings | None = None) -> FastAPI:
    current = settings or from_environment()
    audit_log = AuditLog(inline=current.sqlite)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        audit_log.close()  # what is still queued is written before the process ends

    app = FastAPI(
        title="Boekbrug API",
        version=VERSION,
        description=DESCRIPTION,
        docs_url=None,  # served below, from the installation instead of a CDN
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.audit_log = audit_log
    app.state.limiter = limiter_for(
        current.redis_url, current.rate_per_second, current.burst
    )
    problems.install(app)
    add_docs(app)
    for module in (account, documents, library, sales, payments):
        app.include_router(module.router, prefix="/v1", responses=ERRORS)
    if current.sqlite:
        app.add_middleware(
            OneAtATime
        )  # innermost: the answer, and its audit entry, inside the turn
    app.add_middleware(
        BodyLimit,
        max_json_bytes=current.max_json_bytes,
        max_upload_bytes=current.max_upload_bytes,
    )
    app.add_middleware(Audit, log=audit_log)  # refusals for size are audited too
    if current.sqlite:
        app.add_middleware(
            OneAtATime
        )  # outermost: the answer and its audit entry inside one turn
    return app


def add_docs(app: FastAPI) -> None:
    """``/docs``: Swagger UI with its assets under ``/docs-assets``, nothing fetched from elsewhere."""
    app.mount(DOCS_ASSETS_URL, StaticFiles(directory=DOCS_ASSETS), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} — docs",
            swagger_js_url=f"{root}{DOCS_ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_ASSETS_URL}/favicon.png",
        )


def openapi_text(app: FastAPI | None = None) -> str:
    """The OpenAPI document as committed in ``docs/openapi.json``."""
    spec = (app or create_app()).openapi()
    return json.dumps(spec, indent=2, ensure_ascii=False) + "\n"


def write_openapi(path: Path) -> None:
    path.write_text(openapi_text(), encoding="utf-8")
