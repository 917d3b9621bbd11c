"""Datasets: create, edit, add and remove files, with the guide's rules.

The HTTP layer (``api/datasets.py``) parses and shapes; this module decides.
Every check that can fail is collected into one answer naming each field at
fault (``files.2.path``, ``organism``, ...), see :mod:`server_stub.validation`.
"""

from __future__ import annotations

import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from omix_wire import reference
from omix_wire.naming import check_path
from server_stub import archiving, online_uploads, preupload
from server_stub.config import Settings
from server_stub.db import Database
from server_stub.errors import ApiError, not_found
from server_stub.models import (
    BioProject,
    CurationStatus,
    DataFile,
    Dataset,
    FileSource,
    FileStatus,
    OnlineUpload,
    UploadState,
    User,
    utcnow,
)
from server_stub.validation import Problems


def dataset_accession(dataset_id: int) -> str:
    return f"OMIX{dataset_id:06d}"


def file_id_for(accession: str, seq: int) -> str:
    return f"{accession}-{seq:02d}"


class SourceSpec(Protocol):
    source: str
    path: str | None
    upload: str | None


class FileSpec(SourceSpec, Protocol):
    title: str
    samples: int
    md5: str
    data_type: str


@dataclass
class ResolvedSource:
    kind: FileSource
    name: str
    path: str | None = None
    upload: OnlineUpload | None = None


# --- loading -----------------------------------------------------------------


def load_owned(session: Session, user: User, accession: str) -> Dataset:
    """The user's dataset; another user's is reported exactly like a missing one."""
    dataset = session.scalar(
        select(Dataset)
        .where(Dataset.accession == accession, Dataset.user_id == user.id)
        .options(selectinload(Dataset.files))
    )
    if dataset is None:
        raise not_found("dataset", accession)
    return dataset


def find_file(dataset: Dataset, file_id: str) -> DataFile:
    for file in dataset.files:
        if file.file_id == file_id:
            return file
    raise ApiError(404, "file_not_found", f"No file '{file_id}' in {dataset.accession}.")


def mine(session: Session, user: User) -> list[Dataset]:
    return list(
        session.scalars(
            select(Dataset)
            .where(Dataset.user_id == user.id)
            .options(selectinload(Dataset.files), selectinload(Dataset.bioproject))
            .order_by(Dataset.id)
        )
    )


def refuse_if_released(dataset: Dataset, what: str = "this change") -> None:
    if dataset.released_at is not None:
        raise ApiError(
            409,
            "released_read_only",
            f"{dataset.accession} is released: {what} is no longer possible. "
            "Only the MOST registration number can still be changed.",
        )


# --- checks ------------------------------------------------------------------


def check_metadata(
    problems: Problems,
    *,
    organism: str,
    human_genetic_resource: bool,
    data_type: str,
    data_subtype: str,
) -> tuple[reference.Organism | None, reference.DataType | None]:
    found = reference.find_organism(organism)
    if found is None:
        problems.add(
            422,
            "unknown_organism",
            f"'{organism}' is not in the organism list: type at least three letters and "
            f"choose a name from the hints, or use '{reference.MIXED_SAMPLE}'.",
            "organism",
        )
    elif human_genetic_resource and found.name != reference.HOMO_SAPIENS:
        problems.add(
            422,
            "human_requires_homo_sapiens",
            "Human genetic resource data must have the organism 'Homo sapiens'.",
            "organism",
        )
    kind = reference.find_data_type(data_type)
    if kind is None:
        problems.add(422, "unknown_data_type", f"'{data_type}' is not a data type.", "data_type")
    elif kind.find_subtype(data_subtype) is None:
        problems.add(
            422,
            "unknown_data_subtype",
            f"'{data_subtype}' is not a sub-type of {kind.name}.",
            "data_subtype",
            data_type=kind.name,
        )
    return found, kind


def find_bioproject(
    session: Session, user: User, accession: str, problems: Problems
) -> BioProject | None:
    project = session.scalar(
        select(BioProject).where(BioProject.accession == accession, BioProject.user_id == user.id)
    )
    if project is None:
        problems.add(
            404,
            "bioproject_not_found",
            f"No BioProject '{accession}' in your account: choose one of yours or create one.",
            "bioproject",
        )
    return project


def _waiting_paths(session: Session, user: User) -> dict[str, str]:
    rows = session.execute(
        select(DataFile.preupload_path, DataFile.file_id)
        .join(Dataset)
        .where(
            Dataset.user_id == user.id,
            DataFile.preupload_path.is_not(None),
            DataFile.status == FileStatus.CHECKING,
        )
    ).tuples()
    return {path: file_id for path, file_id in rows if path is not None}


def resolve_sources(
    session: Session,
    settings: Settings,
    user: User,
    specs: list[SourceSpec],
    problems: Problems,
    prefix: str = "files",
    ignore_waiting: str | None = None,
) -> list[ResolvedSource | None]:
    """Check every selected file; ``None`` where a problem was recorded."""
    waiting = _waiting_paths(session, user)
    seen_paths: set[str] = set()
    seen_tokens: set[str] = set()
    resolved: list[ResolvedSource | None] = []
    for index, spec in enumerate(specs):
        field = f"{prefix}.{index}" if prefix else ""
        if spec.source == FileSource.FTP:
            resolved.append(
                _resolve_ftp(
                    settings,
                    user,
                    spec.path,
                    f"{field}.path".lstrip("."),
                    problems,
                    seen_paths,
                    waiting,
                    ignore_waiting,
                    session,
                )
            )
        else:
            resolved.append(
                _resolve_http(
                    session,
                    settings,
                    user,
                    spec.upload,
                    f"{field}.upload".lstrip("."),
                    problems,
                    seen_tokens,
                )
            )
    return resolved


def _resolve_ftp(
    settings: Settings,
    user: User,
    path: str | None,
    field: str,
    problems: Problems,
    seen: set[str],
    waiting: dict[str, str],
    ignore_waiting: str | None,
    session: Session,
) -> ResolvedSource | None:
    if not path:
        problems.add(422, "required", "Choose a file from your pre-upload area.", field)
        return None
    try:
        relative = preupload.clean_relative(path, field)
        location = preupload.resolve(settings, user.id, relative, field)
    except ApiError as error:
        problems.add_error(error)
        return None
    verdict = check_path(relative)
    if not verdict.ok:
        problems.add(
            422,
            "invalid_name",
            f"'{relative}' cannot be archived: {verdict.describe()}. Rename it (and its "
            "folders) without spaces or special characters and upload it again.",
            field,
            problem=str(verdict.problem),
            component=verdict.component,
            character=verdict.character,
        )
        return None
    if relative in seen:
        problems.add(422, "duplicate_file", f"'{relative}' is selected twice.", field)
        return None
    seen.add(relative)
    holder = waiting.get(relative)
    if holder is not None and holder != ignore_waiting:
        problems.add(
            409,
            "file_already_selected",
            f"'{relative}' is already selected for {holder}, which waits for it.",
            field,
            file_id=holder,
        )
        return None
    row = preupload.upload_row(session, user.id, relative)
    size = _size(location)
    if size is None and row is None:
        problems.add_error(preupload.not_found(relative, field))
        return None
    arriving = row is not None and row.state == UploadState.UPLOADING
    if size is not None and not arriving and problems.refuse_empty(size, relative, field):
        return None
    return ResolvedSource(FileSource.FTP, relative.rsplit("/", 1)[-1], path=relative)


def _size(location: Path) -> int | None:
    """The size of a regular file, None when there is none (yet) at ``location``."""
    try:
        info = location.lstat()
    except OSError:
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def _resolve_http(
    session: Session,
    settings: Settings,
    user: User,
    token: str | None,
    field: str,
    problems: Problems,
    seen: set[str],
) -> ResolvedSource | None:
    if not token:
        problems.add(422, "required", "Give the token of your online upload.", field)
        return None
    upload = online_uploads.find_upload(session, user.id, token)
    if upload is None or not online_uploads.upload_path(settings, token).is_file():
        problems.add(
            404,
            "upload_not_found",
            "No such online upload in your account (unused uploads expire after a day): "
            "upload the file again.",
            field,
        )
        return None
    if token in seen:
        problems.add(422, "duplicate_file", "This upload is selected twice.", field)
        return None
    if problems.refuse_empty(upload.size, upload.original_name, field):
        return None
    seen.add(token)
    return ResolvedSource(FileSource.HTTP, upload.original_name, upload=upload)


# --- changes -----------------------------------------------------------------


def _attach(
    session: Session,
    settings: Settings,
    user: User,
    file: DataFile,
    source: ResolvedSource,
    batch: archiving.ArchiveBatch,
) -> None:
    file.original_name = source.name
    file.suffix = archiving.full_suffix(source.name)
    file.stored_name = f"{file.file_id}{file.suffix}"
    file.source = source.kind
    file.md5_computed = None
    file.size = 0
    file.status = FileStatus.CHECKING
    file.checking_reason = None
    if source.upload is not None:
        archiving.take_online_upload(session, settings, file, source.upload, batch)
    else:
        assert source.path is not None
        archiving.claim_preupload(session, settings, user.id, file, source.path, batch)


def add_files(
    session: Session,
    settings: Settings,
    user: User,
    dataset: Dataset,
    specs: list[FileSpec],
    sources: list[ResolvedSource],
    batch: archiving.ArchiveBatch,
) -> list[DataFile]:
    added = []
    now = utcnow()
    for spec, source in zip(specs, sources, strict=True):
        seq = dataset.next_file_seq
        dataset.next_file_seq = seq + 1
        file = DataFile(
            seq=seq,
            file_id=file_id_for(dataset.accession or "", seq),
            title=spec.title,
            samples=spec.samples,
            data_type=spec.data_type,
            original_name=source.name,
            suffix="",
            size=0,
            md5_declared=spec.md5,
            status=FileStatus.CHECKING,
            source=source.kind,
            created_at=now,
            updated_at=now,
        )
        dataset.files.append(file)
        session.flush()
        _attach(session, settings, user, file, source, batch)
        added.append(file)
    dataset.updated_at = now
    return added


@dataclass
class NewDataset:
    title: str
    description: str
    organism: str
    human_genetic_resource: bool
    data_type: str
    data_subtype: str
    access: str
    bioproject: str
    release_date: date
    most_registration_number: str
    files: list[FileSpec]


def create(
    session: Session, database: Database, settings: Settings, user: User, new: NewDataset
) -> Dataset:
    problems = Problems()
    organism, kind = check_metadata(
        problems,
        organism=new.organism,
        human_genetic_resource=new.human_genetic_resource,
        data_type=new.data_type,
        data_subtype=new.data_subtype,
    )
    project = find_bioproject(session, user, new.bioproject, problems)
    sources = resolve_sources(session, settings, user, list(new.files), problems)
    problems.raise_if_any()
    assert organism is not None and kind is not None and project is not None
    now = utcnow()
    dataset = Dataset(
        user_id=user.id,
        title=new.title,
        description=new.description,
        organism=organism.name,
        tax_id=organism.tax_id,
        human_genetic_resource=new.human_genetic_resource,
        data_type=kind.name,
        data_subtype=kind.find_subtype(new.data_subtype) or new.data_subtype,
        access=new.access,
        bioproject_id=project.id,
        release_date=new.release_date,
        most_registration_number=new.most_registration_number,
        backup_number="",
        terms_accepted_at=now,
        submitted_at=now,
        updated_at=now,
        curation_status=CurationStatus.WAITING,
        next_file_seq=1,
    )
    session.add(dataset)
    session.flush()
    dataset.accession = dataset_accession(dataset.id)
    _archive(
        session,
        database,
        settings,
        lambda batch: add_files(
            session, settings, user, dataset, list(new.files), _present(sources), batch
        ),
    )
    return dataset


def _present(sources: list[ResolvedSource | None]) -> list[ResolvedSource]:
    return [source for source in sources if source is not None]


def _archive(
    session: Session,
    database: Database,
    settings: Settings,
    work: Callable[[archiving.ArchiveBatch], object],
) -> None:
    """Run ``work(batch)`` and commit under the archive lock; undo moves on failure."""
    batch = archiving.ArchiveBatch()
    with archiving.LOCK, batch.guard():
        work(batch)
        session.commit()
    batch.after_commit(database, settings)


def add_more(
    session: Session,
    database: Database,
    settings: Settings,
    user: User,
    dataset: Dataset,
    specs: list[FileSpec],
) -> list[DataFile]:
    refuse_if_released(dataset, "adding files")
    problems = Problems()
    sources = resolve_sources(session, settings, user, list(specs), problems)
    problems.raise_if_any()
    added: list[DataFile] = []

    def work(batch: archiving.ArchiveBatch) -> None:
        added.extend(add_files(session, settings, user, dataset, specs, _present(sources), batch))

    _archive(session, database, settings, work)
    return added


def reselect(
    session: Session,
    database: Database,
    settings: Settings,
    user: User,
    file: DataFile,
    spec: SourceSpec,
) -> None:
    """Point a failed or missing file at a newly uploaded copy (guide, FAQ 1)."""
    if file.status == FileStatus.ARCHIVED:
        raise ApiError(
            409,
            "archived_file_not_replaceable",
            f"{file.file_id} is archived: a file is never replaced in place. Add the new "
            "file, then delete this one.",
            "source",
        )
    problems = Problems()
    sources = resolve_sources(
        session, settings, user, [spec], problems, prefix="", ignore_waiting=file.file_id
    )
    problems.raise_if_any()
    source = sources[0]
    assert source is not None
    old_copy = archiving.archive_path(settings, file) if file.preupload_path is None else None

    def work(batch: archiving.ArchiveBatch) -> None:
        file.preupload_path = None
        _attach(session, settings, user, file, source, batch)
        file.updated_at = file.dataset.updated_at = utcnow()
        if old_copy is not None and old_copy != archiving.archive_path(settings, file):
            batch.to_remove.append(old_copy)

    _archive(session, database, settings, work)


def delete_file(session: Session, settings: Settings, dataset: Dataset, file: DataFile) -> None:
    refuse_if_released(dataset, "deleting files")
    if len(dataset.files) <= 1:
        raise ApiError(
            409,
            "last_file",
            f"{file.file_id} is the last file of {dataset.accession}. To replace it, add "
            "the new file first, then delete this one.",
        )
    copy = archiving.archive_path(settings, file) if file.preupload_path is None else None
    with archiving.LOCK:
        dataset.files.remove(file)
        dataset.updated_at = utcnow()
        session.commit()
        if copy is not None:
            copy.unlink(missing_ok=True)


def change_md5(file: DataFile, md5: str) -> None:
    """A corrected MD5 is compared with the computed one at once."""
    file.md5_declared = md5
    if file.md5_computed is not None:
        archiving.verify(file)
