"""client notices: a client's e-mail digest of the documents that need them

Revision ID: 0009_client_notices
Revises: 0008
Create Date: 2026-12-04 16:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_client_notices"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "client_notice_settings",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("rhythm", sa.String(length=16), server_default="daily", nullable=False),
        sa.Column("last_digest_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"),
                  nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"]),
        sa.PrimaryKeyConstraint("client_id"),
    )
    op.create_table(
        "client_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"),
                  nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"]),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("document_id", "reason"),
    )
    with op.batch_alter_table("client_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_client_notices_client_id"), ["client_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("client_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_notices_client_id"))
    op.drop_table("client_notices")
    op.drop_table("client_notice_settings")
