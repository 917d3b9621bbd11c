"""What is due for release and what may be public (pure functions of a dataset)."""

from __future__ import annotations

from datetime import date

from server_stub.models import Access, CurationStatus, Dataset, FileStatus


def withheld_reason(dataset: Dataset) -> str | None:
    """Why a released dataset's files are not downloadable by everyone (or ``None``)."""
    if dataset.access != Access.OPEN:
        return "controlled"
    if dataset.human_genetic_resource and not dataset.most_registration_number.strip():
        return "most_registration_missing"
    return None


def publishable(dataset: Dataset) -> bool:
    """Whether a released dataset's files belong in the public tree."""
    return withheld_reason(dataset) is None


def all_archived(dataset: Dataset) -> bool:
    return bool(dataset.files) and all(f.status == FileStatus.ARCHIVED for f in dataset.files)


def is_due(dataset: Dataset, on: date) -> bool:
    return (
        dataset.released_at is None
        and dataset.release_date <= on
        and dataset.curation_status == CurationStatus.CURATED
        and all_archived(dataset)
    )
