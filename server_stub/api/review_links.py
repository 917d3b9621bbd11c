"""Reviewer links: a temporary, unguessable preview of an unreleased dataset.

The owner generates one once every file is archived; anyone holding it sees
the metadata and the file list (names, sizes, types), never a download
address. The owner closes it, and the release closes it automatically.
The web page of a link is ``/review/{token}``; the same data is served by
``GET /api/v1/review/{token}``.

The server keeps only a hash of the token (:mod:`server_stub.review_links`),
so the address is in the answer of ``POST`` alone; ``GET`` tells whether a
link is open and since when, and a new ``POST`` replaces the open link.
"""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from server_stub import review_links
from server_stub.api.deps import SessionDep, SettingsDep, UserDep
from server_stub.api.responses import errors
from server_stub.config import Settings
from server_stub.datasets import catalog
from server_stub.datasets.service import owned_dataset
from server_stub.errors import ApiError
from server_stub.release.models import ReviewLink

router = APIRouter(tags=["reviewer links"])


class ReviewLinkState(BaseModel):
    """A reviewer link as the owner sees it later: whether it is open, and since when.

    No address: the server does not keep the token, only its hash.
    """

    accession: str
    open: bool
    created_at: datetime
    closed_at: datetime | None
    close_reason: str | None
    """``owner``, ``released`` or ``replaced`` once closed."""


class ReviewLinkOut(ReviewLinkState):
    """A link just generated: the only answer that carries its address."""

    token: str
    url: str
    """The preview page to send to reviewers."""
    api_url: str
    replaced: bool
    """An open link was closed to make this one (its address stopped working)."""


class PreviewFile(BaseModel):
    file_id: str
    name: str
    title: str
    samples: int
    data_type: str
    size: int
    suffix: str


class PreviewOut(BaseModel):
    """What a reviewer sees: metadata and files, no download address."""

    accession: str
    bioproject: str | None
    title: str
    description: str
    organism: str
    tax_id: int | None
    data_type: str
    data_subtype: str
    access: str
    release_date: date
    submitted_at: datetime
    updated_at: datetime
    submitter: str | None
    organization: str | None
    most_registration_number: str | None
    file_count: int
    total_size: int
    files: list[PreviewFile]


def _base_url(settings: Settings, request: Request) -> str:
    return (settings.public_base_url or str(request.base_url)).rstrip("/")


def link_state(link: ReviewLink, accession: str) -> ReviewLinkState:
    return ReviewLinkState(
        accession=accession,
        open=link.closed_at is None,
        created_at=link.created_at,
        closed_at=link.closed_at,
        close_reason=link.close_reason,
    )


def link_out(
    link: ReviewLink,
    token: str,
    accession: str,
    replaced: bool,
    settings: Settings,
    request: Request,
) -> ReviewLinkOut:
    base = _base_url(settings, request)
    return ReviewLinkOut(
        **link_state(link, accession).model_dump(),
        token=token,
        url=f"{base}/review/{token}",
        api_url=f"{base}/api/v1/review/{token}",
        replaced=replaced,
    )


def _no_link(accession: str) -> ApiError:
    return ApiError(
        404, "review_link_not_found", f"{accession} has no open reviewer link; generate one first."
    )


@router.post(
    "/datasets/{accession}/review-link",
    response_model=ReviewLinkOut,
    status_code=201,
    responses=errors(401, 404, 409),
)
def generate(
    accession: str,
    request: Request,
    user: UserDep,
    session: SessionDep,
    settings: SettingsDep,
) -> ReviewLinkOut:
    """Generate a reviewer link; the answer is the only one that carries its address.

    An open link is closed (``replaced``) and a new one made: its address
    cannot be shown again. ``409 files_not_archived`` until every file is
    archived, ``409 already_released`` after release.
    """
    dataset = owned_dataset(session, user, accession)
    link, token, replaced = review_links.new_review_link(session, dataset)
    return link_out(link, token, accession, replaced, settings, request)


@router.get(
    "/datasets/{accession}/review-link",
    response_model=ReviewLinkState,
    responses=errors(401, 404),
)
def current(accession: str, user: UserDep, session: SessionDep) -> ReviewLinkState:
    """Whether a reviewer link is open and since when, or ``404 review_link_not_found``.

    Never the address (only its hash is kept): generate a new link for one.
    """
    dataset = owned_dataset(session, user, accession)
    link = review_links.current_review_link(session, dataset)
    if link is None:
        raise _no_link(accession)
    return link_state(link, accession)


@router.delete("/datasets/{accession}/review-link", status_code=204, responses=errors(401, 404))
def close(accession: str, user: UserDep, session: SessionDep) -> Response:
    """Close the open reviewer link: its page then says it is closed."""
    dataset = owned_dataset(session, user, accession)
    if not review_links.close_review_link(session, dataset):
        raise _no_link(accession)
    return Response(status_code=204)


@router.get("/review/{token}", response_model=PreviewOut, responses=errors(404, 410))
def preview(token: str, session: SessionDep) -> PreviewOut:
    """The reviewer's view; ``404 review_link_not_found`` or ``410 review_link_closed``."""
    dataset, closed = review_links.dataset_for_review_token(session, token)
    if dataset is None:
        raise ApiError(
            404,
            "review_link_not_found",
            "This reviewer link does not exist; check that the whole address was copied.",
        )
    if closed:
        raise ApiError(
            410,
            "review_link_closed",
            "This reviewer link is closed: the owner closed it or the dataset was released.",
        )
    data = catalog.preview(dataset)
    files = [
        PreviewFile(name=catalog.public_name(file), **row)
        for file, row in zip(dataset.files, data["files"], strict=True)
    ]
    return PreviewOut.model_validate({**data, "files": files})
