"""Organism hints and data types: the bundled lists and their endpoints."""

from __future__ import annotations

import requests

from omix_wire import reference
from tests.support.server import ServerProcess


def test_bundled_organism_list_is_large_unique_and_has_the_usual_species() -> None:
    organisms = reference.organisms()
    assert len(organisms) >= 400
    names = [organism.name.casefold() for organism in organisms]
    ids = [organism.tax_id for organism in organisms]
    assert len(set(names)) == len(names)
    assert len(set(ids)) == len(ids)
    expected = {
        "Homo sapiens": 9606,
        "Mus musculus": 10090,
        "Oryza sativa": 4530,
        "Arabidopsis thaliana": 3702,
        "Zea mays": 4577,
        "Danio rerio": 7955,
        "Escherichia coli": 562,
        "Saccharomyces cerevisiae": 4932,
        "Drosophila melanogaster": 7227,
        "Severe acute respiratory syndrome coronavirus 2": 2697049,
    }
    for name, tax_id in expected.items():
        found = reference.find_organism(name)
        assert found is not None and found.tax_id == tax_id, name


def test_organism_lookup_ignores_case_and_spacing_and_knows_mixed_sample() -> None:
    assert reference.find_organism("  homo   SAPIENS ") == reference.Organism("Homo sapiens", 9606)
    assert reference.find_organism("Mixed Sample") == reference.Organism("mixed sample", None)
    assert reference.find_organism("Homo sapien") is None


def test_search_puts_name_prefixes_before_word_prefixes() -> None:
    names = [organism.name for organism in reference.search_organisms("ory", limit=50)]
    assert names[0] == "Oryza sativa"
    assert "Oryctolagus cuniculus" in names
    assert "Aspergillus oryzae" in names  # a later word starts with "ory"
    assert names.index("Oryctolagus cuniculus") < names.index("Aspergillus oryzae")


def test_organism_endpoint_searches_prefixes_case_insensitively(server: ServerProcess) -> None:
    response = requests.get(f"{server.api}/reference/organisms", params={"q": "ORY"}, timeout=10)
    assert response.status_code == 200
    hits = response.json()
    assert {"name": "Oryza sativa", "tax_id": 4530} in hits
    sapiens = requests.get(
        f"{server.api}/reference/organisms", params={"q": "sapiens"}, timeout=10
    ).json()
    assert sapiens[0] == {"name": "Homo sapiens", "tax_id": 9606}
    mixed = requests.get(f"{server.api}/reference/organisms", params={"q": "mix"}, timeout=10)
    assert {"name": "mixed sample", "tax_id": None} in mixed.json()


def test_organism_endpoint_needs_three_letters(server: ServerProcess) -> None:
    for query in ("", "o", "or", "  or  "):
        response = requests.get(
            f"{server.api}/reference/organisms", params={"q": query}, timeout=10
        )
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "query_too_short"
        assert error["field"] == "q"
        assert error["params"]["minimum"] == 3


def test_organism_endpoint_honours_the_limit(server: ServerProcess) -> None:
    response = requests.get(
        f"{server.api}/reference/organisms", params={"q": "bac", "limit": 3}, timeout=10
    )
    assert response.status_code == 200
    assert len(response.json()) == 3
    too_many = requests.get(
        f"{server.api}/reference/organisms", params={"q": "bac", "limit": 100000}, timeout=10
    )
    assert too_many.status_code == 422


def test_data_types_endpoint_lists_types_with_subtypes(server: ServerProcess) -> None:
    response = requests.get(f"{server.api}/reference/data-types", timeout=10)
    assert response.status_code == 200
    types = {entry["name"]: entry["subtypes"] for entry in response.json()}
    for name in ("Transcriptome", "Proteome", "Metabolome", "Epigenome", "Genome", "Other"):
        assert types[name], name
    assert "Untargeted LC-MS" in types["Metabolome"]
    assert "Gene expression matrix" in types["Transcriptome"]
