"""A user's datasets (OMIX submissions) and their data files.

Owner only: another user's accession or file id is answered exactly like one
that does not exist (``404 dataset_not_found``). Reads first settle what a
missed FTP notification or a restart left ``Checking``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Query, Response

from server_stub.api.dataset_schemas import (
    SORT_KEYS,
    DataFileOut,
    DatasetCreate,
    DatasetOut,
    DatasetRow,
    DatasetUpdate,
    FileDiagnosisOut,
    FilesAdd,
    FileUpdate,
    dataset_out,
    dataset_row,
    file_out,
)
from server_stub.api.deps import DatabaseDep, ReleaseWakerDep, SessionDep, SettingsDep, UserDep
from server_stub.api.responses import SIGNED_IN, errors
from server_stub.archive import archiving, diagnosis
from server_stub.datasets import service
from server_stub.datasets.validation import Problems
from server_stub.errors import ApiError
from server_stub.models import FileStatus, utcnow
from server_stub.text_rules import SingleLine

router = APIRouter(prefix="/datasets", tags=["datasets"], responses=SIGNED_IN)


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
    return dataset_out(service.owned_dataset(session, user, dataset.accession or ""))


@router.get("/{accession}", response_model=DatasetOut, responses=errors(404))
def read(
    accession: SingleLine,
    user: UserDep,
    session: SessionDep,
    database: DatabaseDep,
    settings: SettingsDep,
) -> DatasetOut:
    archiving.refresh_pending(database, settings, user.id)
    return dataset_out(service.owned_dataset(session, user, accession))


@router.patch("/{accession}", response_model=DatasetOut, responses=errors(404, 409))
def update(
    accession: SingleLine,
    body: DatasetUpdate,
    user: UserDep,
    session: SessionDep,
    background: BackgroundTasks,
    waker: ReleaseWakerDep,
) -> DatasetOut:
    """Edit basic information until release; afterwards only the MOST number.

    An earlier release date is an early release: the scheduler is woken once
    the change is committed (after the response), so a curated dataset is
    published within moments instead of at the next periodic pass.
    """
    dataset = service.owned_dataset(session, user, accession)
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
        background.add_task(waker.wake)
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
    dataset = service.owned_dataset(session, user, accession)
    service.add_more(session, database, settings, user, dataset, list(body.files))
    return dataset_out(service.owned_dataset(session, user, accession))


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
    dataset = service.owned_dataset(session, user, accession)
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
    dataset = service.owned_dataset(session, user, accession)
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
    dataset = service.owned_dataset(session, user, accession)
    file = service.find_file(dataset, file_id)
    state: Literal["uploading", "complete", "incomplete", "absent"] | None = None
    received = None
    if file.preupload_path is not None and file.status == FileStatus.CHECKING:
        received = diagnosis.last_received(settings, user.id, file.preupload_path)
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
        message = diagnosis.checking_message(file) or ""
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
