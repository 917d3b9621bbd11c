"""Public pages: the released-data browser, a dataset, the statistics."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from server_stub.api.deps import SessionDep, SettingsDep
from server_stub.datasets import catalog
from server_stub.datasets.search import (
    SortKey,
    SortOrder,
    released_dataset,
    search_released,
)
from server_stub.web.render import gettext, not_found_page, render, url_with

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20

E = TypeVar("E", bound=StrEnum)


@router.get("/")
def home(request: Request) -> RedirectResponse:
    query = request.url.query
    return RedirectResponse("/browse" + (f"?{query}" if query else ""), status_code=307)


def _choice(enum: type[E], value: str | None, default: E) -> E:
    try:
        return enum(value) if value else default
    except ValueError:
        return default


def _positive(value: str | None, default: int, highest: int) -> int:
    try:
        return max(1, min(int(value or default), highest))
    except ValueError:
        return default


@router.get("/browse", response_class=HTMLResponse)
def browse(request: Request, session: SessionDep) -> HTMLResponse:
    params = request.query_params
    query = (params.get("q") or "").strip()[:500]
    sort = _choice(SortKey, params.get("sort"), SortKey.RELEASED)
    order = _choice(SortOrder, params.get("order"), SortOrder.DESC)
    page = _positive(params.get("page"), 1, 1_000_000)
    size = _positive(params.get("size"), PAGE_SIZE, 100)
    result = search_released(session, query, sort, order, page, size)
    _ = gettext(request)
    sort_options = [
        (SortKey.RELEASED.value, _("Release time")),
        (SortKey.ACCESSION.value, _("OMIX ID")),
        (SortKey.TITLE.value, _("Title")),
    ]
    return render(
        request,
        "browse.html",
        nav="browse",
        query=query,
        sort=sort.value,
        order=order.value,
        sort_options=sort_options,
        result=result,
        page_url=lambda number: url_with(request, page=number, lang=None),
    )


@router.get("/datasets/{accession}", response_class=HTMLResponse)
def dataset_page(
    accession: str, request: Request, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    dataset = released_dataset(session, accession)
    if dataset is None:
        return not_found_page(request)
    links = catalog.Links.for_request(settings, str(request.base_url))
    return render(request, "dataset.html", nav="browse", d=catalog.detail(dataset, links))


@router.get("/statistics", response_class=HTMLResponse)
def statistics_page(request: Request, session: SessionDep) -> HTMLResponse:
    stats = request.app.state.statistics.get(session)
    _ = gettext(request)
    tables = [
        ("by-data-type", _("By data type"), stats.by_data_type, _("Data type")),
        ("by-organism", _("By organism"), stats.by_organism, _("Organism")),
        ("by-month", _("By month of release"), stats.by_month, _("Month")),
        ("by-access", _("By data accessibility"), stats.by_access, _("Data accessibility")),
    ]
    return render(request, "statistics.html", nav="statistics", stats=stats, tables=tables)
