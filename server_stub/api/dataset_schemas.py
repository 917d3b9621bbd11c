"""The request and response bodies of ``/datasets`` and the rules on their fields.

Pydantic models (``DatasetCreate``, ``DatasetOut``, ...), the field checks they
run (required, MD5, release date, data type) and the builders that turn a
``Dataset`` row into its answer (:func:`dataset_out`, :func:`file_out`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field, StrictBool, StrictInt, field_validator
from pydantic_core import PydanticCustomError

from omix_wire import reference
from omix_wire.limits import (
    ARCHIVE_WARNING_SIZE,
    FILE_WARNING_SIZE,
    RELEASE_HORIZON_YEARS,
    is_archive,
    latest_release_date,
)
from omix_wire.md5 import normalize_md5
from server_stub.archive import diagnosis
from server_stub.datasets.validation import CodedValueError
from server_stub.models import Access, DataFile, Dataset, FileStatus
from server_stub.text_rules import MultiLine, SingleLine

MAX_FILES_PER_REQUEST = 1000


# --- field rules ----------------------------------------------------------------


def _required(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value:
        raise CodedValueError("required", "This field is required.")
    return value


def _md5(value: str | None) -> str | None:
    if value is None:
        return None
    normalized = normalize_md5(value)
    if normalized is None:
        raise CodedValueError(
            "invalid_md5",
            "An MD5 is exactly 32 hexadecimal characters (0-9, a-f) in any case, "
            "with nothing before or after them, not even a space.",
        )
    return normalized


def _file_data_type(value: str | None) -> str | None:
    if value is None:
        return None
    canonical = reference.canonical_file_data_type(value)
    if canonical is None:
        raise CodedValueError(
            "unknown_data_type", f"'{value}' is not a data type or sub-type of the list."
        )
    return canonical


def earliest_today() -> date:
    """Today somewhere on Earth (UTC-12): a date before it is in the past everywhere."""
    return (datetime.now(UTC) - timedelta(hours=12)).date()


def _release_date(value: date | None) -> date | None:
    if value is not None and value < earliest_today():
        raise CodedValueError("release_date_in_past", "The release date cannot be in the past.")
    latest = latest_release_date((datetime.now(UTC) + timedelta(hours=14)).date())
    if value is not None and value > latest:
        raise PydanticCustomError(
            "release_date_too_far",
            "The release date can be at most {years} years ahead (on or before {latest}).",
            {"years": RELEASE_HORIZON_YEARS, "latest": latest.isoformat()},
        )
    return value


# --- request bodies -------------------------------------------------------------


class FileSourceIn(BaseModel):
    """Where a data file comes from: the pre-upload area or an online upload."""

    source: Literal["ftp", "http"]
    path: str | None = Field(default=None, max_length=1024)
    """``ftp``: the path as listed by ``GET /preupload/files``."""
    upload: SingleLine | None = Field(default=None, max_length=64)
    """``http``: the token returned by ``POST /uploads``."""


class FileIn(FileSourceIn):
    title: SingleLine = Field(max_length=500)
    samples: StrictInt = Field(ge=1, le=1_000_000_000)
    """Number of samples, or of files inside an archive (tar/zip)."""
    md5: SingleLine = Field(max_length=64)
    data_type: SingleLine = Field(max_length=100)

    _title = field_validator("title")(_required)
    _md5 = field_validator("md5")(_md5)
    _data_type = field_validator("data_type")(_file_data_type)


class DatasetCreate(BaseModel):
    title: SingleLine = Field(max_length=500)
    description: MultiLine = Field(max_length=20000)
    organism: SingleLine = Field(max_length=255)
    """A name from ``GET /reference/organisms``, or ``mixed sample``."""
    human_genetic_resource: StrictBool = False
    data_type: SingleLine = Field(max_length=100)
    data_subtype: SingleLine = Field(max_length=100)
    access: Access
    bioproject: SingleLine = Field(max_length=32)
    """Accession of one of the user's BioProjects (``PRJCA000681``)."""
    release_date: date | None = None
    """Defaults to the day of submission."""
    most_registration_number: SingleLine = Field(default="", max_length=100)
    terms_accepted: StrictBool
    """JSON ``true``: neither ``"yes"`` nor ``1`` is an acceptance of the terms."""
    files: list[FileIn] = Field(max_length=MAX_FILES_PER_REQUEST)

    _text = field_validator("title", "description", "organism", "bioproject")(_required)
    _types = field_validator("data_type", "data_subtype")(_required)
    _date = field_validator("release_date")(_release_date)

    @field_validator("terms_accepted")
    @classmethod
    def _terms(cls, value: bool) -> bool:
        if not value:
            raise CodedValueError("terms_not_accepted", "Accept the terms and policy to submit.")
        return value

    @field_validator("files")
    @classmethod
    def _files(cls, value: list[FileIn]) -> list[FileIn]:
        if not value:
            raise CodedValueError("no_files", "Select at least one file.")
        return value


class DatasetUpdate(BaseModel):
    """Only the fields given change. After release only ``most_registration_number``."""

    title: SingleLine | None = Field(default=None, max_length=500)
    description: MultiLine | None = Field(default=None, max_length=20000)
    organism: SingleLine | None = Field(default=None, max_length=255)
    human_genetic_resource: StrictBool | None = None
    data_type: SingleLine | None = Field(default=None, max_length=100)
    data_subtype: SingleLine | None = Field(default=None, max_length=100)
    access: Access | None = None
    bioproject: SingleLine | None = Field(default=None, max_length=32)
    release_date: date | None = None
    most_registration_number: SingleLine | None = Field(default=None, max_length=100)

    _text = field_validator(
        "title", "description", "organism", "bioproject", "data_type", "data_subtype"
    )(_required)
    _date = field_validator("release_date")(_release_date)


class FilesAdd(BaseModel):
    files: list[FileIn] = Field(min_length=1, max_length=MAX_FILES_PER_REQUEST)


class FileUpdate(BaseModel):
    title: SingleLine | None = Field(default=None, max_length=500)
    samples: StrictInt | None = Field(default=None, ge=1, le=1_000_000_000)
    data_type: SingleLine | None = Field(default=None, max_length=100)
    md5: SingleLine | None = Field(default=None, max_length=64)
    """A corrected MD5 is compared with the computed one at once."""
    reselect: FileSourceIn | None = None
    """For a failed or missing file only: take a newly uploaded copy instead."""

    _title = field_validator("title")(_required)
    _md5 = field_validator("md5")(_md5)
    _data_type = field_validator("data_type")(_file_data_type)


# --- responses ------------------------------------------------------------------


class DataFileOut(BaseModel):
    file_id: str
    title: str
    samples: int
    data_type: str
    name: str
    """Original file name."""
    suffix: str
    """Whole original extension, with its dot (``.fastq.gz``)."""
    size: int
    md5: str
    """The MD5 the submitter declared (lowercase)."""
    md5_server: str | None
    """The MD5 the server computed, once known."""
    status: str
    """``Checking``, ``MD5 Checked Failed`` or ``Archived``."""
    checking_reason: str | None
    """While ``Checking``: ``hashing``, ``still_uploading``, ``missing``, ``invalid_name``
    or ``empty_file`` (the selected pre-upload file ended empty: upload it again)."""
    checking_message: str | None
    source: str
    """``http`` (online upload) or ``ftp`` (pre-upload)."""
    preupload_path: str | None
    """The pre-upload file this entry waits for, while it waits."""
    download_count: int
    warnings: list[str]
    """``file_over_20gb``, ``archive_over_10gb``: the guide's advice, not a refusal."""
    created_at: datetime
    updated_at: datetime


class DatasetRow(BaseModel):
    accession: str
    title: str
    organism: str
    access: str
    bioproject: str
    release_date: date
    submitted_at: datetime
    updated_at: datetime
    """Last edit."""
    status: str
    curation_status: str
    file_count: int


class DatasetOut(BaseModel):
    accession: str
    title: str
    description: str
    organism: str
    tax_id: int | None
    human_genetic_resource: bool
    data_type: str
    data_subtype: str
    access: str
    bioproject: str
    release_date: date
    most_registration_number: str
    backup_number: str
    submitter: str
    organization: str
    submitted_at: datetime
    updated_at: datetime
    released_at: datetime | None
    status: str
    curation_status: str
    curation_message: str
    file_count: int
    total_size: int
    files: list[DataFileOut]


class FileDiagnosisOut(BaseModel):
    file_id: str
    status: str
    reason: str | None
    """As ``checking_reason``; ``md5_mismatch`` for a failed file; null when archived."""
    message: str
    preupload_path: str | None
    preupload_state: Literal["uploading", "complete", "incomplete", "absent"] | None
    received_bytes: int | None
    last_received_at: datetime | None
    md5_declared: str
    md5_server: str | None


def file_warnings(file: DataFile) -> list[str]:
    warnings = []
    if file.size > FILE_WARNING_SIZE:
        warnings.append("file_over_20gb")
    if is_archive(file.original_name) and file.size > ARCHIVE_WARNING_SIZE:
        warnings.append("archive_over_10gb")
    return warnings


def file_out(file: DataFile) -> DataFileOut:
    return DataFileOut(
        file_id=file.file_id,
        title=file.title,
        samples=file.samples,
        data_type=file.data_type,
        name=file.original_name,
        suffix=file.suffix,
        size=file.size,
        md5=file.md5_declared,
        md5_server=file.md5_computed,
        status=file.status,
        checking_reason=file.checking_reason if file.status == FileStatus.CHECKING else None,
        checking_message=diagnosis.checking_message(file),
        source=file.source,
        preupload_path=file.preupload_path,
        download_count=file.download_count,
        warnings=file_warnings(file),
        created_at=file.created_at,
        updated_at=file.updated_at,
    )


def dataset_row(dataset: Dataset) -> DatasetRow:
    return DatasetRow(
        accession=dataset.accession or "",
        title=dataset.title,
        organism=dataset.organism,
        access=dataset.access,
        bioproject=dataset.bioproject.accession or "",
        release_date=dataset.release_date,
        submitted_at=dataset.submitted_at,
        updated_at=dataset.updated_at,
        status=dataset.status,
        curation_status=dataset.curation_status,
        file_count=len(dataset.files),
    )


def dataset_out(dataset: Dataset) -> DatasetOut:
    return DatasetOut(
        accession=dataset.accession or "",
        title=dataset.title,
        description=dataset.description,
        organism=dataset.organism,
        tax_id=dataset.tax_id,
        human_genetic_resource=dataset.human_genetic_resource,
        data_type=dataset.data_type,
        data_subtype=dataset.data_subtype,
        access=dataset.access,
        bioproject=dataset.bioproject.accession or "",
        release_date=dataset.release_date,
        most_registration_number=dataset.most_registration_number,
        backup_number=dataset.backup_number,
        submitter=dataset.user.display_name,
        organization=dataset.user.organization,
        submitted_at=dataset.submitted_at,
        updated_at=dataset.updated_at,
        released_at=dataset.released_at,
        status=dataset.status,
        curation_status=dataset.curation_status,
        curation_message=dataset.curation_message,
        file_count=len(dataset.files),
        total_size=sum(file.size for file in dataset.files),
        files=[file_out(file) for file in dataset.files],
    )


# --- endpoints ------------------------------------------------------------------

SORT_KEYS: dict[str, Callable[[Dataset], Any]] = {
    "accession": lambda d: d.accession or "",
    "title": lambda d: d.title.casefold(),
    "organism": lambda d: d.organism.casefold(),
    "access": lambda d: d.access,
    "status": lambda d: str(d.status),
    "curation": lambda d: d.curation_status,
    "release_date": lambda d: d.release_date,
    "submitted_at": lambda d: d.submitted_at,
    "updated_at": lambda d: d.updated_at,
}
