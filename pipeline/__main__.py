"""``python -m pipeline``: the command line of Boekbrug.

Each command is a module in ``pipeline/cli/`` with ``register(subparsers)`` that adds
its parser and sets ``func`` (taking the parsed args, returning an exit code).
A ``BoekbrugError`` a command lets through is mapped here, once: its reason on
stderr and its own ``exit_code`` (``pipeline.core.errors``).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys

from pipeline import cli as cli_package
from pipeline.core.errors import BoekbrugError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Boekbrug: invoice intake, reading, validation queue, Peppol UBL and delivery.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(cli_package.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"pipeline.cli.{info.name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except BoekbrugError as error:
        logging.getLogger("pipeline").debug("%s failed", args.command, exc_info=True)
        print(f"error: {error.reason()}", file=sys.stderr)
        return error.exit_code


if __name__ == "__main__":
    sys.exit(main())
