"""Reference lists the submission form offers: organism hints and data types.

Public (no sign-in needed): they are the archive's vocabulary, not user data.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from omix_wire import reference
from server_stub.errors import ApiError

router = APIRouter(prefix="/reference", tags=["reference"])


class OrganismOut(BaseModel):
    name: str
    tax_id: int | None
    """NCBI Taxonomy id; ``null`` for ``mixed sample``."""


class DataTypeOut(BaseModel):
    name: str
    subtypes: list[str]


@router.get("/organisms", response_model=list[OrganismOut])
def organisms(
    q: Annotated[str, Query(max_length=200)] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = reference.DEFAULT_SEARCH_LIMIT,
) -> list[OrganismOut]:
    """Names starting with ``q`` (or with a word starting with it), case-insensitive."""
    if not reference.query_long_enough(q):
        raise ApiError(
            422,
            "query_too_short",
            f"Type at least {reference.MIN_QUERY_LETTERS} letters of the organism name.",
            "q",
            minimum=reference.MIN_QUERY_LETTERS,
        )
    return [
        OrganismOut(name=organism.name, tax_id=organism.tax_id)
        for organism in reference.search_organisms(q, limit)
    ]


@router.get("/data-types", response_model=list[DataTypeOut])
def data_types() -> list[DataTypeOut]:
    return [
        DataTypeOut(name=data_type.name, subtypes=list(data_type.subtypes))
        for data_type in reference.data_types()
    ]
