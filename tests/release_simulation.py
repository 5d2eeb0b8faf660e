"""A simulated validation centre: documents go from upload to released UBL through the real
pipeline (intake, reading, release rule, queue, official rules, routing) while two
operators and a supervisor answer every task by typing the ground truth.

What the people do, and nothing more:

* an operator types the truth for every field on the screen that the truth knows, and
  confirms what the screen shows for the rest (as pressing Enter does); a document type
  that differs from the truth is changed;
* a supervisor does the same and, for a field the rules ask for that the truth does not
  know, takes a decision with a reason: "outside Belgian VAT" (VATEX-EU-O) for a ticket
  that shows no VAT, an office supplier code for a shop that prints no identifier.

Counted at the end: documents, released, loops (a document whose same failure came back
more than twice: the supervisor's decision did not end it, or it went round the pool),
stuck (not released when no task is left), tasks served straight back to the operator
who saved them, and supervisor tasks.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from models import Document, UblRelease, ValidationTask
from models.enums import (
    DocumentStatus,
    DocumentType,
    ReleaseStatus,
    Role,
    TaskKind,
    TaskState,
)
from pipeline import api
from pipeline.core.accounts import (
    Principal,
    create_user,
    get_or_create_client,
    get_or_create_office,
    principal_of,
)
from pipeline.core.config import Settings
from pipeline.core.db import unit_of_work
from pipeline.jobs.ingest import ingest_files

TRUTH_TYPES = {
    "invoice": DocumentType.INVOICE,
    "corrective_invoice": DocumentType.INVOICE,
    "self_billed_invoice": DocumentType.INVOICE,
    "partial_invoice": DocumentType.INVOICE,
    "credit_note": DocumentType.CREDIT_NOTE,
    "receipt": DocumentType.RECEIPT,
}
DATA_ROOT = Path(__file__).resolve().parents[2] / "shared" / "data"
SUPERVISOR_VISITS = 3  # a supervisor who sees the same document more often rejects it (counted as stuck)
DONE = (DocumentStatus.RELEASED, DocumentStatus.DELIVERED, DocumentStatus.BOOKED)
SUPERVISOR_REASON = "no VAT shown on the document: outside the scope of Belgian VAT (supervisor decision)"


@dataclass
class Figures:
    documents: int = 0
    released: int = 0
    loops: int = 0
    stuck: int = 0
    duplicates: int = 0  # the same invoice handed in twice, marked so by an operator
    same_operator_returns: int = 0
    supervisor_tasks: int = 0
    rule_failure_tasks: int = 0
    tasks: int = 0
    profiles: Counter = field(default_factory=Counter)
    not_released: dict[str, str] = field(
        default_factory=dict
    )  # file → status and error

    def line(self) -> str:
        return (
            f"documents {self.documents}, released {self.released}, duplicates {self.duplicates}, "
                f"loops {self.loops}, stuck {self.stuck}, "
            f"same-operator returns {self.same_operator_returns}; tasks {self.tasks} "
            f"(rule failures {self.rule_failure_tasks}, supervisor {self.supervisor_tasks}); "
            f"profiles {dict(self.profiles)}"
        )


def _json(value: Any) -> Any:
    """A truth value as an operator types it: numbers as text (never float), lists as rows."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, list):
        return [{k: _json(v) for k, v in row.items()} for row in value]
    return value


def _reference_reason(truth: dict[str, Any]) -> str | None:
    """The VAT exemption reason of the e-invoice the truth was read from, as printed."""
    reference = truth.get("reference_xml")
    if not reference or not (DATA_ROOT / reference).is_file():
        return None
    found = re.search(r"<(?:ram:ExemptionReason|cbc:TaxExemptionReason)>([^<]+)<", (DATA_ROOT / reference).read_text())
    return found.group(1).strip() if found else None


def _answers(view: api.TaskView, truth: dict[str, Any], *, supervisor: bool) -> tuple[dict[str, Any], list[str]]:
    fields = {**{k: v for k, v in (truth.get("extra") or {}).items() if isinstance(v, str)}, **truth["fields"]}
    corrections: dict[str, Any] = {}
    confirmed: list[str] = []
    wanted_type = TRUTH_TYPES.get(truth.get("doc_type") or "invoice", DocumentType.INVOICE)
    if view.document.document_type is not wanted_type and wanted_type is not DocumentType.INVOICE:
        corrections["document_type"] = wanted_type.value
    excl, incl = fields.get("total_excl_vat"), fields.get("total_incl_vat")
    if fields.get("total_vat") is None and excl is not None and incl is not None:
        fields["total_vat"] = round(incl - excl, 2)  # the VAT printed between the two totals the truth labels
    names = {f.name for f in view.fields}
    if "vat_exemption_reason" in names:
        fields.setdefault("vat_exemption_reason", _reference_reason(truth))
    no_vat = not fields.get("vat_breakdown") and not fields.get("total_vat")
    if supervisor and no_vat and "vat_exemption_code" in names and incl is not None:
        # the decision: the document shows no (Belgian) VAT; the whole amount is the cost
        fields.update(vat_exemption_code="VATEX-EU-O", vat_exemption_reason=SUPERVISOR_REASON,
                      total_vat=0.0, total_excl_vat=incl, vat_breakdown=None)
        corrections["vat_breakdown"] = []
    shown_ids = [view.field(n) for n in ("supplier_vat", "supplier_enterprise_number")]
    if supervisor and "supplier_identifier" in names and not fields.get("supplier_vat") and not any(
            f is not None and f.value for f in shown_ids) and fields.get("supplier_name"):
        code = re.sub(r"[^A-Z0-9]+", "-", str(fields["supplier_name"]).upper()).strip("-")[:30]
        fields["supplier_identifier"] = f"SUP-{code}"  # the decision: the office's own supplier code
    asked = view.kind in (TaskKind.RULE_FAILURE, TaskKind.SUPERVISOR)
    for shown in view.fields:
        if shown.name == "document_type" or shown.name in corrections:
            continue
        known = fields.get(shown.name)
        if known not in (None, [], ""):
            corrections[shown.name] = _json(known)
        elif asked and shown.name == "vat_breakdown" and shown.value and _named(view, shown.name):
            corrections[shown.name] = []  # asked to check a breakdown the truth does not know: cleared
        elif shown.value not in (None, "", []):
            confirmed.append(shown.name)
    return corrections, confirmed


def _named(view: api.TaskView, name: str) -> bool:
    """The rule that sent it back points at this field (a failed check of the rules on it)."""
    shown = view.field(name)
    return shown is not None and any(c.name == "ubl_rules" and not c.ok for c in shown.checks)


def _same_invoice(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = ("supplier_name", "invoice_number", "total_incl_vat", "issue_date")
    return all(a["fields"].get(k) == b["fields"].get(k) for k in keys)


def _work(person: Principal, view: api.TaskView, truth: dict[str, Any], earlier: dict[str, Any] | None) -> None:
    """One task, as a person who knows the truth does it."""
    if view.document.duplicate_of is not None and view.document.status is not DocumentStatus.DUPLICATE:
        if earlier is not None and _same_invoice(truth, earlier):
            api.mark_duplicate_of(person, view.task_id, view.version, view.document.duplicate_of)
            return
        view = api.not_a_duplicate(person, view.task_id, view.version)
    corrections, confirmed = _answers(view, truth, supervisor=person.role is Role.SUPERVISOR)
    try:
        api.save(person, view.task_id, view.version, corrections, confirmed)
        return
    except api.InvalidValue as problem:
        receipt_fields = ("supplier_name", "issue_date", "total_incl_vat")
        if "required" not in problem.message or not all(truth["fields"].get(n) for n in receipt_fields):
            api.reject(person, view.task_id, view.version, f"cannot be completed: {problem.message}")
            return
    # an invoice without its totals excl. VAT: it is a payment receipt — the type is changed
    api.save(person, view.task_id, view.version, {**corrections, "document_type": "receipt"}, confirmed)


def run(db_url: str, settings: Settings, documents: list[tuple[Path, dict[str, Any]]], max_tasks: int = 2000,
        ) -> Figures:
    """Upload ``documents`` (path, truth record) for one client and work the queue dry."""
    with unit_of_work(db_url) as session:
        office = get_or_create_office(session, "Simulated office")
        get_or_create_client(session, office, "Simulated client BV", vat="BE0123456749",
                             enterprise_number="0123456749")
        people = [principal_of(create_user(session, name, "password-123", role))
                  for name, role in (("op-a", Role.OPERATOR), ("op-b", Role.OPERATOR), ("super", Role.SUPERVISOR))]
    truth_by_name = {path.name: truth for path, truth in documents}
    outcome = ingest_files(settings, "Simulated client BV", [path for path, _ in documents])
    figures = Figures(documents=len(documents))
    visits: Counter = Counter()
    served = 0
    while served < max_tasks:
        progressed = False
        for person in people:
            view = api.next_task(person)
            if view is None:
                continue
            progressed = True
            served += 1
            truth = truth_by_name.get(_root_name(db_url, view.document.id))
            if truth is None:  # a part of an e-mail or split PDF without its own truth
                api.reject(person, view.task_id, view.version, "no truth for this part")
                continue
            if person.role is Role.SUPERVISOR:
                visits[view.document.id] += 1
                if visits[view.document.id] > SUPERVISOR_VISITS:  # the decision did not end it: say so
                    api.reject(person, view.task_id, view.version, "the rules cannot be met with what it shows")
                    continue
            earlier = None
            if view.document.duplicate_of is not None:
                earlier = truth_by_name.get(_root_name(db_url, view.document.duplicate_of))
            _work(person, view, truth, earlier)
        if not progressed:
            break
    _count(db_url, figures, set(outcome.document_ids))
    return figures


def _root_name(db_url: str, document_id: int) -> str:
    """The uploaded file a document came from (a split part: its parent's)."""
    with unit_of_work(db_url) as session:
        document = session.get(Document, document_id)
        while document is not None and document.parent_id is not None:
            document = session.get(Document, document.parent_id)
        return document.original_filename if document is not None else ""


def _count(db_url: str, figures: Figures, uploaded: set[int]) -> None:
    with unit_of_work(db_url) as session:
        for document in session.scalars(
            select(Document).where(Document.id.in_(uploaded))
        ):
            if document.status in DONE:
                figures.released += 1
                release = session.scalars(
                    select(UblRelease).where(
                        UblRelease.released_document_id == document.id
                    )
                ).one()
                figures.profiles[str(release.profile)] += 1
            failures = Counter(session.scalars(select(UblRelease.failure).where(
                UblRelease.document_id == document.id, UblRelease.status == ReleaseStatus.FAILED)).all())
            if document.status is DocumentStatus.DUPLICATE:
                figures.duplicates += 1
            elif document.status not in DONE:
                figures.stuck += 1
                figures.not_released[document.original_filename] = (
                    f"{document.status}: {document.status_reason}; failures {dict(failures)}")
            if failures and max(failures.values()) > 2:
                figures.loops += 1
            tasks = session.scalars(
                select(ValidationTask)
                .where(ValidationTask.document_id == document.id)
                .order_by(ValidationTask.id)
            ).all()
            for before, after in itertools.pairwise(tasks):
                if (
                    after.kind is TaskKind.RULE_FAILURE
                    and after.state is TaskState.DONE
                    and before.done_by is not None
                    and after.done_by == before.done_by
                ):
                    figures.same_operator_returns += 1
            figures.tasks += len(tasks)
            figures.rule_failure_tasks += sum(
                t.kind is TaskKind.RULE_FAILURE for t in tasks
            )
            figures.supervisor_tasks += sum(
                t.kind is TaskKind.SUPERVISOR for t in tasks
            )
