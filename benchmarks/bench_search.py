"""Search over 100,000 released datasets: response time at the public API.

Generates the datasets (with files) straight into a fresh server's database,
starts ``omix-server`` on loopback and times ``GET /api/v1/public/datasets``
for a set of queries over keep-alive HTTP, the way a browser page or a
harvester calls it. Prints a table of median and p95 per query.

    python benchmarks/bench_search.py [--datasets 100000] [--repeat 30]
                                      [--database-url postgresql://...]

Target: median under 50 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from sqlalchemy import insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server_stub.config import Settings  # noqa: E402
from server_stub.db import Database  # noqa: E402
from server_stub.migrate import upgrade  # noqa: E402
from server_stub.models import BioProject, DataFile, Dataset, User  # noqa: E402
from server_stub.security import hash_password  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402

ORGANISMS = [
    ("Homo sapiens", 9606, 40),
    ("Mus musculus", 10090, 15),
    ("Oryza sativa", 4530, 6),
    ("Arabidopsis thaliana", 3702, 5),
    ("Danio rerio", 7955, 4),
    ("Sus scrofa", 9823, 3),
    ("Gallus gallus", 9031, 3),
    ("Bos taurus", 9913, 3),
    ("Zea mays", 4577, 3),
    ("Triticum aestivum", 4565, 3),
    ("Escherichia coli", 562, 3),
    ("Saccharomyces cerevisiae", 4932, 2),
    ("Drosophila melanogaster", 7227, 2),
    ("Macaca mulatta", 9544, 2),
    ("mixed sample", None, 6),
]
DATA_TYPES = [
    ("Transcriptome", "RNA-seq expression matrix"),
    ("Genome", "Variant calls"),
    ("Epigenome", "DNA methylation"),
    ("Proteome", "Mass spectrometry"),
    ("Metabolome", "LC-MS"),
    ("Single cell", "Cell by gene matrix"),
    ("Microbiome", "16S amplicon"),
    ("Phenotype", "Clinical data"),
]
WORDS = (
    "lung liver brain heart kidney blood tumour cancer carcinoma adenocarcinoma leukaemia "
    "immune t-cell b-cell macrophage stem organoid embryo development ageing drought salt "
    "stress heat cold infection virus bacteria covid influenza tuberculosis diabetes obesity "
    "cohort longitudinal atlas landscape profiling sequencing expression methylation "
    "chromatin accessibility splicing isoform variant mutation germline somatic population "
    "ancestry evolution domestication yield grain leaf root seed flower fruit muscle fat "
    "milk egg gut microbiota metagenome metabolite lipid protein phosphorylation "
    "ubiquitination peptide antibody vaccine drug response resistance therapy biomarker "
    "prognosis diagnosis screening crispr knockout knockdown overexpression regulation "
    "network pathway signalling circadian sleep memory neuron glia retina skin bone cartilage"
).split()


def weighted_choice(rng: random.Random, items: list[tuple[object, ...]]) -> tuple[object, ...]:
    return rng.choices(items, weights=[item[-1] for item in items])[0]  # type: ignore[list-item]


def zipf_words(rng: random.Random, count: int) -> list[str]:
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(WORDS))]
    return rng.choices(WORDS, weights=weights, k=count)


def generate(url: str, count: int, seed: int = 7) -> None:
    """Insert ``count`` released datasets (1–4 files each) in bulk."""
    rng = random.Random(seed)
    database = Database(url)
    upgrade(database.engine)
    start = datetime(2016, 1, 1, tzinfo=UTC)
    span = (datetime(2026, 1, 1, tzinfo=UTC) - start).total_seconds()
    try:
        with database.session() as session:
            user = User(
                email="bench@example.org",
                password_hash=hash_password("benchmark-password"),
                first_name="Bench",
                last_name="Mark",
                street_address="-",
                city="-",
                postal_code="-",
                country_region="-",
                organization="Benchmark Institute",
                department="-",
            )
            session.add(user)
            session.flush()
            user_id = user.id
            projects = [
                {
                    "accession": f"PRJCA{number:06d}",
                    "user_id": user_id,
                    "title": f"Project {number}",
                    "description": "",
                }
                for number in range(1, count // 5 + 2)
            ]
            session.execute(insert(BioProject), projects)
            first_project = session.query(BioProject.id).order_by(BioProject.id).first()[0]
        batch = 5000
        for offset in range(0, count, batch):
            datasets = []
            files = []
            for number in range(offset + 1, min(count, offset + batch) + 1):
                organism, tax_id, _weight = weighted_choice(rng, ORGANISMS)
                data_type, subtype = rng.choice(DATA_TYPES)
                released = start + timedelta(seconds=rng.random() * span)
                title_words = zipf_words(rng, rng.randint(4, 9))
                title = " ".join(title_words).capitalize() + f" ({data_type.lower()})"
                description = " ".join(zipf_words(rng, rng.randint(20, 60))).capitalize() + "."
                accession = f"OMIX{number:06d}"
                datasets.append(
                    {
                        "id": number,
                        "accession": accession,
                        "user_id": user_id,
                        "title": title,
                        "description": description,
                        "organism": organism,
                        "tax_id": tax_id,
                        "data_type": data_type,
                        "data_subtype": subtype,
                        "access": "controlled" if rng.random() < 0.2 else "open",
                        "bioproject_id": first_project + rng.randrange(len(projects)),
                        "release_date": released.date(),
                        "terms_accepted_at": released - timedelta(days=30),
                        "submitted_at": released - timedelta(days=30),
                        "updated_at": released,
                        "curation_status": "Released",
                        "released_at": released,
                        "next_file_seq": 1,
                    }
                )
                for seq in range(1, rng.randint(1, 4) + 1):
                    files.append(
                        {
                            "dataset_id": number,
                            "seq": seq,
                            "file_id": f"{accession}-{seq:02d}",
                            "title": f"file {seq}",
                            "samples": rng.randint(1, 500),
                            "data_type": data_type,
                            "original_name": f"file{seq}.txt",
                            "suffix": ".txt",
                            "size": int(rng.lognormvariate(18, 2.5)),
                            "md5_declared": "0" * 32,
                            "md5_computed": "0" * 32,
                            "status": "Archived",
                            "source": "ftp",
                            "stored_name": f"{accession}-{seq:02d}.txt",
                        }
                    )
            with database.session() as session:
                session.execute(insert(Dataset), datasets)
                session.execute(insert(DataFile), files)
    finally:
        database.dispose()


QUERIES: list[tuple[str, dict[str, object]]] = [
    ("browse, newest first", {}),
    ("browse, page 50", {"page": 50}),
    ("browse, page 4000 (deep)", {"page": 4000}),
    ("browse, title A→Z", {"sort": "title", "order": "asc"}),
    ("browse, accession Z→A", {"sort": "accession", "order": "desc"}),
    ("q=OMIX012345 (an ID)", {"q": "OMIX012345"}),
    ("q=OMIX0123 (ID prefix)", {"q": "OMIX0123"}),
    ("q=retina (rare word)", {"q": "retina"}),
    ("q=adenocarcinoma lung", {"q": "adenocarcinoma lung"}),
    ("q=crispr knockout neuron", {"q": "crispr knockout neuron"}),
    ("q=oryza (organism)", {"q": "oryza"}),
    ("q=mus musculus, title sort", {"q": "mus musculus", "sort": "title", "order": "asc"}),
    ("q=drought stress root", {"q": "drought stress root"}),
    ("q=cancer (common word)", {"q": "cancer"}),
    ("q=homo sapiens (40 %)", {"q": "homo sapiens"}),
    ("q=lung (most common word)", {"q": "lung"}),
]


def measure(api: str, repeat: int) -> list[tuple[str, int, float, float]]:
    http = requests.Session()
    rows = []
    for label, params in QUERIES:
        url = f"{api}/public/datasets"
        first = http.get(url, params=params, timeout=60)
        first.raise_for_status()
        total = first.json()["total"]
        times = []
        for _ in range(repeat):
            began = time.perf_counter()
            response = http.get(url, params=params, timeout=60)
            times.append((time.perf_counter() - began) * 1000)
            response.raise_for_status()
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        rows.append((label, total, statistics.median(times), p95))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default SQLite)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="omix-bench-") as folder:
        data_dir = Path(folder) / "data"
        data_dir.mkdir()
        settings = Settings(data_dir=data_dir, database_url=args.database_url)
        began = time.perf_counter()
        generate(settings.sqlalchemy_url, args.datasets)
        print(
            f"generated {args.datasets:,} released datasets in {time.perf_counter() - began:.1f} s"
        )
        server = ServerProcess(data_dir=data_dir, database_url=args.database_url).start()
        try:
            rows = measure(server.api, args.repeat)
            began = time.perf_counter()
            requests.get(f"{server.api}/public/statistics", timeout=120).raise_for_status()
            stats_ms = (time.perf_counter() - began) * 1000
        finally:
            server.stop()

    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"\nGET /api/v1/public/datasets, {args.datasets:,} released, {backend}, "
        f"{args.repeat} runs each (page size 20)\n"
    )
    print(f"| {'query':<34} | {'matches':>8} | {'median ms':>9} | {'p95 ms':>7} |")
    print(f"|{'-' * 36}|{'-' * 10}|{'-' * 11}|{'-' * 9}|")
    for label, total, median, p95 in rows:
        print(f"| {label:<34} | {total:>8,} | {median:>9.1f} | {p95:>7.1f} |")
    medians = [row[2] for row in rows]
    overall = statistics.median(medians)
    print(
        f"\nmedian of the per-query medians: {overall:.1f} ms (target < 50 ms); "
        f"slowest median {max(medians):.1f} ms"
    )
    print(f"GET /api/v1/public/statistics (once): {stats_ms:.0f} ms")
    return 0 if overall < 50 else 1


if __name__ == "__main__":
    sys.exit(main())
