"""Public read API: released datasets, their files, JSON-LD and statistics.

No sign-in needed; only released datasets are ever visible here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from server_stub.api.deps import SessionDep, SettingsDep
from server_stub.api.responses import errors
from server_stub.datasets import catalog
from server_stub.datasets.search import (
    MAX_PAGE_SIZE,
    SortKey,
    SortOrder,
    Statistics,
    StatisticsCache,
    released_dataset,
    search_released,
)
from server_stub.errors import ApiError
from server_stub.models import Dataset

router = APIRouter(prefix="/public", tags=["public"])


class DatasetSummary(BaseModel):
    accession: str
    bioproject: str | None
    title: str
    organism: str
    access: str
    data_type: str
    released_at: datetime


class DatasetPage(BaseModel):
    items: list[DatasetSummary]
    total: int
    page: int
    size: int
    pages: int
    query: str
    sort: SortKey
    order: SortOrder


class PublicFile(BaseModel):
    file_id: str
    title: str
    samples: int
    data_type: str
    size: int
    suffix: str
    name: str
    md5: str | None
    download_count: int
    download_url: str
    """HTTPS download ``…/files/<file id>/<name>``, ending with the public name so
    ``wget`` saves it under that name; controlled files need a token of an
    approved data user."""
    md5_url: str
    """``download_url + ".md5"``: the md5sum line (``<md5>  <name>``), as on FTP."""
    open_access: bool
    ftp_path: str | None
    """Path on the anonymous FTP endpoint (open access only)."""
    ftp_url: str | None


class DatasetDetail(DatasetSummary):
    description: str
    tax_id: int | None
    data_subtype: str
    release_date: date
    submitted_at: datetime
    updated_at: datetime
    submitter: str | None
    organization: str | None
    most_registration_number: str | None
    file_count: int
    total_size: int
    url: str
    ftp_folder: str | None
    ftp_folder_url: str | None
    files: list[PublicFile]
    jsonld: dict[str, Any]


class StatRowOut(BaseModel):
    key: str
    datasets: int
    files: int
    bytes: int


class StatisticsOut(BaseModel):
    datasets: int
    files: int
    bytes: int
    by_data_type: list[StatRowOut]
    by_organism: list[StatRowOut]
    by_month: list[StatRowOut]
    by_access: list[StatRowOut]


def request_links(request: Request, settings: SettingsDep) -> catalog.Links:
    return catalog.Links.for_request(settings, str(request.base_url))


def load_released(session: SessionDep, accession: str) -> Dataset:
    dataset = released_dataset(session, accession)
    if dataset is None:
        raise ApiError(404, "dataset_not_found", f"No released dataset '{accession}'.")
    return dataset


def statistics_out(stats: Statistics) -> StatisticsOut:
    return StatisticsOut.model_validate(stats, from_attributes=True)


@router.get("/datasets", response_model=DatasetPage)
def list_datasets(
    session: SessionDep,
    q: Annotated[str, Query(max_length=500, description="words to find")] = "",
    sort: SortKey = SortKey.RELEASED,
    order: SortOrder = SortOrder.DESC,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 20,
) -> DatasetPage:
    """Released datasets, newest first by default.

    ``q`` finds datasets whose accession, title, organism or description has
    words starting with every word of ``q``.
    """
    result = search_released(session, q, sort, order, page, size)
    return DatasetPage(
        items=[DatasetSummary.model_validate(catalog.summary(item)) for item in result.items],
        total=result.total,
        page=result.page,
        size=result.size,
        pages=result.pages,
        query=q,
        sort=sort,
        order=order,
    )


@router.get("/datasets/{accession}", response_model=DatasetDetail, responses=errors(404))
def get_dataset(
    accession: str, request: Request, session: SessionDep, settings: SettingsDep
) -> DatasetDetail:
    dataset = load_released(session, accession)
    return DatasetDetail.model_validate(catalog.detail(dataset, request_links(request, settings)))


class JsonLdResponse(JSONResponse):
    media_type = "application/ld+json"


JSONLD_OK: dict[int | str, dict[str, Any]] = {
    200: {"content": {JsonLdResponse.media_type: {"schema": {"type": "object"}}}}
}


@router.get(
    "/datasets/{accession}/jsonld",
    response_class=JsonLdResponse,
    responses=JSONLD_OK | errors(404),
)
def get_jsonld(
    accession: str, request: Request, session: SessionDep, settings: SettingsDep
) -> JsonLdResponse:
    """The schema.org ``Dataset`` record, as ``application/ld+json``."""
    dataset = load_released(session, accession)
    return JsonLdResponse(catalog.jsonld(dataset, request_links(request, settings)))


@router.get("/statistics", response_model=StatisticsOut)
def get_statistics(request: Request, session: SessionDep) -> StatisticsOut:
    """Released datasets, files and bytes by data type, organism, month and access."""
    figures: StatisticsCache = request.app.state.statistics
    return statistics_out(figures.get(session))
