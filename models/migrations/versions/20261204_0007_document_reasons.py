"""documents say what they mean: the failure, the rejection, the rule findings, the notes
and the page ranges each in a column of its own; ``error`` keeps failures only

Until now ``documents.error`` held five things. The rows are carried over by status:

* FAILED (or refused at intake): a failure — stays in ``error``;
* REJECTED, DUPLICATE: why it was set aside — to ``rejection_reason``;
* any other status, text starting with ``[code]`` (written when the official rules or the
  UBL build sent it back) — to ``rule_findings``;
* any other status, other text: notes that keep it for a person ("page 2: not read …;
  this PDF seems to hold several invoices (pages 1-2, 3-4) …") — to ``review_notes``
  (split on "; "), and the page ranges in a several-invoices note — to
  ``invoice_page_ranges``, read from the text this one last time.

Downgrade writes them back into ``error`` the way the old code did.

Revision ID: 0007_document_reasons
Revises: 0006
Create Date: 2026-12-04 15:00:00
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_document_reasons"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SET_ASIDE = ("rejected", "duplicate")
_RANGES_NOTE = re.compile(r"several invoices \(pages ([0-9, \-]+)\)")
_RANGE = re.compile(r"(\d+)\s*-\s*(\d+)")

documents = sa.table(
    "documents",
    sa.column("id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("error", sa.Text),
    sa.column("rejection_reason", sa.String),
    sa.column("rule_findings", sa.Text),
    sa.column("review_notes", sa.JSON(none_as_null=True)),
    sa.column("invoice_page_ranges", sa.JSON(none_as_null=True)),
)


def carried_over(status: str, error: str) -> dict[str, object]:
    """The new columns of one row from its old ``status`` and ``error``."""
    if status == "failed":
        return {}
    if status in SET_ASIDE:
        return {"error": None, "rejection_reason": error[:2000]}
    if error.startswith("["):
        return {"error": None, "rule_findings": error}
    found = _RANGES_NOTE.search(error)
    ranges = (
        [[int(a), int(b)] for a, b in _RANGE.findall(found.group(1))] if found else None
    )
    return {
        "error": None,
        "review_notes": [note for note in error.split("; ") if note.strip()],
        "invoice_page_ranges": ranges or None,
    }


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("rejection_reason", sa.String(length=2000), nullable=True)
        )
        batch_op.add_column(sa.Column("rule_findings", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("review_notes", sa.JSON(none_as_null=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("invoice_page_ranges", sa.JSON(none_as_null=True), nullable=True)
        )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(documents.c.id, documents.c.status, documents.c.error).where(
            documents.c.error.is_not(None)
        )
    ).all()
    for document_id, status, error in rows:
        changes = carried_over(str(status), str(error))
        if changes:
            connection.execute(
                sa.update(documents)
                .where(documents.c.id == document_id)
                .values(**changes)
            )


def downgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            documents.c.id,
            documents.c.error,
            documents.c.rejection_reason,
            documents.c.rule_findings,
            documents.c.review_notes,
        )
    ).all()
    for document_id, error, rejection, findings, notes in rows:
        if isinstance(notes, str):  # a JSON column read back as text on some drivers
            notes = json.loads(notes)
        text = error or rejection or findings or ("; ".join(notes) if notes else None)
        if text != error:
            connection.execute(
                sa.update(documents)
                .where(documents.c.id == document_id)
                .values(error=text)
            )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("invoice_page_ranges")
        batch_op.drop_column("review_notes")
        batch_op.drop_column("rule_findings")
        batch_op.drop_column("rejection_reason")
