"""Public read API: released-data list with search, sort and paging; a dataset
with its files and JSON-LD; statistics. Against a real server on loopback
(SQLite FTS5, or PostgreSQL's GIN index when OMIX_TEST_DATABASE_URL is set)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import delete, update

from server_stub.config import Settings
from server_stub.datasets.search import FTS_TABLE, PG_DOCUMENT, fts5_match, pg_tsquery, query_terms
from server_stub.db import Database
from server_stub.models import Dataset
from tests.conftest import database_for_test
from tests.support.catalog import DatasetSpec, FileSpec, add_datasets
from tests.support.server import ServerProcess


def when(day: int, month: int = 3, year: int = 2024) -> datetime:
    return datetime(year, month, day, 9, tzinfo=UTC)


CMAISE = "CMAISE-V1.0_RNA-seq_expressionMatrix"
METHYLATION = "Methylation data in TB and lung cancer"

SPECS = [
    DatasetSpec(
        title="CMAISE-V1.0_RNA-seq_expressionMatrix",
        description="Lung adenocarcinoma expression profiles of 1089 patients.",
        organism="Homo sapiens",
        data_type="Transcriptome",
        released_at=when(11, 7),
        bioproject="PRJCA006118",
        files=[
            FileSpec("LCgenes_fpkm1089", ".txt", "Gene expression", 1089, content=b"g\t1\n" * 50),
            FileSpec("fragments", ".fragments.tar.gz", "Single cell", 12, size=3 * 1024**3),
        ],
    ),
    DatasetSpec(
        title="Methylation data in TB and lung cancer",
        description="Whole-genome bisulfite sequencing.",
        organism="Homo sapiens",
        data_type="Epigenome",
        access="controlled",
        released_at=when(2, 12, 2022),
        files=[FileSpec("methylation calls", ".bed.gz", "Methylation", 40, size=5000)],
    ),
    DatasetSpec(
        title="Rice drought proteome",
        description="Leaf proteins of Oryza sativa under drought stress.",
        organism="Oryza sativa",
        tax_id=4530,
        data_type="Proteome",
        released_at=when(5),
        files=[FileSpec("spectra", ".mzML", "Mass spectrometry", 6, size=2048)],
    ),
    DatasetSpec(
        title="Zebrafish heart regeneration atlas",
        description="Single-cell RNA-seq of regenerating ventricles.",
        organism="Danio rerio",
        tax_id=7955,
        data_type="Transcriptome",
        released_at=when(20),
        files=[FileSpec("matrix", ".h5", "Expression matrix", 3, size=10_000)],
    ),
    DatasetSpec(
        title="Arabidopsis root metabolome",
        description="Untargeted LC-MS metabolomics of roots.",
        organism="Arabidopsis thaliana",
        tax_id=3702,
        data_type="Metabolome",
        released_at=when(20),
        files=[],
    ),
    DatasetSpec(
        title="Unreleased lung secret",
        description="Still under embargo: nobody may find it.",
        organism="Homo sapiens",
        released_at=None,
        files=[FileSpec("hidden", ".txt", size=10)],
    ),
]


class Catalog:
    def __init__(self, server: ServerProcess, accessions: list[str]) -> None:
        self.server = server
        self.accessions = accessions
        self.by_title = {spec.title: acc for spec, acc in zip(SPECS, accessions, strict=True)}

    def get(self, path: str, **params: Any) -> requests.Response:
        return requests.get(f"{self.server.api}/public{path}", params=params, timeout=30)

    def search(self, **params: Any) -> dict[str, Any]:
        response = self.get("/datasets", **params)
        assert response.status_code == 200, response.text
        return response.json()

    def found(self, **params: Any) -> list[str]:
        return [item["accession"] for item in self.search(**params)["items"]]

    def database(self) -> Database:
        settings = Settings(data_dir=self.server.data_dir, database_url=self.server.database_url)
        return Database(settings.sqlalchemy_url)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalog]:
    """A server of its own, so counts and orders are exactly the seeded ones."""
    with database_for_test() as url:
        data_dir: Path = tmp_path_factory.mktemp("public") / "data"
        server = ServerProcess(data_dir=data_dir, database_url=url).start()
        try:
            yield Catalog(server, add_datasets(data_dir, SPECS, url=url))
        finally:
            server.stop()


def test_list_shows_released_datasets_newest_first(catalog: Catalog) -> None:
    body = catalog.search()
    assert body["total"] == 5
    titles = [item["title"] for item in body["items"]]
    assert "Unreleased lung secret" not in titles
    assert titles[0] == "CMAISE-V1.0_RNA-seq_expressionMatrix"
    assert set(titles[1:3]) == {"Zebrafish heart regeneration atlas", "Arabidopsis root metabolome"}
    assert titles[-1] == "Methylation data in TB and lung cancer"
    first = next(item for item in body["items"] if item["bioproject"] == "PRJCA006118")
    assert first == {
        "accession": catalog.by_title["CMAISE-V1.0_RNA-seq_expressionMatrix"],
        "bioproject": "PRJCA006118",
        "title": "CMAISE-V1.0_RNA-seq_expressionMatrix",
        "organism": "Homo sapiens",
        "access": "open",
        "data_type": "Transcriptome",
        "released_at": "2024-07-11T09:00:00Z",
    }


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        (
            "lung",
            {"CMAISE-V1.0_RNA-seq_expressionMatrix", "Methylation data in TB and lung cancer"},
        ),
        ("LUNG cancer", {"Methylation data in TB and lung cancer"}),
        ("adenocarc", {"CMAISE-V1.0_RNA-seq_expressionMatrix"}),  # description, prefix
        ("oryza", {"Rice drought proteome"}),  # organism
        ("danio rerio", {"Zebrafish heart regeneration atlas"}),
        ("expressionMatrix", {"CMAISE-V1.0_RNA-seq_expressionMatrix"}),
        ("rna-seq", {"CMAISE-V1.0_RNA-seq_expressionMatrix", "Zebrafish heart regeneration atlas"}),
        ("embargo", set()),  # unreleased datasets are never found
        ("zebrafish metabolome", set()),  # every word must match
    ],
)
def test_search_covers_title_description_organism(
    catalog: Catalog, query: str, titles: set[str]
) -> None:
    body = catalog.search(q=query)
    assert {item["title"] for item in body["items"]} == titles
    assert body["total"] == len(titles)


def test_search_by_accession_whole_or_prefix(catalog: Catalog) -> None:
    accession = catalog.by_title["Rice drought proteome"]
    assert catalog.found(q=accession) == [accession]
    assert catalog.found(q=accession.lower()) == [accession]
    assert set(catalog.found(q="OMIX")) == set(catalog.accessions[:5])


@pytest.mark.parametrize(
    "query", ['"', "lung*", "NEAR(lung cancer)", "a AND OR NOT b", "'; drop table", "^-:()", "   "]
)
def test_search_syntax_is_never_an_error(catalog: Catalog, query: str) -> None:
    catalog.search(q=query)


def test_query_words_become_prefix_terms() -> None:
    assert query_terms("CMAISE-V1.0_RNA-seq  lung LUNG") == [
        "cmaise",
        "v1",
        "0",
        "rna",
        "seq",
        "lung",
    ]
    assert fts5_match(["lung", "cancer"]) == '"lung"* "cancer"*'
    assert pg_tsquery(["lung", "cancer"]) == "lung:* & cancer:*"
    assert query_terms("*:&|!()'\"") == []


def test_sort_by_accession_title_and_release_time(catalog: Catalog) -> None:
    released = catalog.accessions[:5]
    assert catalog.found(sort="accession", order="asc") == sorted(released)
    assert catalog.found(sort="accession", order="desc") == sorted(released, reverse=True)
    titles = [item["title"] for item in catalog.search(sort="title", order="asc")["items"]]
    assert titles == sorted(titles)
    times = [item["released_at"] for item in catalog.search(sort="released", order="asc")["items"]]
    assert times == sorted(times)
    assert catalog.get("/datasets", sort="size").status_code == 422


def test_pages_cover_every_dataset_once(catalog: Catalog) -> None:
    seen: list[str] = []
    first = catalog.search(size=2, sort="accession", order="asc")
    assert (first["total"], first["pages"]) == (5, 3)
    for page in range(1, 4):
        seen += catalog.found(size=2, page=page, sort="accession", order="asc")
    assert seen == sorted(catalog.accessions[:5])
    assert catalog.found(size=2, page=4) == []
    assert catalog.get("/datasets", size=1000).status_code == 422
    assert catalog.get("/datasets", page=0).status_code == 422


def test_dataset_detail_lists_files_with_download_and_ftp(catalog: Catalog) -> None:
    accession = catalog.by_title["CMAISE-V1.0_RNA-seq_expressionMatrix"]
    response = catalog.get(f"/datasets/{accession.lower()}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["accession"] == accession
    assert body["bioproject"] == "PRJCA006118"
    assert body["file_count"] == 2
    assert body["total_size"] == 200 + 3 * 1024**3
    assert body["ftp_folder"] == f"/OMIX/{accession}/"
    first, second = body["files"]
    assert first["file_id"] == f"{accession}-01"
    assert first["title"] == "LCgenes_fpkm1089"
    assert first["samples"] == 1089
    assert first["data_type"] == "Gene expression"
    assert first["size"] == 200
    assert first["suffix"] == "txt"
    assert first["download_count"] == 0
    download = f"/api/v1/public/files/{accession}-01/{accession}-01.txt"
    assert first["download_url"].endswith(download)
    assert first["md5_url"] == first["download_url"] + ".md5"
    assert second["download_url"].endswith(f"/{accession}-02/{accession}-02.fragments.tar.gz")
    assert first["ftp_path"] == f"/OMIX/{accession}/{accession}-01.txt"
    assert second["ftp_path"] == f"/OMIX/{accession}/{accession}-02.fragments.tar.gz"
    assert second["suffix"] == "fragments.tar.gz"


def test_controlled_dataset_has_no_public_ftp_path(catalog: Catalog) -> None:
    accession = catalog.by_title["Methylation data in TB and lung cancer"]
    body = catalog.get(f"/datasets/{accession}").json()
    assert body["access"] == "controlled"
    assert body["ftp_folder"] is None
    assert [file["ftp_path"] for file in body["files"]] == [None]
    assert body["files"][0]["open_access"] is False


def test_unreleased_and_unknown_datasets_are_not_found(catalog: Catalog) -> None:
    hidden = catalog.accessions[5]
    for accession in (hidden, "OMIX999999", "nonsense"):
        for path in (f"/datasets/{accession}", f"/datasets/{accession}/jsonld"):
            response = catalog.get(path)
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "dataset_not_found"


def test_jsonld_is_a_schema_org_dataset(catalog: Catalog) -> None:
    accession = catalog.by_title["CMAISE-V1.0_RNA-seq_expressionMatrix"]
    response = catalog.get(f"/datasets/{accession}/jsonld")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    record = response.json()
    assert record == catalog.get(f"/datasets/{accession}").json()["jsonld"]
    assert record["@context"] == "https://schema.org/"
    assert record["@type"] == "Dataset"
    assert record["identifier"] == accession
    assert record["name"] == "CMAISE-V1.0_RNA-seq_expressionMatrix"
    assert record["description"].startswith("Lung adenocarcinoma")
    assert record["datePublished"] == "2024-07-11"
    assert record["dateModified"].startswith("2024-07-11")
    assert record["isPartOf"]["identifier"] == "PRJCA006118"
    assert record["isAccessibleForFree"] is True
    assert "conditionsOfAccess" not in record
    assert record["size"]["value"] == 200 + 3 * 1024**3
    assert record["about"] == {
        "@type": "Taxon",
        "name": "Homo sapiens",
        "identifier": "NCBITaxon:9606",
    }
    text, archive = record["distribution"]
    assert text["@type"] == "DataDownload"
    assert text["contentUrl"].endswith(f"/api/v1/public/files/{accession}-01/{accession}-01.txt")
    assert text["encodingFormat"] == "text/plain"
    assert text["contentSize"] == "200 B"
    assert archive["encodingFormat"] == "application/gzip"


def test_jsonld_of_controlled_dataset_states_the_conditions(catalog: Catalog) -> None:
    accession = catalog.by_title["Methylation data in TB and lung cancer"]
    record = catalog.get(f"/datasets/{accession}/jsonld").json()
    assert record["isAccessibleForFree"] is False
    assert "approves" in record["conditionsOfAccess"]
    assert all("contentUrl" not in entry for entry in record["distribution"])
    assert record["distribution"][0]["contentSize"] == "5000 B"


def test_statistics_by_type_organism_and_month(catalog: Catalog) -> None:
    response = catalog.get("/statistics")
    assert response.status_code == 200
    stats = response.json()
    assert (stats["datasets"], stats["files"]) == (5, 5)
    assert stats["bytes"] == 200 + 3 * 1024**3 + 5000 + 2048 + 10_000
    by_type = {row["key"]: row for row in stats["by_data_type"]}
    assert by_type["Transcriptome"] == {
        "key": "Transcriptome",
        "datasets": 2,
        "files": 3,
        "bytes": 200 + 3 * 1024**3 + 10_000,
    }
    assert by_type["Metabolome"]["bytes"] == 0
    by_organism = {row["key"]: row["datasets"] for row in stats["by_organism"]}
    assert by_organism == {
        "Homo sapiens": 2,
        "Oryza sativa": 1,
        "Danio rerio": 1,
        "Arabidopsis thaliana": 1,
    }
    by_month = [(row["key"], row["datasets"]) for row in stats["by_month"]]
    assert by_month == [("2022-12", 1), ("2024-03", 3), ("2024-07", 1)]
    assert {row["key"]: row["datasets"] for row in stats["by_access"]} == {
        "open": 4,
        "controlled": 1,
    }


def test_search_index_follows_edits_and_deletes(catalog: Catalog) -> None:
    """Insert, update and delete reach the index without any extra step."""
    [accession] = add_datasets(
        catalog.server.data_dir,
        [DatasetSpec(title="Quokka microbiome", released_at=when(1, 1, 2025))],
        url=catalog.server.database_url,
    )
    assert catalog.found(q="quokka") == [accession]
    database = catalog.database()
    try:
        with database.session() as session:
            session.execute(
                update(Dataset)
                .where(Dataset.accession == accession)
                .values(title="Wombat microbiome")
            )
        assert catalog.found(q="quokka") == []
        assert catalog.found(q="wombat") == [accession]
        with database.session() as session:
            session.execute(delete(Dataset).where(Dataset.accession == accession))
        assert catalog.found(q="wombat") == []
    finally:
        database.dispose()


def test_search_uses_the_full_text_index(catalog: Catalog) -> None:
    """The query's expression is the indexed one (else 100,000 rows get scanned)."""
    database = catalog.database()
    try:
        with database.engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("SET enable_seqscan = off")
                document = PG_DOCUMENT.format(t="datasets.")
                plan = connection.exec_driver_sql(
                    f"EXPLAIN SELECT id FROM datasets WHERE released_at IS NOT NULL "
                    f"AND {document} @@ to_tsquery('simple'::regconfig, 'lung:*')"
                ).all()
                assert "ix_datasets_search" in str(plan)
            else:
                plan = connection.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN SELECT rowid FROM {FTS_TABLE} "
                    f"WHERE {FTS_TABLE} MATCH '\"lung\"*'"
                ).all()
                assert "VIRTUAL TABLE INDEX" in str(plan)
    finally:
        database.dispose()
