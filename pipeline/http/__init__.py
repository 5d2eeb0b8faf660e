"""The HTTP API (FastAPI on uvicorn): ``python -m pipeline serve``.

HTTP in front of ``pipeline.api``, never beside it: every route authenticates the
caller (an API token or a workbench session), checks the token's scope and rate,
then calls the same domain function the workbench calls with the caller's
``Principal``; every call is audited. Errors are RFC 9457 problem+json with the
project's stable codes (``pipeline.core.errors``).

* ``app`` — the application factory; ``settings`` — its limits from the environment;
* ``auth`` — bearer tokens → ``Caller``; ``ratelimit`` — token buckets (in-process or Redis);
* ``problems`` — errors → problem+json; ``guards`` — request size limit and audit (ASGI);
* ``schemas`` — the JSON shapes; ``routes/`` — one module per resource.
"""
