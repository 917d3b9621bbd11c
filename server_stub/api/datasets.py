"""A user's datasets (OMIX submissions) and their data files.

Owner only: another user's accession or file id is answered exactly like one
that does not exist (``404 dataset_not_found``). Reads first settle what a
missed FTP notification or a restart left ``Checking``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Query, Response
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
from server_stub import archiving, release
from server_stub import datasets_service as service
from server_stub.api.deps import DatabaseDep, SessionDep, SettingsDep, UserDep
from server_stub.api.responses import SIGNED_IN, errors
from server_stub.errors import ApiError
from server_stub.models import Access, DataFile, Dataset, FileStatus, utcnow
from server_stub.text_rules import MultiLine, SingleLine
from server_stub.validation import CodedValueError, Problems

router = APIRouter(prefix="/datasets", tags=["datasets"], responses=SIGNED_IN)

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
        checking_message=archiving.checking_message(file),
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

SORT_KEYS = {
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


@router.get("", response_model=list[DatasetRow])
def list_mine(
    user: UserDep,
    session: SessionDep,
    database: DatabaseDep,
    settings: SettingsDep,
    q: Annotated[SingleLine, Query(max_length=200)] = "",
    sort: Annotated[SingleLine, Query(max_length=40)] = "-updated_at",
) -> list[DatasetRow]:
    """My submissions. ``q`` matches accession, title or organism; ``sort`` by a
    column name (``accession``, ``title``, ``organism``, ``access``, ``status``,
    ``curation``, ``release_date``, ``submitted_at``, ``updated_at``), ``-`` first
    for descending."""
    key = SORT_KEYS.get(sort.removeprefix("-"))
    if key is None:
        raise ApiError(
            422, "invalid_sort", f"Cannot sort by '{sort}'.", "sort", choices=",".join(SORT_KEYS)
        )
    archiving.refresh_pending(database, settings, user.id)
    datasets = service.mine(session, user)
    needle = q.strip().casefold()
    if needle:
        datasets = [
            dataset
            for dataset in datasets
            if needle in (dataset.accession or "").casefold()
            or needle in dataset.title.casefold()
            or needle in dataset.organism.casefold()
        ]
    datasets.sort(key=lambda dataset: (key(dataset), dataset.id), reverse=sort.startswith("-"))
    return [dataset_row(dataset) for dataset in datasets]


@router.post("", status_code=201, response_model=DatasetOut, responses=errors(400, 404, 409))
def create(
    body: DatasetCreate,
    user: UserDep,
    session: SessionDep,
    database: DatabaseDep,
    settings: SettingsDep,
) -> DatasetOut:
    """Submit a dataset: accession and file ids are assigned, files are archived."""
    new = service.NewDataset(
        title=body.title,
        description=body.description,
        organism=body.organism,
        human_genetic_resource=body.human_genetic_resource,
        data_type=body.data_type,
        data_subtype=body.data_subtype,
        access=body.access.value,
        bioproject=body.bioproject,
        release_date=body.release_date or date.today(),
        most_registration_number=body.most_registration_number.strip(),
        files=list(body.files),
    )
    dataset = service.create(session, database, settings, user, new)
    return dataset_out(service.load_owned(session, user, dataset.accession or ""))


@router.get("/{accession}", response_model=DatasetOut, responses=errors(404))
def read(
    accession: SingleLine,
    user: UserDep,
    session: SessionDep,
    database: DatabaseDep,
    settings: SettingsDep,
) -> DatasetOut:
    archiving.refresh_pending(database, settings, user.id)
    return dataset_out(service.load_owned(session, user, accession))


@router.patch("/{accession}", response_model=DatasetOut, responses=errors(404, 409))
def update(
    accession: SingleLine,
    body: DatasetUpdate,
    user: UserDep,
    session: SessionDep,
    background: BackgroundTasks,
) -> DatasetOut:
    """Edit basic information until release; afterwards only the MOST number.

    An earlier release date is an early release: the scheduler is woken once
    the change is committed (after the response), so a curated dataset is
    published within moments instead of at the next periodic pass.
    """
    dataset = service.load_owned(session, user, accession)
    given = body.model_fields_set
    if dataset.released_at is not None and given - {"most_registration_number"}:
        service.refuse_if_released(dataset, "editing basic information")
    problems = Problems()
    for name in sorted(given):
        if getattr(body, name) is None and name not in ("release_date",):
            problems.add(422, "required", "This field cannot be empty.", name)
    problems.raise_if_any()
    values = {name: getattr(body, name) for name in given}
    if values.get("release_date", dataset.release_date) is None:
        values["release_date"] = date.today()
    metadata = {"organism", "human_genetic_resource", "data_type", "data_subtype"}
    organism = kind = None
    if given & metadata:
        organism, kind = service.check_metadata(
            problems,
            organism=values.get("organism", dataset.organism),
            human_genetic_resource=values.get(
                "human_genetic_resource", dataset.human_genetic_resource
            ),
            data_type=values.get("data_type", dataset.data_type),
            data_subtype=values.get("data_subtype", dataset.data_subtype),
        )
    project = None
    if "bioproject" in given:
        project = service.find_bioproject(session, user, values["bioproject"], problems)
    problems.raise_if_any()
    for name in ("title", "description", "release_date", "most_registration_number"):
        if name in values:
            setattr(dataset, name, values[name])
    if "human_genetic_resource" in values:
        dataset.human_genetic_resource = values["human_genetic_resource"]
    if "access" in values:
        dataset.access = values["access"].value
    if organism is not None:
        dataset.organism = organism.name
        dataset.tax_id = organism.tax_id
    if kind is not None:
        dataset.data_type = kind.name
        dataset.data_subtype = (
            kind.find_subtype(values.get("data_subtype", dataset.data_subtype))
            or dataset.data_subtype
        )
    if project is not None:
        dataset.bioproject = project
    if given:
        dataset.updated_at = utcnow()
    if "release_date" in given:
        background.add_task(release.request_release_check)
    session.flush()
    return dataset_out(dataset)


@router.post(
    "/{accession}/files",
    status_code=201,
    response_model=DatasetOut,
    responses=errors(400, 404, 409),
)
def add_files(
    accession: SingleLine,
    body: FilesAdd,
    user: UserDep,
    session: SessionDep,
    database: DatabaseDep,
    settings: SettingsDep,
) -> DatasetOut:
    """Add files online or from the pre-upload area (the way to replace a file)."""
    dataset = service.load_owned(session, user, accession)
    service.add_more(session, database, settings, user, dataset, list(body.files))
    return dataset_out(service.load_owned(session, user, accession))


@router.patch(
    "/{accession}/files/{file_id}", response_model=DataFileOut, responses=errors(400, 404, 409)
)
def update_file(
    accession: SingleLine,
    file_id: SingleLine,
    body: FileUpdate,
    user: UserDep,
    session: SessionDep,
    database: DatabaseDep,
    settings: SettingsDep,
) -> DataFileOut:
    dataset = service.load_owned(session, user, accession)
    file = service.find_file(dataset, file_id)
    given = body.model_fields_set
    if given:
        service.refuse_if_released(dataset, "editing files")
    problems = Problems()
    for name in sorted(given - {"reselect"}):
        if getattr(body, name) is None:
            problems.add(422, "required", "This field cannot be empty.", name)
    problems.raise_if_any()
    if body.title is not None:
        file.title = body.title
    if body.samples is not None:
        file.samples = body.samples
    if body.data_type is not None:
        file.data_type = body.data_type
    if body.md5 is not None:
        service.change_md5(file, body.md5)
    if given:
        file.updated_at = dataset.updated_at = utcnow()
    if body.reselect is not None:
        service.reselect(session, database, settings, user, file, body.reselect)
    session.flush()
    return file_out(file)


@router.delete("/{accession}/files/{file_id}", status_code=204, responses=errors(404, 409))
def delete_file(
    accession: SingleLine,
    file_id: SingleLine,
    user: UserDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Remove a file and its archived copy; never the last one."""
    dataset = service.load_owned(session, user, accession)
    file = service.find_file(dataset, file_id)
    service.delete_file(session, settings, dataset, file)
    return Response(status_code=204)


@router.get(
    "/{accession}/files/{file_id}/diagnosis",
    response_model=FileDiagnosisOut,
    responses=errors(404),
)
def diagnose(
    accession: SingleLine,
    file_id: SingleLine,
    user: UserDep,
    session: SessionDep,
    database: DatabaseDep,
    settings: SettingsDep,
) -> FileDiagnosisOut:
    """Why a file is (still) in its status, and what to do about it."""
    archiving.refresh_pending(database, settings, user.id)
    dataset = service.load_owned(session, user, accession)
    file = service.find_file(dataset, file_id)
    state: Literal["uploading", "complete", "incomplete", "absent"] | None = None
    received = None
    if file.preupload_path is not None and file.status == FileStatus.CHECKING:
        received = archiving.last_received(settings, user.id, file.preupload_path)
        if received is None:
            state = "absent"
        elif file.checking_reason == archiving.CheckingReason.STILL_UPLOADING:
            state = "uploading"
        elif file.checking_reason == archiving.CheckingReason.UPLOAD_INCOMPLETE:
            state = "incomplete"
        else:
            state = "complete"
    reason: str | None = file.checking_reason if file.status == FileStatus.CHECKING else None
    if file.status == FileStatus.MD5_FAILED:
        reason = "md5_mismatch"
        message = (
            f"The MD5 you gave ({file.md5_declared}) differs from the MD5 the server "
            f"computed ({file.md5_computed}). Compute the MD5 of your original file again: "
            "if it equals the server's, correct the MD5 of this file; otherwise the upload "
            "was broken: upload the file again and re-select it."
        )
    elif file.status == FileStatus.ARCHIVED:
        message = "The file is verified (MD5 matches) and archived."
    else:
        message = archiving.checking_message(file) or ""
    return FileDiagnosisOut(
        file_id=file.file_id,
        status=file.status,
        reason=reason,
        message=message,
        preupload_path=file.preupload_path,
        preupload_state=state,
        received_bytes=received[0] if received else None,
        last_received_at=received[1] if received else None,
        md5_declared=file.md5_declared,
        md5_server=file.md5_computed,
    )
