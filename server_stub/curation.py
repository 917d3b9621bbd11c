"""Curation: a curator approves a dataset for release or returns it to its submitter."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from server_stub.datasets.service import dataset_by_accession
from server_stub.errors import ApiError
from server_stub.models import CurationStatus, Dataset, DatasetStatus, User

log = logging.getLogger(__name__)

CURATION_MESSAGE_MAX = 4000


def curation_queue(session: Session) -> list[Dataset]:
    """Datasets waiting for a curator, oldest submission first."""
    statement = (
        select(Dataset)
        .where(Dataset.curation_status == CurationStatus.WAITING, Dataset.released_at.is_(None))
        .options(selectinload(Dataset.files), selectinload(Dataset.user))
        .order_by(Dataset.submitted_at, Dataset.id)
    )
    return list(session.scalars(statement))


def _refuse_released(dataset: Dataset) -> None:
    if dataset.released_at is not None:
        raise ApiError(409, "already_released", f"{dataset.accession} is already released.", None)


def approve(session: Session, accession: str, curator: User) -> Dataset:
    """Curated: the dataset releases on its release date (once archived)."""
    if not curator.is_curator:
        raise ApiError(403, "curator_only", "Only curators may do this.")
    dataset = dataset_by_accession(session, accession)
    _refuse_released(dataset)
    if dataset.status != DatasetStatus.ARCHIVED:
        raise ApiError(
            409,
            "files_not_archived",
            f"{accession} cannot be approved before every file is archived "
            f"(status {dataset.status}).",
            dataset_status=str(dataset.status),
        )
    dataset.curation_status = CurationStatus.CURATED
    dataset.curation_message = ""
    session.flush()
    log.info("%s approved by curator %s", accession, curator.email)
    return dataset


def return_to_submitter(session: Session, accession: str, curator: User, message: str) -> Dataset:
    """Returned with a message the submitter reads; not released until curated."""
    if not curator.is_curator:
        raise ApiError(403, "curator_only", "Only curators may do this.")
    message = message.strip()
    if not message:
        raise ApiError(422, "required", "Tell the submitter what to change.", "message")
    if len(message) > CURATION_MESSAGE_MAX:
        raise ApiError(
            422, "too_long", "The message is too long.", "message", max_length=CURATION_MESSAGE_MAX
        )
    dataset = dataset_by_accession(session, accession)
    _refuse_released(dataset)
    dataset.curation_status = CurationStatus.RETURNED
    dataset.curation_message = message
    session.flush()
    log.info("%s returned by curator %s", accession, curator.email)
    return dataset


def resubmit(session: Session, dataset: Dataset) -> Dataset:
    """The owner sends a returned dataset back to curation (message kept for history)."""
    _refuse_released(dataset)
    if dataset.curation_status != CurationStatus.RETURNED:
        raise ApiError(
            409,
            "not_returned",
            f"{dataset.accession} was not returned by a curator; nothing to resubmit.",
        )
    dataset.curation_status = CurationStatus.WAITING
    session.flush()
    return dataset
