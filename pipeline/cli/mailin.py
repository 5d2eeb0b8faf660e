"""``python -m pipeline mailin``: the clients' mailboxes (SMTP) and drop folders.

Listens on MAILIN_HOST:MAILIN_PORT (default 127.0.0.1:2525) for mail to
``<client-slug>@MAIL_DOMAIN``; refuses unknown addresses at RCPT time and messages over
MAIL_MAX_MB; stores each message, then reads it like an uploaded ``.eml``. Every few
seconds it also takes the files left in ``DATA_DIR/drop/<client-slug>/``. Ctrl+C stops it.
"""

from __future__ import annotations

import argparse
import logging
import time

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "mailin", help="the clients' inbound mailboxes (SMTP receiver) and drop folders"
    )
    parser.add_argument(
        "--host", help="listen address (default MAILIN_HOST, 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=int, help="listen port (default MAILIN_PORT, 2525)"
    )
    parser.add_argument(
        "--every", type=float, default=5.0, help="seconds between drop-folder scans"
    )
    parser.add_argument(
        "--seconds", type=float, help="stop after this long (demo, tests)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from aiosmtpd.controller import Controller

    from pipeline.cli._common import ready_settings
    from pipeline.core.db import unit_of_work
    from pipeline.intake.mailbox import (
        MailboxHandler,
        ensure_addresses,
        scan_drop_folders,
    )
    from pipeline.jobs.queues import READ_QUEUE, enqueue_or_leave
    from pipeline.jobs.read_job import read_job

    current = ready_settings()

    def read(ids) -> None:  # type: ignore[no-untyped-def]
        for document_id in ids:
            enqueue_or_leave(current, read_job, document_id, queue=READ_QUEUE)

    with unit_of_work(current.database_url) as session:
        addresses = ensure_addresses(session)
        session.commit()
    host, port = args.host or current.mailin_host, args.port or current.mailin_port
    controller = Controller(
        MailboxHandler(current, read),
        hostname=host,
        port=port,
        data_size_limit=current.mail_max_mb * 1024 * 1024,
    )
    controller.start()
    print(f"mail for the clients on {host}:{port} (Ctrl+C stops):")
    for local, client_id in sorted(addresses.items()):
        print(f"  {local}@{current.mail_domain}  → client {client_id}")
    print(f"drop folders under {current.drop_dir}/<client>/")
    started = time.monotonic()
    try:
        while args.seconds is None or time.monotonic() - started < args.seconds:
            try:
                read(scan_drop_folders(current))
            except Exception:  # a failed scan (database away) is tried again next round
                log.warning(
                    "drop-folder scan failed; next round in %ss",
                    args.every,
                    exc_info=True,
                )
            time.sleep(args.every)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
    return 0
