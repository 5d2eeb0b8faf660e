"""``python -m pipeline validate-ubl FILE...``: XSD + EN 16931 + Peppol + Belgian checks.

Prints the findings per file; exit code 1 when any file has a fatal finding, 2 when a
file cannot be read as XML (or is refused as hostile).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("validate-ubl", help="validate UBL files against the Peppol BIS 3 rules")
    p.add_argument("files", nargs="+", type=Path, help="UBL Invoice / CreditNote XML files")
    p.add_argument("--quiet", "-q", action="store_true", help="only the summary line per file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipeline.core.errors import BoekbrugError
    from pipeline.ubl.validate import validate

    worst = 0
    for path in args.files:
        try:
            report = validate(path.read_bytes())
        except (BoekbrugError, OSError) as exc:
            reason = exc.reason() if isinstance(exc, BoekbrugError) else str(exc)
            print(f"{path}: ERROR {reason}")
            worst = 2
            continue
        verdict = "FAIL" if report.fatal else "OK"
        print(f"{path}: {verdict} ({report.root}, {report.ruleset}: "
              f"{len(report.fatal)} fatal, {len(report.warnings)} warnings)")
        if not args.quiet:
            for finding in report.findings:
                print(f"  {finding}")
        if report.fatal and worst < 1:
            worst = 1
    return worst
