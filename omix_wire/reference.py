"""Bundled reference lists: organism names (with NCBI tax ids) and data types.

The organism field of a dataset is chosen "from the hint list after at least
three letters"; the server validates against the same list the client
suggests from, so the two cannot disagree. ``mixed sample`` is accepted in
addition to the taxonomy names (a file covering several species).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

MIN_QUERY_LETTERS = 3
"""Hints are offered only once at least this many characters are typed."""

MIXED_SAMPLE = "mixed sample"
HOMO_SAPIENS = "Homo sapiens"
DEFAULT_SEARCH_LIMIT = 20


@dataclass(frozen=True, slots=True)
class Organism:
    name: str
    tax_id: int | None
    """``None`` only for ``mixed sample``."""


@dataclass(frozen=True, slots=True)
class DataType:
    name: str
    subtypes: tuple[str, ...]

    def find_subtype(self, name: str) -> str | None:
        key = _fold(name)
        for subtype in self.subtypes:
            if _fold(subtype) == key:
                return subtype
        return None


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _data_text(name: str) -> str:
    return resources.files("omix_wire").joinpath("data", name).read_text(encoding="utf-8")


@cache
def organisms() -> tuple[Organism, ...]:
    """Every organism of the hint list, in alphabetical order."""
    found: list[Organism] = []
    for line in _data_text("organisms.tsv").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, _, tax_id = line.partition("\t")
        if name == "name" and tax_id == "tax_id":
            continue
        found.append(Organism(name.strip(), int(tax_id)))
    found.sort(key=lambda organism: organism.name.casefold())
    return tuple(found)


@cache
def _organism_index() -> dict[str, Organism]:
    index = {_fold(organism.name): organism for organism in organisms()}
    index[_fold(MIXED_SAMPLE)] = Organism(MIXED_SAMPLE, None)
    return index


def find_organism(name: str) -> Organism | None:
    """The canonical entry for ``name`` (any case, any spacing), or None."""
    return _organism_index().get(_fold(name))


def query_long_enough(query: str) -> bool:
    return len(query.strip()) >= MIN_QUERY_LETTERS


def search_organisms(query: str, limit: int = DEFAULT_SEARCH_LIMIT) -> list[Organism]:
    """Names starting with ``query``, then names with a word starting with it.

    Case-insensitive; ``ory`` finds ``Oryza sativa`` and ``Oryctolagus
    cuniculus``, ``sativa`` finds ``Oryza sativa`` and ``Avena sativa``.
    ``mixed sample`` takes part like any other name.
    """
    key = _fold(query)
    if not key:
        return []
    candidates = (*organisms(), Organism(MIXED_SAMPLE, None))
    starts: list[Organism] = []
    words: list[Organism] = []
    for organism in candidates:
        name = _fold(organism.name)
        if name.startswith(key):
            starts.append(organism)
        elif any(name.startswith(key, index) for index in _word_starts(name)):
            words.append(organism)
    starts.sort(key=lambda organism: (len(organism.name), organism.name.casefold()))
    words.sort(key=lambda organism: organism.name.casefold())
    return (starts + words)[: max(limit, 0)]


def _word_starts(name: str) -> list[int]:
    """Where words begin inside a name: after a space, '-', '(', '.', ',' or '/'."""
    return [index + 1 for index, character in enumerate(name) if character in " -().,/"]


@cache
def data_types() -> tuple[DataType, ...]:
    document = json.loads(_data_text("data_types.json"))
    return tuple(
        DataType(entry["name"], tuple(entry["subtypes"])) for entry in document["data_types"]
    )


def find_data_type(name: str) -> DataType | None:
    key = _fold(name)
    for data_type in data_types():
        if _fold(data_type.name) == key:
            return data_type
    return None


def canonical_file_data_type(name: str) -> str | None:
    """A data file's type: any data type or sub-type of the list, canonically spelled."""
    found = find_data_type(name)
    if found is not None:
        return found.name
    for data_type in data_types():
        subtype = data_type.find_subtype(name)
        if subtype is not None:
            return subtype
    return None
