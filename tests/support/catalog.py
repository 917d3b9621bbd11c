"""Released datasets written straight into a server's database.

For the public side's tests, the screenshots and the search benchmark: they
need many released datasets with known words, dates and sizes, faster and
more precisely than the submission workflow can make them. The rows are the
ones release produces (``released_at`` set, files archived, open files in the
public store), so the pages and the API see ordinary released data.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from server_stub.config import Settings
from server_stub.db import Database
from server_stub.models import (
    Access,
    BioProject,
    CurationStatus,
    DataFile,
    Dataset,
    FileSource,
    FileStatus,
    User,
)
from server_stub.security import hash_password

DEFAULT_PASSWORD = "correct-horse-battery"


@dataclass
class FileSpec:
    title: str
    suffix: str = ".txt"
    data_type: str = "Gene expression"
    samples: int = 1
    size: int | None = None
    """Declared size when ``content`` is not given (no bytes are written then)."""
    content: bytes | None = None


@dataclass
class DatasetSpec:
    title: str
    description: str = "A dataset."
    organism: str = "Homo sapiens"
    tax_id: int | None = 9606
    data_type: str = "Transcriptome"
    data_subtype: str = "RNA-seq expression matrix"
    access: str = Access.OPEN
    released_at: datetime | None = field(default_factory=lambda: datetime.now(UTC))
    """``None`` leaves the dataset unreleased (archived, curated)."""
    files: Sequence[FileSpec] = ()
    accession: str | None = None
    bioproject: str | None = None
    curation_status: str | None = None


def database_url(settings_or_dir: Settings | Path, database_url: str | None = None) -> str:
    if isinstance(settings_or_dir, Settings):
        return settings_or_dir.sqlalchemy_url
    return Settings(data_dir=settings_or_dir, database_url=database_url).sqlalchemy_url


@contextmanager
def open_database(url: str) -> Iterator[Database]:
    database = Database(url)
    try:
        yield database
    finally:
        database.dispose()


def owner(
    database: Database,
    email: str = "submitter@example.org",
    curator: bool = False,
    name: tuple[str, str] = ("Sisi", "Zhang"),
) -> int:
    """An account (made if missing) that owns seeded datasets; returns its id."""
    with database.session() as session:
        user = session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(
                email=email,
                password_hash=hash_password(DEFAULT_PASSWORD),
                first_name=name[0],
                last_name=name[1],
                street_address="1 Beichen West Road",
                city="Beijing",
                postal_code="100101",
                country_region="China",
                organization="Beijing Institute of Genomics",
                department="NGDC",
                is_curator=curator,
            )
            session.add(user)
            session.flush()
        return user.id


def _next_number(session: object, column: object, prefix: str) -> Iterator[int]:
    highest = session.scalar(select(func.max(column)).where(column.like(f"{prefix}%")))  # type: ignore[attr-defined]
    start = int(highest[len(prefix) :]) + 1 if highest else 1
    return itertools.count(start)


def add_datasets(
    data_dir: Path,
    specs: Iterable[DatasetSpec],
    url: str | None = None,
    email: str = "submitter@example.org",
) -> list[str]:
    """Insert released (or archived) datasets with their files; returns accessions."""
    settings = Settings(data_dir=data_dir, database_url=url)
    accessions = []
    with open_database(settings.sqlalchemy_url) as database:
        user_id = owner(database, email)
        with database.session() as session:
            omix = _next_number(session, Dataset.accession, "OMIX")
            prjca = _next_number(session, BioProject.accession, "PRJCA")
            projects: dict[str, BioProject] = {}
            for spec in specs:
                project_accession = spec.bioproject or f"PRJCA{next(prjca):06d}"
                project = projects.get(project_accession) or session.scalar(
                    select(BioProject).where(BioProject.accession == project_accession)
                )
                if project is None:
                    project = BioProject(
                        accession=project_accession,
                        user_id=user_id,
                        title=f"Project of {spec.title}",
                    )
                    session.add(project)
                projects[project_accession] = project
                accession = spec.accession or f"OMIX{next(omix):06d}"
                dataset = _dataset(spec, accession, user_id, project)
                session.add(dataset)
                for seq, file_spec in enumerate(spec.files, start=1):
                    dataset.files.append(_file(settings, dataset, seq, file_spec))
                dataset.next_file_seq = len(spec.files) + 1
                session.flush()
                accessions.append(accession)
    return accessions


def _dataset(spec: DatasetSpec, accession: str, user_id: int, project: BioProject) -> Dataset:
    released = spec.released_at
    submitted = (released or datetime.now(UTC)) - timedelta(days=30)
    if spec.curation_status:
        status = spec.curation_status
    else:
        status = CurationStatus.RELEASED if released else CurationStatus.CURATED
    return Dataset(
        accession=accession,
        user_id=user_id,
        title=spec.title,
        description=spec.description,
        organism=spec.organism,
        tax_id=spec.tax_id,
        data_type=spec.data_type,
        data_subtype=spec.data_subtype,
        access=spec.access,
        bioproject=project,
        release_date=(released or datetime.now(UTC) + timedelta(days=365)).date(),
        terms_accepted_at=submitted,
        submitted_at=submitted,
        updated_at=released or submitted,
        curation_status=status,
        released_at=released,
    )


def _file(settings: Settings, dataset: Dataset, seq: int, spec: FileSpec) -> DataFile:
    file_id = f"{dataset.accession}-{seq:02d}"
    suffix = spec.suffix if not spec.suffix or spec.suffix.startswith(".") else f".{spec.suffix}"
    stored_name = f"{file_id}{suffix}"
    md5 = hashlib.md5(spec.content or b"").hexdigest()
    size = len(spec.content) if spec.content is not None else (spec.size or 0)
    if spec.content is not None:
        archive = settings.archive_root / str(dataset.accession)
        archive.mkdir(parents=True, exist_ok=True)
        (archive / stored_name).write_bytes(spec.content)
        if dataset.released_at is not None and dataset.access == Access.OPEN:
            public = settings.public_root / "OMIX" / str(dataset.accession)
            public.mkdir(parents=True, exist_ok=True)
            (public / stored_name).write_bytes(spec.content)
            (public / f"{stored_name}.md5").write_text(f"{md5}  {stored_name}\n")
    return DataFile(
        seq=seq,
        file_id=file_id,
        title=spec.title,
        samples=spec.samples,
        data_type=spec.data_type,
        original_name=f"{spec.title}{suffix}",
        suffix=suffix,
        size=size,
        md5_declared=md5,
        md5_computed=md5,
        status=FileStatus.ARCHIVED,
        source=FileSource.HTTP,
        stored_name=stored_name,
    )


def release_day(day: date, hour: int = 8) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def demo_specs() -> list[DatasetSpec]:
    """A small, realistic catalog (after the user guide's examples) for pages
    and screenshots: open and controlled data, several organisms and types."""
    readme = b"CMAISE RNA-seq expression matrix\nColumns: gene, sample...\n" * 40
    return [
        DatasetSpec(
            title="CMAISE-V1.0_RNA-seq_expressionMatrix",
            description=(
                "RNA-seq expression matrices (FPKM and counts) of 1089 lung cancer samples "
                "and 380 single-cell libraries, with the StringTie parameters used."
            ),
            data_type="Transcriptome",
            data_subtype="Non-coding RNA Profiling by NGS",
            released_at=datetime(2024, 7, 11, 15, 49, tzinfo=UTC),
            bioproject="PRJCA006118",
            files=[
                FileSpec(
                    "LCgenes_fpkm1089",
                    ".txt",
                    "Non-coding RNA Profiling by NGS",
                    1089,
                    size=584_352_058,
                ),
                FileSpec(
                    "LC_COUNT1089",
                    ".csv",
                    "Non-coding RNA Profiling by NGS",
                    1089,
                    size=183_715_710,
                ),
                FileSpec(
                    "stringTieParameter", ".docx", "Non-coding RNA Profiling by NGS", 1, size=11_069
                ),
                FileSpec(
                    "Readmefile", ".txt", "Non-coding RNA Profiling by NGS", 1, content=readme
                ),
            ],
        ),
        DatasetSpec(
            title="methylation data in TB and lung cancer",
            description="Whole-genome bisulfite sequencing of tuberculosis and lung cancer.",
            data_type="Epigenome",
            data_subtype="DNA methylation",
            access=Access.CONTROLLED,
            released_at=datetime(2022, 12, 2, 9, tzinfo=UTC),
            files=[FileSpec("methylation_calls", ".bed.gz", "Methylation", 48, size=2_331_204_551)],
        ),
        DatasetSpec(
            title="Rice drought-stress leaf proteome",
            description="Label-free quantitative proteomics of Oryza sativa leaves under drought.",
            organism="Oryza sativa",
            tax_id=4530,
            data_type="Proteome",
            data_subtype="Mass spectrometry",
            released_at=datetime(2024, 3, 5, 9, tzinfo=UTC),
            files=[
                FileSpec("raw_spectra", ".tar.gz", "Mass spectrometry", 24, size=7_730_941_132),
                FileSpec("protein_quant", ".xlsx", "Quantification", 24, content=b"q" * 5120),
            ],
        ),
        DatasetSpec(
            title="Zebrafish heart regeneration single-cell atlas",
            description="Single-cell RNA-seq of regenerating zebrafish ventricles, 0-30 dpa.",
            organism="Danio rerio",
            tax_id=7955,
            data_type="Single cell",
            data_subtype="Cell by gene matrix",
            released_at=datetime(2024, 3, 20, 9, tzinfo=UTC),
            files=[FileSpec("matrix", ".h5ad", "Expression matrix", 12, content=b"z" * 70_000)],
        ),
        DatasetSpec(
            title="Arabidopsis root metabolome under salt stress",
            description="Untargeted LC-MS metabolomics of Arabidopsis thaliana roots.",
            organism="Arabidopsis thaliana",
            tax_id=3702,
            data_type="Metabolome",
            data_subtype="LC-MS",
            released_at=datetime(2025, 1, 14, 9, tzinfo=UTC),
            files=[FileSpec("peaks", ".csv", "Metabolite table", 36, size=1_048_576)],
        ),
        DatasetSpec(
            title="HTTP upload test",
            description="A small dataset still waiting for curation.",
            organism="Oryza sativa",
            tax_id=4530,
            data_type="Genotype",
            data_subtype="SNP array",
            released_at=None,
            curation_status=CurationStatus.WAITING,
            files=[FileSpec("genotypes", ".txt", "Genotype", 2, content=b"rs1\tAA\n" * 30)],
        ),
    ]


def add_review_link(
    data_dir: Path, accession: str, url: str | None = None, closed: bool = False
) -> str:
    """A reviewer link row for a dataset (as the owner's "generate link" makes it).

    Returns the token of its address; the row, like the server's, holds its hash only.
    """
    from server_stub.release.models import LinkCloseReason, ReviewLink
    from server_stub.security import new_token

    token, digest = new_token()
    with open_database(database_url(data_dir, url)) as database, database.session() as session:
        dataset = session.scalar(select(Dataset).where(Dataset.accession == accession))
        assert dataset is not None, accession
        link = ReviewLink(dataset_id=dataset.id, token_hash=digest)
        if closed:
            link.closed_at = datetime.now(UTC)
            link.close_reason = LinkCloseReason.OWNER
        session.add(link)
    return token


def publish_file(data_dir: Path, source: Path, size: int, md5: str, title: str) -> tuple[str, str]:
    """A released open dataset holding ``source`` (moved in), as a release leaves it.

    For benchmarks of big downloads: the rows and the archive and public
    folders are written directly, without uploading the file first. Returns
    the accession and the file id.
    """
    settings = Settings(data_dir=data_dir)
    (accession,) = add_datasets(
        data_dir, [DatasetSpec(title=title, files=[FileSpec("big", ".bin", size=1)])]
    )
    file_id = f"{accession}-01"
    name = f"{file_id}.bin"
    archive = settings.archive_root / accession
    archive.mkdir(parents=True, exist_ok=True)
    os.replace(source, archive / name)
    public = settings.public_root / "OMIX" / accession
    public.mkdir(parents=True, exist_ok=True)
    os.link(archive / name, public / name)
    (public / f"{name}.md5").write_text(f"{md5}  {name}\n")
    with open_database(settings.sqlalchemy_url) as database, database.session() as session:
        session.execute(
            update(DataFile)
            .where(DataFile.file_id == file_id)
            .values(size=size, md5_declared=md5, md5_computed=md5)
        )
    return accession, file_id
