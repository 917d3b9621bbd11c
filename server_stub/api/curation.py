"""Curation: curators approve datasets or return them to the submitter.

``Waiting for Curation`` → ``Curated`` (approve) or ``Returned`` (with a
message the submitter reads in ``curation_message`` of their dataset). Only
a curated dataset is released (on its release date, or at once when curated
after it). The owner of a returned dataset fixes it and resubmits it
(``POST /datasets/{acc}/resubmit``), which puts it back in the queue.
Non-curators get ``403 curator_only``.
"""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from server_stub import curation
from server_stub.api.deps import CuratorDep, ReleaseWakerDep, SessionDep, UserDep
from server_stub.api.responses import errors
from server_stub.datasets.service import owned_dataset
from server_stub.models import Dataset
from server_stub.text_rules import MultiLine, SingleLine

router = APIRouter(tags=["curation"])


class CurationItem(BaseModel):
    accession: str
    title: str
    organism: str
    data_type: str
    data_subtype: str
    access: str
    submitter: str
    submitter_email: str
    organization: str
    submitted_at: datetime
    release_date: date
    status: str
    """Derived from the files: ``Checking`` / ``MD5 Checked Failed`` / ``Archived``."""
    curation_status: str
    curation_message: str
    file_count: int
    total_size: int


class ReturnRequest(BaseModel):
    message: MultiLine = Field(max_length=curation.CURATION_MESSAGE_MAX)
    """What the submitter should change (shown to them with the dataset)."""


def curation_item(dataset: Dataset) -> CurationItem:
    user = dataset.user
    return CurationItem(
        accession=dataset.accession or "",
        title=dataset.title,
        organism=dataset.organism,
        data_type=dataset.data_type,
        data_subtype=dataset.data_subtype,
        access=dataset.access,
        submitter=user.display_name,
        submitter_email=user.email,
        organization=user.organization,
        submitted_at=dataset.submitted_at,
        release_date=dataset.release_date,
        status=str(dataset.status),
        curation_status=dataset.curation_status,
        curation_message=dataset.curation_message,
        file_count=len(dataset.files),
        total_size=sum(file.size or 0 for file in dataset.files),
    )


@router.get("/curation/queue", response_model=list[CurationItem], responses=errors(401, 403))
def queue(curator: CuratorDep, session: SessionDep) -> list[CurationItem]:
    """Datasets waiting for curation, oldest submission first."""
    return [curation_item(dataset) for dataset in curation.curation_queue(session)]


@router.post(
    "/curation/{accession}/approve",
    response_model=CurationItem,
    responses=errors(401, 403, 404, 409),
)
def approve(
    accession: SingleLine, curator: CuratorDep, session: SessionDep, waker: ReleaseWakerDep
) -> CurationItem:
    """``Curated``; only once every file is archived (else ``409 files_not_archived``).

    A dataset whose release date has come is released right after.
    """
    item = curation_item(curation.approve(session, accession, curator))
    session.commit()
    waker.wake()
    return item


@router.post(
    "/curation/{accession}/return",
    response_model=CurationItem,
    responses=errors(401, 403, 404, 409),
)
def return_dataset(
    accession: SingleLine, body: ReturnRequest, curator: CuratorDep, session: SessionDep
) -> CurationItem:
    """``Returned`` with a message for the submitter, who fixes and resubmits it."""
    return curation_item(curation.return_to_submitter(session, accession, curator, body.message))


@router.post(
    "/datasets/{accession}/resubmit",
    response_model=CurationItem,
    responses=errors(401, 404, 409),
)
def resubmit(
    accession: SingleLine, user: UserDep, session: SessionDep, waker: ReleaseWakerDep
) -> CurationItem:
    """The owner sends a returned dataset back to the curators (``409 not_returned`` else)."""
    dataset = owned_dataset(session, user, accession)
    item = curation_item(curation.resubmit(session, dataset))
    session.commit()
    waker.wake()
    return item
