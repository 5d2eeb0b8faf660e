"""Extracted fields: the machine's reading, with the operator's overlay on top."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at, intpk, str_enum, utcnow
from models.enums import FieldSource, FieldState


class ExtractedFieldRow(Base):
    """One field of one document.

    ``machine_value`` is what extraction read and is never overwritten; ``value`` is
    the current value (the machine's, or an operator's correction on top of it).
    Values are stored in the JSON form of ``pipeline.core.fields`` (amounts as decimal
    strings, dates ISO) so no float ever touches money.
    """

    __tablename__ = "extracted_fields"
    __table_args__ = (UniqueConstraint("document_id", "name"),)

    id: Mapped[intpk]
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[Any | None] = mapped_column(JSON)
    machine_value: Mapped[Any | None] = mapped_column(JSON)
    raw_confidence: Mapped[float] = mapped_column(default=0.0)
    confidence: Mapped[float] = mapped_column(default=0.0)  # calibrated
    page: Mapped[int | None]
    bbox: Mapped[list[Any] | None]
    source: Mapped[FieldSource] = mapped_column(str_enum(FieldSource))
    machine_source: Mapped[FieldSource] = mapped_column(str_enum(FieldSource))
    checks: Mapped[list[Any]] = mapped_column(default=list)
    state: Mapped[FieldState] = mapped_column(str_enum(FieldState), default=FieldState.UNCERTAIN)
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
