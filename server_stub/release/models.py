"""Tables of what happens after archiving: reviewer links, access requests, releases.

Kept apart from ``models.py`` so the release side can grow without touching
the submission schema; importing this module registers the tables on the
same ``Base.metadata`` (the app, the Alembic environment and the migration
test import it). Migration ``0003`` creates them, ``0005`` hashes the
reviewer tokens.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server_stub.models import Base, Dataset, User, UTCDateTime, utcnow

PURPOSE_MAX = 4000
"""Longest stated purpose of an access request (characters)."""
DECISION_MESSAGE_MAX = 4000


class LinkCloseReason(StrEnum):
    OWNER = "owner"
    RELEASED = "released"
    REPLACED = "replaced"
    """The owner generated a new link (the address of the old one cannot be shown again)."""


class AccessRequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ReleaseState(StrEnum):
    PUBLISHING = "publishing"
    """Files are being linked into the hidden ``OMIX/.<acc>.partial`` folder."""
    DONE = "done"
    FAILED = "failed"
    """The last attempt failed (``error`` says why); the scheduler retries."""


class ReviewLink(Base):
    """A temporary reviewer preview of an unreleased dataset (metadata only).

    Only the SHA-256 of the token in the link's address is stored, like a
    bearer token's (migration ``0005`` hashed the older plaintext ones).
    """

    __tablename__ = "review_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    close_reason: Mapped[str | None] = mapped_column(String(16), nullable=True)

    dataset: Mapped[Dataset] = relationship()

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class AccessRequest(Base):
    """A data user's request to download a controlled dataset's files."""

    __tablename__ = "access_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=AccessRequestStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decision_message: Mapped[str] = mapped_column(Text, default="")

    dataset: Mapped[Dataset] = relationship()
    user: Mapped[User] = relationship()


class ReleaseJournal(Base):
    """One row per dataset whose release was attempted: state and last error.

    The files themselves make the release crash-safe (a hidden partial folder
    renamed into place at once); this row tells an operator what happened and
    keeps a failing release from being retried more often than it should.
    """

    __tablename__ = "release_journal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), unique=True, index=True
    )
    state: Mapped[str] = mapped_column(String(16), default=ReleaseState.PUBLISHING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    files_published: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
