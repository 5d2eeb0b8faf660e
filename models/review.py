"""The human step: validation tasks and every correction made in them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at, intpk, str_enum
from models.enums import CorrectionAction, TaskKind, TaskState


class ValidationTask(Base):
    """A document waiting for (or held by) an operator. A database state, never a blocked job."""

    __tablename__ = "validation_tasks"
    __table_args__ = (
        # "next task": the open task with the highest score
        Index("ix_validation_tasks_state_score", "state", "score"),
        Index("ix_validation_tasks_lease", "state", "lease_until"),
    )

    id: Mapped[intpk]
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    kind: Mapped[TaskKind] = mapped_column(str_enum(TaskKind), default=TaskKind.VALIDATE)
    state: Mapped[TaskState] = mapped_column(str_enum(TaskState), default=TaskState.OPEN)
    score: Mapped[float] = mapped_column(default=0.0)  # higher is served first
    expected_errors: Mapped[float] = mapped_column(default=0.0)
    priority: Mapped[int] = mapped_column(default=0)
    deadline: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(String(2000))  # why it needs a look
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # the operator whose save it came back from: never served to them again (pipeline.review.tasks)
    not_for_user: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lease_until: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    postponed_until: Mapped[datetime | None]
    done_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    done_at: Mapped[datetime | None]
    seconds_spent: Mapped[float] = mapped_column(default=0.0)
    version: Mapped[int] = mapped_column(default=1)  # optimistic lock for saves
    created_at: Mapped[created_at]

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Correction(Base):
    """One operator action on one field: confirmed as read, or corrected old → new."""

    __tablename__ = "corrections"

    id: Mapped[intpk]
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("validation_tasks.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    field_name: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[CorrectionAction] = mapped_column(str_enum(CorrectionAction, length=16))
    old_value: Mapped[object | None] = mapped_column(JSON)
    new_value: Mapped[object | None] = mapped_column(JSON)
    machine_confidence: Mapped[float | None]  # raw confidence, for calibration
    seconds: Mapped[float] = mapped_column(default=0.0)
    created_at: Mapped[created_at]


class CalibrationMap(Base):
    """Raw confidence → observed accuracy per field, fitted by ``pipeline calibrate``."""

    __tablename__ = "calibration_maps"

    id: Mapped[intpk]
    field_name: Mapped[str] = mapped_column(String(64), index=True)
    # sorted [[raw_upper_bound, accuracy], …] (isotonic, monotone non-decreasing)
    points: Mapped[list[object]] = mapped_column(JSON)
    samples: Mapped[int]
    fitted_at: Mapped[datetime]
