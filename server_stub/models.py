"""Relational schema of the archive.

Every change here needs an Alembic migration in ``server_stub/migrations``;
``tests/server/test_migrations.py`` checks that the chain produces exactly
this schema.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite drops tzinfo)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class FileStatus(StrEnum):
    CHECKING = "Checking"
    MD5_FAILED = "MD5 Checked Failed"
    ARCHIVED = "Archived"


class DatasetStatus(StrEnum):
    CHECKING = "Checking"
    MD5_FAILED = "MD5 Checked Failed"
    ARCHIVED = "Archived"
    RELEASED = "Released"


class CurationStatus(StrEnum):
    WAITING = "Waiting for Curation"
    RETURNED = "Returned"
    CURATED = "Curated"
    RELEASED = "Released"


class Access(StrEnum):
    OPEN = "open"
    CONTROLLED = "controlled"


class UploadState(StrEnum):
    UPLOADING = "uploading"
    COMPLETE = "complete"
    INCOMPLETE = "incomplete"
    """The server knows the upload stopped early (``PreuploadFile.interruption``)."""


class Interruption(StrEnum):
    """Why the server knows an upload is incomplete; clients translate by value."""

    DISK_FULL = "disk_full"
    """The archive's disk filled up: what arrived is kept, resume it later."""
    CONNECTION_LOST = "connection_lost"
    """The data connection broke (a reset, a timeout): resume it."""


class FileSource(StrEnum):
    HTTP = "http"
    FTP = "ftp"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    first_name: Mapped[str] = mapped_column(String(100))
    middle_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100))
    street_address: Mapped[str] = mapped_column(String(255))
    city: Mapped[str] = mapped_column(String(100))
    state_province: Mapped[str] = mapped_column(String(100), default="")
    postal_code: Mapped[str] = mapped_column(String(20))
    country_region: Mapped[str] = mapped_column(String(100))
    organization: Mapped[str] = mapped_column(String(255))
    department: Mapped[str] = mapped_column(String(255))
    laboratory: Mapped[str] = mapped_column(String(255), default="")
    title_position: Mapped[str] = mapped_column(String(255), default="")
    research_area: Mapped[str] = mapped_column(String(255), default="")
    is_curator: Mapped[bool] = mapped_column(Boolean, default=False)
    sessions_valid_after: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    """A password change or a sign-out moves this on: FTP sessions signed in
    before it are ended (they authenticated with the password, not a token)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def display_name(self) -> str:
        parts = [self.first_name, self.middle_name, self.last_name]
        return " ".join(part for part in parts if part)


class SignInFailure(Base):
    """Failed sign-ins counted per key (``server_stub.sign_in_throttle``).

    In the database, not in memory, so every server process of a site slows
    the same guesser down.
    """

    __tablename__ = "sign_in_failures"

    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class AuthToken(Base):
    """An opaque bearer token; only its SHA-256 is stored."""

    __tablename__ = "auth_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship()


class BioProject(Base):
    __tablename__ = "bioprojects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    accession: Mapped[str | None] = mapped_column(String(16), unique=True, nullable=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PreuploadFile(Base):
    """A file in a user's FTP home, with the MD5 the server computed on receipt.

    ``md5`` describes exactly ``size`` bytes; it is cleared while an upload
    to the path is running and set again when it ends.
    """

    __tablename__ = "preupload_files"
    __table_args__ = (UniqueConstraint("user_id", "path"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(1024))
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    md5: Mapped[str | None] = mapped_column(String(32), nullable=True)
    state: Mapped[str] = mapped_column(String(16), default=UploadState.UPLOADING)
    interruption: Mapped[str | None] = mapped_column(String(32), nullable=True)
    """Set with ``state == incomplete``: an :class:`Interruption`."""
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Dataset(Base):
    __tablename__ = "datasets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    accession: Mapped[str | None] = mapped_column(String(16), unique=True, nullable=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text)
    organism: Mapped[str] = mapped_column(String(255))
    tax_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    data_type: Mapped[str] = mapped_column(String(100))
    data_subtype: Mapped[str] = mapped_column(String(100))
    access: Mapped[str] = mapped_column(String(16))
    human_genetic_resource: Mapped[bool] = mapped_column(Boolean, default=False)
    """Human genetic resource data: the organism must be ``Homo sapiens``."""
    bioproject_id: Mapped[int] = mapped_column(ForeignKey("bioprojects.id"))
    release_date: Mapped[date] = mapped_column(Date)
    most_registration_number: Mapped[str] = mapped_column(String(100), default="")
    backup_number: Mapped[str] = mapped_column(String(100), default="")
    terms_accepted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    curation_status: Mapped[str] = mapped_column(String(32), default=CurationStatus.WAITING)
    curation_message: Mapped[str] = mapped_column(Text, default="")
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    next_file_seq: Mapped[int] = mapped_column(Integer, default=1)

    user: Mapped[User] = relationship()
    bioproject: Mapped[BioProject] = relationship()
    files: Mapped[list[DataFile]] = relationship(
        back_populates="dataset", order_by="DataFile.seq", cascade="all, delete-orphan"
    )

    @property
    def status(self) -> DatasetStatus:
        """Derived from the files, as the guide describes."""
        if self.released_at is not None:
            return DatasetStatus.RELEASED
        statuses = {file.status for file in self.files}
        if FileStatus.MD5_FAILED in statuses:
            return DatasetStatus.MD5_FAILED
        if FileStatus.CHECKING in statuses or not statuses:
            return DatasetStatus.CHECKING
        return DatasetStatus.ARCHIVED


class DataFile(Base):
    __tablename__ = "data_files"
    __table_args__ = (UniqueConstraint("dataset_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    file_id: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    title: Mapped[str] = mapped_column(String(500))
    samples: Mapped[int] = mapped_column(Integer)
    data_type: Mapped[str] = mapped_column(String(100))
    original_name: Mapped[str] = mapped_column(String(1024))
    suffix: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    md5_declared: Mapped[str] = mapped_column(String(32))
    md5_computed: Mapped[str | None] = mapped_column(String(32), nullable=True)
    status: Mapped[str] = mapped_column(String(32), default=FileStatus.CHECKING)
    checking_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    """Why a file is still ``Checking`` (see ``archiving.CheckingReason``)."""
    source: Mapped[str] = mapped_column(String(8))
    preupload_path: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    """Set while the file waits in the pre-upload area (still uploading)."""
    stored_name: Mapped[str | None] = mapped_column(String(128), nullable=True)
    """Name in the archive store once moved there, e.g. ``OMIX000001-01.fq.gz``."""
    download_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    dataset: Mapped[Dataset] = relationship(back_populates="files")


class OnlineUpload(Base):
    """A small file received over HTTP, waiting to be selected into a dataset."""

    __tablename__ = "online_uploads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(String(1024))
    size: Mapped[int] = mapped_column(BigInteger)
    md5: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
