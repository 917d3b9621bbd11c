"""Reviewer links: a temporary public preview of an unreleased dataset's metadata.

The token in a link's address is a bearer secret like an API token, and is
kept the same way: only its SHA-256 is stored (:func:`security.token_digest`),
so a copy of the database (a backup, a leaked dump) opens no preview. The
consequence is that the address exists only in the answer that made it: the
owner can see that a link is open and since when, but to get an address
again they generate a new link, which closes the open one (``replaced``).
Release closes every link (``released``), the owner can close it
(``owner``). Migration ``0005`` hashed the tokens stored before.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from server_stub.errors import ApiError
from server_stub.models import Dataset, utcnow
from server_stub.release.models import LinkCloseReason, ReviewLink
from server_stub.release.releasing import close_review_links
from server_stub.release.rules import all_archived
from server_stub.security import new_token, token_digest

TOKEN_MAX = 64
"""Longer than any token we make: refused before hashing or querying."""


def current_review_link(session: Session, dataset: Dataset) -> ReviewLink | None:
    """The dataset's open link, if any (there is at most one)."""
    return session.scalar(
        select(ReviewLink)
        .where(ReviewLink.dataset_id == dataset.id, ReviewLink.closed_at.is_(None))
        .order_by(ReviewLink.id.desc())
    )


def new_review_link(session: Session, dataset: Dataset) -> tuple[ReviewLink, str, bool]:
    """A new link, closing the open one: ``(link, token, replaced)``.

    The token is returned once, here, for the answer to show; the row keeps
    its hash only.
    """
    if dataset.released_at is not None:
        raise ApiError(409, "already_released", f"{dataset.accession} is already released.", None)
    if not all_archived(dataset):
        raise ApiError(
            409,
            "files_not_archived",
            "A reviewer link can be generated once every file of the dataset is archived.",
            dataset_status=str(dataset.status),
        )
    replaced = close_review_links(session, dataset.id, LinkCloseReason.REPLACED) > 0
    token, digest = new_token()
    link = ReviewLink(dataset_id=dataset.id, token_hash=digest, created_at=utcnow())
    session.add(link)
    session.flush()
    return link, token, replaced


def close_review_link(session: Session, dataset: Dataset) -> bool:
    return close_review_links(session, dataset.id, LinkCloseReason.OWNER) > 0


def review_link(session: Session, token: str, *options: Any) -> ReviewLink | None:
    """The link whose address carries ``token`` (open or closed), found by its hash."""
    if not token or len(token) > TOKEN_MAX:
        return None
    query = select(ReviewLink).where(ReviewLink.token_hash == token_digest(token))
    return session.scalar(query.options(*options))


def dataset_for_review_token(session: Session, token: str) -> tuple[Dataset | None, bool]:
    """``(dataset, closed)`` for a reviewer link; ``(None, False)`` when unknown.

    A link of a released dataset counts as closed even if the release has not
    closed it yet (so a preview never outlives the release).
    """
    link = review_link(session, token)
    if link is None:
        return None, False
    dataset = session.scalar(
        select(Dataset)
        .where(Dataset.id == link.dataset_id)
        .options(
            selectinload(Dataset.files),
            selectinload(Dataset.user),
            selectinload(Dataset.bioproject),
        )
    )
    if dataset is None:
        return None, False
    closed = link.closed_at is not None or dataset.released_at is not None
    return dataset, closed
