"""Controlled access: data users request, submitters decide.

A signed-in data user asks for a released controlled dataset with a stated
purpose; the dataset's owner lists the requests and approves or rejects each
(with an optional message the requester reads). Only an approved requester
(or the owner) downloads the files, over HTTPS with their bearer token. A
decision can be changed later: rejecting an approved request revokes access.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from server_stub.api.deps import RowIdPath, SessionDep, UserDep
from server_stub.api.responses import SIGNED_IN, errors
from server_stub.datasets.service import owned_dataset
from server_stub.datasets.validation import CodedValueError
from server_stub.errors import ApiError
from server_stub.models import Access, Dataset, User, utcnow
from server_stub.release.models import (
    DECISION_MESSAGE_MAX,
    PURPOSE_MAX,
    AccessRequest,
    AccessRequestStatus,
)
from server_stub.release.rules import withheld_reason
from server_stub.text_rules import MultiLine, SingleLine

router = APIRouter(tags=["controlled access"], responses=SIGNED_IN)

MIN_PURPOSE = 10


class AccessRequestIn(BaseModel):
    purpose: MultiLine = Field(max_length=PURPOSE_MAX)
    """What the data will be used for (at least a sentence)."""

    @field_validator("purpose")
    @classmethod
    def _purpose(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise CodedValueError("required", "State the purpose of use.")
        if len(value) < MIN_PURPOSE:
            raise CodedValueError(
                "too_short", f"Describe the purpose in at least {MIN_PURPOSE} characters."
            )
        return value


class DecisionIn(BaseModel):
    message: MultiLine = Field(default="", max_length=DECISION_MESSAGE_MAX)
    """Optional note to the requester (why rejected, conditions…)."""


class Requester(BaseModel):
    name: str
    email: str
    organization: str
    department: str


class AccessRequestOut(BaseModel):
    id: int
    accession: str
    dataset_title: str
    status: str
    """``pending``, ``approved`` or ``rejected``."""
    purpose: str
    created_at: datetime
    decided_at: datetime | None
    decision_message: str
    requester: Requester | None = None
    """Shown to the dataset's owner only."""


def request_out(row: AccessRequest, for_owner: bool) -> AccessRequestOut:
    user = row.user
    requester = None
    if for_owner:
        requester = Requester(
            name=user.display_name,
            email=user.email,
            organization=user.organization,
            department=user.department,
        )
    return AccessRequestOut(
        id=row.id,
        accession=row.dataset.accession or "",
        dataset_title=row.dataset.title,
        status=row.status,
        purpose=row.purpose,
        created_at=row.created_at,
        decided_at=row.decided_at,
        decision_message=row.decision_message,
        requester=requester,
    )


def released_dataset(session: Session, accession: str) -> Dataset:
    dataset = session.scalar(
        select(Dataset).where(Dataset.accession == accession, Dataset.released_at.is_not(None))
    )
    if dataset is None:
        raise ApiError(404, "dataset_not_found", f"No released dataset '{accession}'.")
    return dataset


def approved(session: Session, dataset: Dataset, user: User) -> bool:
    """Whether the user may download the dataset's controlled files."""
    if dataset.user_id == user.id:
        return True
    row = session.scalar(
        select(AccessRequest.id).where(
            AccessRequest.dataset_id == dataset.id,
            AccessRequest.user_id == user.id,
            AccessRequest.status == AccessRequestStatus.APPROVED,
        )
    )
    return row is not None


@router.post(
    "/public/datasets/{accession}/access-requests",
    status_code=201,
    response_model=AccessRequestOut,
    responses=errors(404, 409),
)
def request_access(
    accession: SingleLine, body: AccessRequestIn, user: UserDep, session: SessionDep
) -> AccessRequestOut:
    """Ask the submitter for access to a released controlled dataset.

    ``409 not_controlled`` (open access: download directly), ``409 own_dataset``,
    ``409 request_exists`` (a pending or approved request is already there),
    ``409 most_registration_missing`` (human genetic resource data not yet
    registered with MOST).
    """
    dataset = released_dataset(session, accession)
    if dataset.access != Access.CONTROLLED:
        raise ApiError(409, "not_controlled", f"{accession} is open access: download it directly.")
    if dataset.user_id == user.id:
        raise ApiError(409, "own_dataset", f"{accession} is yours: you can download it already.")
    if withheld_reason(dataset) == "most_registration_missing":
        raise ApiError(
            409,
            "most_registration_missing",
            f"{accession} cannot be requested yet: its human genetic resource data are not "
            "registered with the Ministry of Science and Technology (MOST).",
        )
    existing = session.scalar(
        select(AccessRequest)
        .where(
            AccessRequest.dataset_id == dataset.id,
            AccessRequest.user_id == user.id,
            AccessRequest.status.in_([AccessRequestStatus.PENDING, AccessRequestStatus.APPROVED]),
        )
        .order_by(AccessRequest.id.desc())
    )
    if existing is not None:
        raise ApiError(
            409,
            "request_exists",
            f"You already have a {existing.status} request for {accession}.",
            request_id=existing.id,
            request_status=existing.status,
        )
    row = AccessRequest(
        dataset_id=dataset.id,
        user_id=user.id,
        purpose=body.purpose,
        status=AccessRequestStatus.PENDING,
        created_at=utcnow(),
        decision_message="",
    )
    session.add(row)
    session.flush()
    session.refresh(row)
    return request_out(row, for_owner=False)


@router.get("/access-requests/mine", response_model=list[AccessRequestOut])
def my_requests(user: UserDep, session: SessionDep) -> list[AccessRequestOut]:
    """The signed-in user's requests with their decisions, newest first."""
    rows = session.scalars(
        select(AccessRequest)
        .where(AccessRequest.user_id == user.id)
        .options(selectinload(AccessRequest.dataset), selectinload(AccessRequest.user))
        .order_by(AccessRequest.id.desc())
    )
    return [request_out(row, for_owner=False) for row in rows]


@router.get(
    "/datasets/{accession}/access-requests",
    response_model=list[AccessRequestOut],
    responses=errors(404),
)
def dataset_requests(
    accession: SingleLine,
    user: UserDep,
    session: SessionDep,
    status: AccessRequestStatus | None = None,
) -> list[AccessRequestOut]:
    """The owner's view of the requests for one dataset (``?status=pending`` to filter)."""
    dataset = owned_dataset(session, user, accession)
    statement = (
        select(AccessRequest)
        .where(AccessRequest.dataset_id == dataset.id)
        .options(selectinload(AccessRequest.dataset), selectinload(AccessRequest.user))
        .order_by(AccessRequest.id.desc())
    )
    if status is not None:
        statement = statement.where(AccessRequest.status == status)
    return [request_out(row, for_owner=True) for row in session.scalars(statement)]


def _decide(
    session: Session,
    user: User,
    accession: str,
    request_id: int,
    status: AccessRequestStatus,
    message: str,
) -> AccessRequestOut:
    dataset = owned_dataset(session, user, accession)
    row = session.scalar(
        select(AccessRequest).where(
            AccessRequest.id == request_id, AccessRequest.dataset_id == dataset.id
        )
    )
    if row is None:
        raise ApiError(
            404,
            "access_request_not_found",
            f"No access request {request_id} for {accession}.",
        )
    row.status = status
    row.decided_at = utcnow()
    row.decision_message = message.strip()
    session.flush()
    return request_out(row, for_owner=True)


@router.post(
    "/datasets/{accession}/access-requests/{request_id}/approve",
    response_model=AccessRequestOut,
    responses=errors(404),
)
def approve(
    accession: SingleLine,
    request_id: RowIdPath,
    user: UserDep,
    session: SessionDep,
    body: DecisionIn | None = None,
) -> AccessRequestOut:
    """Grant access: the requester can download the files with their token."""
    message = body.message if body else ""
    return _decide(session, user, accession, request_id, AccessRequestStatus.APPROVED, message)


@router.post(
    "/datasets/{accession}/access-requests/{request_id}/reject",
    response_model=AccessRequestOut,
    responses=errors(404),
)
def reject(
    accession: SingleLine,
    request_id: RowIdPath,
    user: UserDep,
    session: SessionDep,
    body: DecisionIn | None = None,
) -> AccessRequestOut:
    """Refuse (or revoke) access; the message tells the requester why."""
    message = body.message if body else ""
    return _decide(session, user, accession, request_id, AccessRequestStatus.REJECTED, message)
