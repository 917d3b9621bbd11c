"""Finding released datasets: full-text search, sorting, paging, statistics.

The full-text index is dialect specific and built by migration ``0004``:

* SQLite: an FTS5 table ``dataset_search`` over ``datasets`` (external
  content, kept in sync by triggers), searched with prefix terms;
* PostgreSQL: a GIN index over a ``tsvector`` expression of the same columns
  (:data:`PG_DOCUMENT`), searched with a prefix ``tsquery``.

Both tokenise the same way (runs of letters and digits, case folded), so a
query finds the same datasets on either backend. Every query word must match
the start of a word of the accession, title, organism or description.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, func, select, text
from sqlalchemy.orm import Session, joinedload, selectinload

from server_stub.models import DataFile, Dataset

FTS_TABLE = "dataset_search"
"""SQLite FTS5 table (and its shadow tables ``dataset_search_*``)."""

SEARCH_INDEXES = frozenset({"ix_datasets_search", "ix_datasets_released_at", "ix_datasets_title"})
"""Indexes of migration 0004 that the models do not declare."""

PG_DOCUMENT = (
    "to_tsvector('simple'::regconfig, regexp_replace("
    "coalesce({t}accession, '') || ' ' || coalesce({t}title, '') || ' ' || "
    "coalesce({t}organism, '') || ' ' || coalesce({t}description, ''), "
    "'[^[:alnum:]]+', ' ', 'g'))"
)
"""The indexed expression on PostgreSQL (``{t}``: table prefix); migration 0004
builds the index from the same text, and queries must repeat it exactly."""

MAX_TERMS = 12
MAX_TERM_LENGTH = 64
MAX_PAGE_SIZE = 100


def include_name(name: str | None, type_: str, _parent_names: Any = None) -> bool:
    """Alembic ``include_name`` hook: leave the search objects out of comparisons."""
    if name is None:
        return True
    if type_ == "table":
        return name != FTS_TABLE and not name.startswith(f"{FTS_TABLE}_")
    if type_ == "index":
        return name not in SEARCH_INDEXES
    return True


def query_terms(query: str | None) -> list[str]:
    """The words of a search box entry: runs of letters and digits, lower case."""
    if not query:
        return []
    words = [word for part in re.findall(r"\w+", query.casefold()) for word in part.split("_")]
    terms: list[str] = []
    for word in words:
        word = word[:MAX_TERM_LENGTH]
        if word and word not in terms:
            terms.append(word)
    return terms[:MAX_TERMS]


def fts5_match(terms: Sequence[str]) -> str:
    """An FTS5 query: every term as a quoted prefix, all required."""
    return " ".join(f'"{term}"*' for term in terms)


def pg_tsquery(terms: Sequence[str]) -> str:
    """A PostgreSQL tsquery: every term as a prefix, all required."""
    return " & ".join(f"{term}:*" for term in terms)


class SortKey(StrEnum):
    RELEASED = "released"
    ACCESSION = "accession"
    TITLE = "title"


class SortOrder(StrEnum):
    ASC = "asc"
    DESC = "desc"


@dataclass(frozen=True, slots=True)
class SearchPage:
    items: list[Dataset]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def released() -> Select[Dataset]:
    return select(Dataset).where(Dataset.released_at.is_not(None))


SMALL_MATCH_SET = 3000
"""Up to this many matches, the matches are sorted; above, the sort index is walked
(many matches: a page fills after a few rows of it)."""
WALK_CHUNK = 1000


def _ordering(sort: SortKey, order: SortOrder) -> tuple[Any, ...]:
    column = {
        SortKey.RELEASED: Dataset.released_at,
        SortKey.ACCESSION: Dataset.accession,
        SortKey.TITLE: Dataset.title,
    }[sort]
    if sort is SortKey.ACCESSION:  # unique: no tie to break
        return (column.desc(),) if order is SortOrder.DESC else (column.asc(),)
    if order is SortOrder.DESC:
        return (column.desc(), Dataset.id.desc())
    return (column.asc(), Dataset.id.asc())


def _released_ids() -> Select[int]:
    return select(Dataset.id).where(Dataset.released_at.is_not(None))


def _page_ids(
    session: Session, terms: Sequence[str], ordering: tuple[Any, ...], offset: int, size: int
) -> tuple[list[int], int]:
    """The ids of one page in order, and how many datasets match in all."""
    ids = _released_ids().order_by(*ordering)
    if not terms:
        total = session.scalar(select(func.count()).select_from(_released_ids().subquery()))
        return list(session.scalars(ids.limit(size).offset(offset))), total or 0

    if session.get_bind().dialect.name == "postgresql":
        document = PG_DOCUMENT.format(t="datasets.")
        condition = text(f"{document} @@ to_tsquery('simple'::regconfig, :tsquery)")
        condition = condition.bindparams(tsquery=pg_tsquery(terms))
        total = session.scalar(
            select(func.count()).select_from(_released_ids().where(condition).subquery())
        )
        if not total or offset >= total:
            return [], total or 0
        if total <= SMALL_MATCH_SET:
            # Few matches (an accession, a rare word): take them from the text
            # index and sort those. Left to itself, the planner walks the sort
            # index and evaluates the text of every row until the page is full:
            # 8.8 s for one accession among 100,000 datasets.
            matches = list(session.scalars(_released_ids().where(condition)))
            page = session.scalars(ids.where(Dataset.id.in_(matches)).limit(size).offset(offset))
            return list(page), total
        page = session.scalars(ids.where(condition).limit(size).offset(offset))
        return list(page), total

    # SQLite: the FTS5 table holds released datasets only, so its matches are
    # the answer; what costs is ordering them. A few are looked up and sorted;
    # many are kept as a set while the sort index is walked until the page is
    # full (a common word fills it after a few dozen rows).
    matched = _fts5_matches(session, fts5_match(terms))
    total = len(matched)
    if total <= SMALL_MATCH_SET or offset >= total:
        if offset >= total:
            return [], total
        page = session.scalars(ids.where(Dataset.id.in_(matched)).limit(size).offset(offset))
        return list(page), total
    found: list[int] = []
    position, chunk = 0, WALK_CHUNK
    while len(found) < offset + size:
        batch = list(session.scalars(ids.limit(chunk).offset(position)))
        found += [dataset_id for dataset_id in batch if dataset_id in matched]
        if len(batch) < chunk:
            break
        position += chunk
        chunk = min(chunk * 2, 32 * WALK_CHUNK)
    return found[offset : offset + size], total


def _fts5_matches(session: Session, match: str) -> set[int]:
    """Every matching dataset id, fetched through the driver: a common word can
    match most of the archive, and per-row result objects would cost more than
    the search itself."""
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?", (match,))
        return {row[0] for row in cursor.fetchall()}
    finally:
        cursor.close()


def search_released(
    session: Session,
    query: str | None = None,
    sort: SortKey = SortKey.RELEASED,
    order: SortOrder = SortOrder.DESC,
    page: int = 1,
    size: int = 20,
) -> SearchPage:
    """One page of released datasets matching ``query``, with the total count.

    Every word of ``query`` must start a word of the accession, title,
    organism or description. The page's ids are found first (index-only
    where possible) and only those rows are loaded.
    """
    size = max(1, min(size, MAX_PAGE_SIZE))
    page = max(1, page)
    ordering = _ordering(sort, order)
    ids, total = _page_ids(session, query_terms(query), ordering, (page - 1) * size, size)
    items: list[Dataset] = []
    if ids:
        statement = (
            select(Dataset).where(Dataset.id.in_(ids)).options(joinedload(Dataset.bioproject))
        )
        rows = {row.id: row for row in session.scalars(statement)}
        items = [rows[dataset_id] for dataset_id in ids if dataset_id in rows]
    return SearchPage(items=items, total=total, page=page, size=size)


def released_dataset(session: Session, accession: str) -> Dataset | None:
    """A released dataset by accession (any case), or ``None``."""
    statement = released().where(Dataset.accession == accession.strip().upper())
    options = (
        joinedload(Dataset.bioproject),
        joinedload(Dataset.user),
        selectinload(Dataset.files),
    )
    return session.scalar(statement.options(*options))


# -- statistics ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatRow:
    key: str
    datasets: int
    files: int
    bytes: int


@dataclass(frozen=True, slots=True)
class Statistics:
    datasets: int
    files: int
    bytes: int
    by_data_type: list[StatRow]
    by_organism: list[StatRow]
    by_month: list[StatRow]
    by_access: list[StatRow]


def _month(session: Session) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", Dataset.released_at), "YYYY-MM")
    return func.strftime("%Y-%m", Dataset.released_at)


class StatisticsCache:
    """The last figures per database, kept by the app (``app.state.statistics``).

    Released data only grow (a release never changes its files), so the
    figures are kept until the number of released datasets or the latest
    release time changes: two index-only lookups instead of a full pass.
    Request handlers run in a thread pool, hence the lock.
    """

    def __init__(self) -> None:
        self._figures: dict[str, tuple[tuple[Any, ...], Statistics]] = {}
        self._lock = threading.Lock()

    def get(self, session: Session) -> Statistics:
        """Released datasets, their files and bytes, grouped several ways."""
        version = tuple(
            session.execute(
                select(func.count(Dataset.id), func.max(Dataset.released_at)).where(
                    Dataset.released_at.is_not(None)
                )
            ).one()
        )
        url = str(session.get_bind().engine.url)
        with self._lock:
            cached = self._figures.get(url)
        if cached is not None and cached[0] == version:
            return cached[1]
        result = _compute_statistics(session)
        with self._lock:
            self._figures[url] = (version, result)
        return result


def _compute_statistics(session: Session) -> Statistics:
    volume = (
        select(
            DataFile.dataset_id.label("dataset_id"),
            func.count(DataFile.id).label("files"),
            func.coalesce(func.sum(DataFile.size), 0).label("bytes"),
        )
        .group_by(DataFile.dataset_id)
        .subquery()
    )
    month = _month(session).label("month")
    statement = (
        select(
            Dataset.data_type,
            Dataset.organism,
            month,
            Dataset.access,
            func.count(Dataset.id),
            func.coalesce(func.sum(volume.c.files), 0),
            func.coalesce(func.sum(volume.c.bytes), 0),
        )
        .select_from(Dataset)
        .outerjoin(volume, volume.c.dataset_id == Dataset.id)
        .where(Dataset.released_at.is_not(None))
        .group_by(Dataset.data_type, Dataset.organism, month, Dataset.access)
    )
    groups: list[dict[str, list[int]]] = [{}, {}, {}, {}]
    for data_type, organism, month_key, access, datasets, files, size in session.execute(statement):
        for grouping, key in zip(groups, (data_type, organism, month_key, access), strict=True):
            totals = grouping.setdefault(str(key or ""), [0, 0, 0])
            totals[0] += int(datasets)
            totals[1] += int(files)
            totals[2] += int(size)

    def rows(grouping: dict[str, list[int]], by_key: bool = False) -> list[StatRow]:
        result = [StatRow(key, *totals) for key, totals in grouping.items()]
        if by_key:
            return sorted(result, key=lambda row: row.key)
        return sorted(result, key=lambda row: (-row.datasets, -row.bytes, row.key))

    by_data_type = rows(groups[0])
    return Statistics(
        datasets=sum(row.datasets for row in by_data_type),
        files=sum(row.files for row in by_data_type),
        bytes=sum(row.bytes for row in by_data_type),
        by_data_type=by_data_type,
        by_organism=rows(groups[1]),
        by_month=rows(groups[2], by_key=True),
        by_access=rows(groups[3]),
    )
