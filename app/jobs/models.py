"""What the job tier keeps in the database: failures people can see and act on."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class JobProblem(db.Model):
    """A job that failed: how often, why, and whether it gave up (its retries are spent).

    One row per job and subject (a plan version's PDF, a draft); removed when the job
    next succeeds. `args` start it again from the "try again" button.
    """

    __tablename__ = "job_problem"
    __table_args__ = (sa.UniqueConstraint("job", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(sa.String(60))
    key: Mapped[str] = mapped_column(sa.String(120))
    partnership_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partnership.id"), index=True)
    args: Mapped[list] = mapped_column(sa.JSON, default=list)
    attempts: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(sa.String(500), default="")
    failed_at: Mapped[datetime]
    gave_up: Mapped[bool] = mapped_column(default=False)
