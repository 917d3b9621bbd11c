"""Datasets: create, edit, add and remove files, with the guide's rules.

The HTTP layer (``api/datasets.py``) parses and shapes; this module decides.
Every check that can fail is collected into one answer naming each field at
fault (``files.2.path``, ``organism``, ...), see :mod:`server_stub.datasets.validation`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from omix_wire import reference
from server_stub.archive import archiving
from server_stub.config import Settings
from server_stub.datasets.sources import FileSpec, ResolvedSource, SourceSpec, resolve_sources
from server_stub.datasets.validation import Problems
from server_stub.db import Database
from server_stub.errors import ApiError, not_found
from server_stub.models import (
    BioProject,
    CurationStatus,
    DataFile,
    Dataset,
    FileStatus,
    User,
    utcnow,
)


def dataset_accession(dataset_id: int) -> str:
    return f"OMIX{dataset_id:06d}"


def file_id_for(accession: str, seq: int) -> str:
    return f"{accession}-{seq:02d}"


# --- loading -----------------------------------------------------------------


def owned_dataset(session: Session, user: User, accession: str) -> Dataset:
    """The user's dataset; another user's is reported exactly like a missing one."""
    dataset = session.scalar(
        select(Dataset)
        .where(Dataset.accession == accession, Dataset.user_id == user.id)
        .options(selectinload(Dataset.files))
    )
    if dataset is None:
        raise not_found("dataset", accession)
    return dataset


def dataset_by_accession(session: Session, accession: str) -> Dataset:
    dataset = session.scalar(
        select(Dataset).where(Dataset.accession == accession).options(selectinload(Dataset.files))
    )
    if dataset is None:
        raise ApiError(404, "dataset_not_found", f"No dataset '{accession}'.")
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
    old_copy = archiving.archive_key(file) if file.preupload_path is None else None

    def work(batch: archiving.ArchiveBatch) -> None:
        file.preupload_path = None
        _attach(session, settings, user, file, source, batch)
        file.updated_at = file.dataset.updated_at = utcnow()
        if old_copy is not None and old_copy != archiving.archive_key(file):
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
    copy = archiving.archive_key(file) if file.preupload_path is None else None
    with archiving.LOCK:
        dataset.files.remove(file)
        dataset.updated_at = utcnow()
        session.commit()
        if copy is not None:
            archiving.remove_archived(settings, copy)


def change_md5(file: DataFile, md5: str) -> None:
    """A corrected MD5 is compared with the computed one at once."""
    file.md5_declared = md5
    if file.md5_computed is not None:
        archiving.verify(file)
