"""``python -m pipeline serve [--host 127.0.0.1] [--port 8600]``: the HTTP API on uvicorn."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "serve",
        help="the HTTP API for accounting packages, ERP and CRM (OpenAPI at /docs)",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=8600, help="port (default 8600)")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes (rate limits are shared only with REDIS_URL)",
    )
    parser.add_argument(
        "--write-openapi",
        metavar="FILE",
        help="write the OpenAPI document to FILE and exit",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from pipeline.cli._common import ready_settings
    from pipeline.http.app import write_openapi

    if args.write_openapi:
        write_openapi(Path(args.write_openapi))
        print(f"wrote {args.write_openapi}")
        return 0
    ready_settings()  # data directory and schema at head before the first request
    print(
        f"Boekbrug API on http://{args.host}:{args.port}/v1 (docs: http://{args.host}:{args.port}/docs)",
        file=sys.stderr,
    )
    uvicorn.run(
        "pipeline.http.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=max(1, args.workers),
        proxy_headers=False,
        server_header=False,
        log_level="warning",
    )
    return 0
