"""The validation centre as a stream: replay a corpus through the real pipeline.

    .venv/bin/python bench/replay.py CORPUS... [--calibrate-every 10] [--confirm-all] [--data-dir DIR] [--json OUT]

Any corpus in ../shared/data's layout (index.json + docs/ + truth/, see SCHEMA.md).
Documents arrive in date order (issue date of the truth) for one office; each is
ingested in-process (``pipeline.jobs.ingest``: stored, read, extracted, scored, released
or queued — the read and release jobs run inline, as without Redis). A document that
needs a person is handled by a simulated operator through ``pipeline.api`` exactly as
the workbench does: ``next_task``, then ``save`` with a correction for every shown field
whose value differs from the truth and a confirmation for every field the workbench
asks to confirm (uncertain or failed check) that is right (``--confirm-all``: every
value shown, as if the save confirmed the whole form; without it, the release still
counts the certain fields as weaker confirmations, as in production). The system learns as in
production: supplier memory and layout at validation and release, and the calibration
refitted on the operators' verdicts (``pipeline.review.calibration.fit``, what
``python -m pipeline calibrate`` runs) every ``--calibrate-every`` operator saves.

Printed per kind and per supplier occurrence (1st, 2nd, 3rd+ invoice of that supplier
in the stream): documents, share released with no human touch, escaped errors (a
document released untouched with a wrong required value), fields shown to the operator
per document (fields the workbench marks for a look), corrections per document, and
certain fields wrong (fields the machine set certain whose value differs from the truth).

A scan or photo made from another document of the corpus (``derived_from``) is the
same invoice; it goes to another client of the same office, so it is not a duplicate
but its supplier is known.  Fields the truth does not label (null) are not scored; an
operator leaves them as shown. The second-look sample is off (SECOND_LOOK_RATE=0):
errors are measured against the truth instead.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [
    p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent
]
sys.path.insert(0, str(ROOT))

from models import Client, Document
from models.enums import DocumentStatus, DocumentType, FieldState, Role, TaskKind
from pipeline import api
from pipeline.core import config
from pipeline.core.accounts import (
    create_user,
    get_or_create_office,
    principal_of,
)
from pipeline.core.db import migrate, unit_of_work
from pipeline.core.fields import FIELD_TYPES, REQUIRED_FIELDS, FieldType
from pipeline.core.identifiers import supplier_key
from pipeline.jobs.ingest import ingest_files
from pipeline.reports.evaluate import score_value
from pipeline.review.calibration import fit
from pipeline.review.fieldstore import field_rows

OFFICE = "Replay office"
NEEDS_CONFIRMATION = (FieldState.UNCERTAIN, FieldState.FAILED_CHECK)
NEEDS_LOOK = (FieldState.UNCERTAIN, FieldState.FAILED_CHECK, FieldState.MISSING)
MAX_ROUNDS = (
    3  # tasks of one document (validate, then a rule failure, ...) before giving up
)
OCCURRENCES = ("1st", "2nd", "3rd+")
CALIBRATION_REPORT: dict[str, dict[str, float]] = {}  # the last refit: per field considered


@dataclass
class Outcome:
    """What happened to one document of the stream."""

    doc: str
    kind: str
    occurrence: str
    status: str = ""
    auto_released: bool = False
    escaped: list[str] = field(
        default_factory=list
    )  # wrong required fields released untouched
    shown: int = 0  # fields the workbench marked for a look
    corrections: int = 0
    certain: int = 0  # fields certain after reading, with a truth label
    certain_wrong: list[str] = field(default_factory=list)
    blocking: list[str] = field(default_factory=list)
    note: str = ""


# ------------------------------------------------------------------------ the truth
def truth_of(record: dict[str, Any]) -> dict[str, Any]:
    """Every labelled value of a record by field name (core fields, and extras that are fields)."""
    values = {
        name: value
        for name, value in (record.get("extra") or {}).items()
        if name in FIELD_TYPES
    }
    values.update(
        {name: value for name, value in record["fields"].items() if name in FIELD_TYPES}
    )
    return {name: value for name, value in values.items() if value is not None}


def right(
    name: str, truth: dict[str, Any], value: Any, record: dict[str, Any]
) -> bool | None:
    """Is a stored (JSON form) value right? None when the truth does not say."""
    if name not in truth:
        return None
    alternatives = (record.get("extra") or {}).get("supplier_name_alternatives") or []
    ok, _ = score_value(
        name, truth[name], value, alternatives if name == "supplier_name" else []
    )
    return ok


def typed(name: str, value: Any) -> Any:
    """The truth as an operator types it into the workbench."""
    kind = FIELD_TYPES.get(name)
    if kind in (FieldType.VAT_BREAKDOWN, FieldType.LINES):
        return [
            {k: (None if v is None else str(v)) for k, v in row.items()}
            for row in value
        ]
    return str(value)


def supplier_identity(record: dict[str, Any]) -> str:
    return supplier_key(record["fields"]) or record.get("family") or record["id"]


def occurrence_label(count: int) -> str:
    return OCCURRENCES[min(count, 3) - 1]


# ------------------------------------------------------------------------ the stream
def ordered(corpora: list[Path]) -> list[tuple[Path, dict[str, Any]]]:
    records = []
    for corpus in corpora:
        for record in json.loads((corpus / "index.json").read_text()):
            records.append((corpus, record))
    return sorted(
        records,
        key=lambda item: (item[1]["fields"].get("issue_date") or "9999", item[1]["id"]),
    )


def prepare(
    data_dir: Path, database_url: str | None
) -> tuple[config.Settings, list[api.Principal]]:
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["DATA_DIR"] = str(data_dir)
    os.environ["DATABASE_URL"] = (
        database_url or f"sqlite:///{data_dir / 'replay.sqlite3'}"
    )
    os.environ.pop("REDIS_URL", None)  # jobs in-process
    os.environ["SECOND_LOOK_RATE"] = "0"
    config.settings.cache_clear()
    settings = config.settings()
    migrate(settings.database_url)
    with unit_of_work(settings.database_url) as session:
        get_or_create_office(session, OFFICE)
        team = [
            principal_of(create_user(session, name, name, role))
            for name, role in (
                ("replay-operator-1", Role.OPERATOR),
                (
                    "replay-operator-2",
                    Role.OPERATOR,
                ),  # a rule failure goes to another operator
                (
                    "replay-supervisor",
                    Role.SUPERVISOR,
                ),  # the same failure twice: a supervisor
            )
        ]
    return settings, team


def client_for(
    settings: config.Settings, record: dict[str, Any], copies: dict[str, int], clients: dict[tuple[str, int], str]
) -> str:
    """The client an invoice is for (its id): the customer it is addressed to, with its VAT number,
    as in production, where a client's purchase invoices name the client; a receipt's, "Replay client". A copy of
    an invoice already in the stream (scan/photo of a text PDF) goes to another client of that name."""
    root = record.get("derived_from") or record["id"]
    number = copies.get(root, 0) + 1
    copies[root] = number
    truth = truth_of(record)
    name = str(truth.get("customer_name") or "Replay client")
    if (name, number) not in clients:
        vat = "".join(ch for ch in str(truth.get("customer_vat") or "") if ch.isalnum()).upper() or None
        with unit_of_work(settings.database_url) as session:  # registered as an office does: name and VAT number
            client = Client(office_id=get_or_create_office(session, OFFICE).id, name=name, vat=vat)
            session.add(client)
            session.flush()
            clients[name, number] = str(client.id)
    return clients[name, number]


def after_reading(
    settings: config.Settings, document_id: int, record: dict[str, Any], out: Outcome
) -> None:
    """Certain fields as the machine left them, before any person."""
    truth = truth_of(record)
    with unit_of_work(settings.database_url) as session:
        for name, row in field_rows(session, document_id).items():
            if row.state is FieldState.CERTAIN:
                verdict = right(name, truth, row.value, record)
                if verdict is not None:
                    out.certain += 1
                    if not verdict:
                        out.certain_wrong.append(name)


def operate(
    team: list[api.Principal],
    document_id: int,
    record: dict[str, Any],
    out: Outcome,
    confirm_all: bool = False,
) -> None:
    """The operators, simulated from the truth, work the document's tasks until it leaves the queue."""
    truth = truth_of(record)
    for _ in range(MAX_ROUNDS):
        task = principal = None
        for principal in team:  # whoever the queue gives the task to
            task = api.next_task(principal)
            if task is not None:
                break
        if task is None or principal is None:
            return
        if (
            task.document.id != document_id
        ):  # an older document's task (should not happen: one at a time)
            api.give_back(principal, task.task_id, task.version)
            out.note = f"task of document {task.document.id} in the way"
            return
        if task.kind is TaskKind.SECOND_LOOK:
            api.save(principal, task.task_id, task.version, {}, [])
            continue
        corrections: dict[str, Any] = {}
        confirmed: list[str] = []
        if not out.blocking:
            out.blocking = [
                f.name for f in task.fields if f.needs_look and f.required
            ] + [
                f.name
                for f in task.fields
                if f.state is FieldState.FAILED_CHECK and not f.required
            ]
        for shown in task.fields:
            out.shown += int(shown.state in NEEDS_LOOK)
            verdict = right(shown.name, truth, shown.value, record)
            if verdict is False:
                corrections[shown.name] = typed(shown.name, truth[shown.name])
            elif shown.state in NEEDS_CONFIRMATION or (
                confirm_all and shown.value not in (None, "", [])
            ):
                confirmed.append(shown.name)
        out.corrections += len(corrections)
        try:
            result = api.save(
                principal, task.task_id, task.version, corrections, confirmed
            )
        except (
            api.InvalidValue
        ) as problem:  # a required value the truth lacks: the operator cannot finish
            api.reject(
                principal, task.task_id, task.version, f"replay: {problem.message}"
            )
            out.note = f"rejected: {problem.message}"
            return
        except api.BoekbrugError as problem:  # said, and the stream goes on
            out.note = f"save refused: {problem.reason()}"[:200]
            return
        if result.status is not DocumentStatus.NEEDS_VALIDATION:
            return
    out.note = out.note or "still in the queue after the operator"


def escaped_errors(
    settings: config.Settings, document_id: int, record: dict[str, Any]
) -> list[str]:
    truth = truth_of(record)
    with unit_of_work(settings.database_url) as session:
        document = session.get(Document, document_id)
        doc_type = document.document_type or DocumentType.INVOICE
        rows = field_rows(session, document_id)
        return [
            name
            for name in REQUIRED_FIELDS.get(doc_type, ())
            if name in rows and right(name, truth, rows[name].value, record) is False
        ]


def replay(
    corpora: list[Path],
    data_dir: Path,
    *,
    database_url: str | None = None,
    calibrate_every: int = 10,
    confirm_all: bool = False,
    progress: bool = True,
) -> list[Outcome]:
    settings, team = prepare(data_dir, database_url)
    seen: dict[str, int] = defaultdict(int)
    copies: dict[str, int] = {}
    clients: dict[tuple[str, int], str] = {}
    outcomes: list[Outcome] = []
    saves = 0
    for corpus, record in ordered(corpora):
        identity = supplier_identity(record)
        seen[identity] += 1
        out = Outcome(record["id"], record["kind"], occurrence_label(seen[identity]))
        client = client_for(settings, record, copies, clients)
        ingested = ingest_files(
            settings, client, [corpus / record["file"]], channel="folder"
        )
        document_id = ingested.document_ids[0]
        after_reading(settings, document_id, record, out)
        with unit_of_work(settings.database_url) as session:
            document = session.get(Document, document_id)
            status, out.auto_released = document.status, bool(document.auto_released)
            error = document.status_reason  # the failure, rejection, findings or notes
        if status is DocumentStatus.RELEASED and out.auto_released:
            out.escaped = escaped_errors(settings, document_id, record)
        elif status in (DocumentStatus.NEEDS_VALIDATION, DocumentStatus.IN_VALIDATION):
            out.auto_released = False
            operate(team, document_id, record, out, confirm_all)
            saves += 1
            if calibrate_every and saves % calibrate_every == 0:
                with unit_of_work(settings.database_url) as session:
                    CALIBRATION_REPORT.clear()
                    fit(session, CALIBRATION_REPORT)
        else:
            out.auto_released = False
            out.note = f"{status.value}: {error or ''}"[:200]
        with unit_of_work(settings.database_url) as session:
            out.status = session.get(Document, document_id).status.value
        outcomes.append(out)
        if progress:
            print(
                f"{record['id']} {record['kind']:<12} {out.occurrence:<4} {out.status:<17} "
                f"{'auto' if out.auto_released else 'person':<6} shown {out.shown:2} corrected {out.corrections:2} "
                f"{'ESCAPED ' + ','.join(out.escaped) if out.escaped else ''} "
                f"{'blocking: ' + ','.join(out.blocking) if out.blocking else ''} {out.note}",
                file=sys.stderr,
            )
    return outcomes


# ------------------------------------------------------------------------ the tables
COLUMNS = (
    "docs",
    "released untouched",
    "escaped errors",
    "fields shown/doc",
    "corrections/doc",
    "certain wrong",
)


def rows_of(outcomes: list[Outcome]) -> dict[tuple[str, str], dict[str, Any]]:
    groups: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
    for out in outcomes:
        for kind in (out.kind, "all"):
            for occurrence in (
                out.occurrence,
                "all",
                *(("2nd+",) if out.occurrence != "1st" else ()),
            ):
                groups[(kind, occurrence)].append(out)
    table = {}
    for key, members in groups.items():
        n = len(members)
        certain = sum(m.certain for m in members)
        wrong = sum(len(m.certain_wrong) for m in members)
        table[key] = {
            "docs": n,
            "released untouched": sum(m.auto_released for m in members) / n,
            "escaped errors": sum(bool(m.escaped) for m in members),
            "fields shown/doc": sum(m.shown for m in members) / n,
            "corrections/doc": sum(m.corrections for m in members) / n,
            "certain wrong": (wrong, certain),
        }
    return table


def format_table(outcomes: list[Outcome]) -> str:
    table = rows_of(outcomes)
    kinds = sorted({k for k, _ in table if k != "all"}) + ["all"]
    lines = [
        (
            f"{'kind':12} {'supplier':8} {'docs':>5} {'released untouched':>19} {'escaped errors':>15} "
            f"{'fields shown/doc':>17} {'corrections/doc':>16} {'certain wrong':>16}"
        )
    ]
    for kind in kinds:
        for occurrence in (*OCCURRENCES, "2nd+", "all"):
            row = table.get((kind, occurrence))
            if row is None:
                continue
            wrong, certain = row["certain wrong"]
            share = (
                f"{wrong}/{certain} {100 * wrong / certain:.1f}%" if certain else "-"
            )
            lines.append(
                f"{kind:12} {occurrence:8} {row['docs']:5} {100 * row['released untouched']:18.0f}% "
                f"{row['escaped errors']:15} {row['fields shown/doc']:17.1f} {row['corrections/doc']:16.2f} "
                f"{share:>16}"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpora", nargs="+", type=Path)
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="where the replay's office lives (default: a new temporary folder)",
    )
    parser.add_argument("--database-url", help="default: SQLite under --data-dir")
    parser.add_argument(
        "--calibrate-every",
        type=int,
        default=10,
        help="refit the calibration after this many operator saves (0: never)",
    )
    parser.add_argument("--json", type=Path, help="write every document's outcome here")
    parser.add_argument(
        "--confirm-all",
        action="store_true",
        help="the operator's save confirms every value shown, certain ones too (the workbench "
        "confirms only the fields it marks for a look; the release counts the rest as weaker evidence)",
    )
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="boekbrug-replay-"))
    outcomes = replay(
        args.corpora,
        data_dir,
        database_url=args.database_url,
        calibrate_every=args.calibrate_every,
        confirm_all=args.confirm_all,
        progress=not args.quiet,
    )
    print(
        f"replay of {', '.join(str(c) for c in args.corpora)}: {len(outcomes)} documents in date order, "
        f"one office; calibration refit every {args.calibrate_every} operator saves; data in {data_dir}"
    )
    print(format_table(outcomes))
    blockers: dict[str, int] = defaultdict(int)
    for out in outcomes:
        if out.occurrence != "1st":
            for name in out.blocking:
                blockers[name] += 1
    print(
        "fields that kept 2nd+ documents from release: "
        + (
            ", ".join(
                f"{name} {count}"
                for name, count in sorted(blockers.items(), key=lambda item: -item[1])
            )
            or "none"
        )
    )
    wrong: dict[str, int] = defaultdict(int)
    for out in outcomes:
        for name in out.certain_wrong:
            wrong[name] += 1
    print(
        "certain but wrong, by field: "
        + (", ".join(f"{n} {c}" for n, c in sorted(wrong.items())) or "none")
    )
    print(
        "calibration at the last refit: "
        + (
            ", ".join(
                f"{name} {'refitted' if entry.get('adopted') else 'prior kept'} "
                f"({entry['evidence']:.0f} evidence, {entry['suppliers']:.0f} suppliers)"
                for name, entry in sorted(CALIBRATION_REPORT.items())
                if entry["evidence"] >= 10
            )
            or "no field with 10 pieces of evidence"
        )
    )
    if args.json:
        args.json.write_text(json.dumps([out.__dict__ for out in outcomes], indent=1))


if __name__ == "__main__":
    main()
