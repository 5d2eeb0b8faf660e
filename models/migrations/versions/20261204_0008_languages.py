"""languages: an office's default language, a user's and a client's own

Revision ID: 0008
Revises: 0007_document_reasons
Create Date: 2026-12-04 15:10:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007_document_reasons"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounting_offices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), server_default="nl", nullable=False))
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("language")
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_column("language")
    with op.batch_alter_table("accounting_offices", schema=None) as batch_op:
        batch_op.drop_column("language")
