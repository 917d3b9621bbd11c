"""One node against two on the same machine, and search over 100,000 datasets, on PostgreSQL.

Generates released datasets straight into a fresh PostgreSQL database
(``bench_search.generate``), then runs the same mixed load twice: against
one ``omix-server`` node, and spread over two nodes on the same database and
shared folders. The mixed load is browse (``/browse`` page and the
``/api/v1/public/datasets`` list), search (``?q=…``) and dataset pages
(``/datasets/OMIX…`` and its API) from client threads with keep-alive;
then small-file uploads over FTP (4 KiB files, one connection per client).
Last, the search queries of ``bench_search.py`` are timed one at a time
(median, target < 50 ms). Prints tables.

    bash scripts/with-postgres.sh .venv/bin/python benchmarks/bench_site.py \\
        [--datasets 100000] [--seconds 20] [--clients 8] [--repeat 20]

On a 2-core machine two nodes cannot beat one by much (the clients, both
nodes and PostgreSQL share the cores): the table shows what a second node
costs or gains here, not what it does on a second machine.
"""

from __future__ import annotations

import argparse
import ftplib
import io
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_search import generate, measure  # noqa: E402

from tests.support.accounts import new_user  # noqa: E402
from tests.support.postgres import fresh_database  # noqa: E402
from tests.support.server import HOST, ServerProcess  # noqa: E402

WORDS = ["retina", "lung", "cancer", "drought", "oryza", "neuron", "homo sapiens", "root"]


@dataclass
class Tally:
    times: list[float] = field(default_factory=list)
    errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float) -> None:
        with self.lock:
            self.times.append(seconds)

    def fail(self) -> None:
        with self.lock:
            self.errors += 1


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] if ordered else 0.0


def accessions(api: str, count: int = 200) -> list[str]:
    found: list[str] = []
    page = 1
    while len(found) < count:
        rows = requests.get(f"{api}/public/datasets", params={"page": page}, timeout=60).json()
        items = rows.get("items") or rows.get("datasets") or []
        if not items:
            break
        found += [item["accession"] for item in items]
        page += 1
    return found[:count]


def mixed_request(
    http: requests.Session, node: ServerProcess, rng: random.Random, known: list[str]
) -> int:
    pick = rng.random()
    if pick < 0.25:
        response = http.get(f"{node.url}/browse", params={"page": rng.randint(1, 50)}, timeout=60)
    elif pick < 0.45:
        response = http.get(
            f"{node.api}/public/datasets", params={"page": rng.randint(1, 50)}, timeout=60
        )
    elif pick < 0.70:
        response = http.get(
            f"{node.api}/public/datasets", params={"q": rng.choice(WORDS)}, timeout=60
        )
    elif pick < 0.85:
        response = http.get(f"{node.url}/datasets/{rng.choice(known)}", timeout=60)
    else:
        response = http.get(f"{node.api}/public/datasets/{rng.choice(known)}", timeout=60)
    return response.status_code


def run_clients(clients: int, seconds: float, work: Callable[[int, Tally, float], None]) -> Tally:
    tally = Tally()
    stop_at = time.monotonic() + seconds
    threads = [
        threading.Thread(target=work, args=(index, tally, stop_at)) for index in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    return tally


def mixed_load(nodes: list[ServerProcess], clients: int, seconds: float, known: list[str]) -> Tally:
    def work(index: int, tally: Tally, stop_at: float) -> None:
        rng = random.Random(index)
        node = nodes[index % len(nodes)]
        http = requests.Session()
        while time.monotonic() < stop_at:
            began = time.perf_counter()
            try:
                ok = mixed_request(http, node, rng, known) == 200
            except requests.RequestException:
                ok = False
            (tally.add(time.perf_counter() - began) if ok else tally.fail())

    return run_clients(clients, seconds, work)


def upload_load(nodes: list[ServerProcess], clients: int, seconds: float) -> Tally:
    users = [new_user(nodes[0].api, prefix="bench") for _ in range(clients)]
    block = os.urandom(4096)

    def work(index: int, tally: Tally, stop_at: float) -> None:
        node = nodes[index % len(nodes)]
        user = users[index]
        ftp = ftplib.FTP()
        ftp.connect(HOST, node.ftp_port, timeout=60)
        ftp.login(user.email, user.password)
        number = 0
        try:
            while time.monotonic() < stop_at:
                number += 1
                began = time.perf_counter()
                try:
                    ftp.storbinary(f"STOR small_{number}.bin", io.BytesIO(block))
                    tally.add(time.perf_counter() - began)
                except ftplib.all_errors:
                    tally.fail()
        finally:
            try:
                ftp.quit()
            except ftplib.all_errors:
                ftp.close()

    return run_clients(clients, seconds, work)


def analyze(url: str) -> None:
    """Planner statistics for the freshly loaded tables, as autovacuum would gather
    soon after a bulk load (without them PostgreSQL may ignore the search index)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("ANALYZE")


def start_nodes(root: Path, url: str, count: int) -> list[ServerProcess]:
    shared = root / "shared"
    nodes = []
    for _ in range(count):
        node = ServerProcess(data_dir=root / "data", database_url=url)
        node.extra_args += ["--preupload-dir", str(shared)]
        nodes.append(node.start())
    return nodes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", default=os.environ.get("OMIX_TEST_DATABASE_URL"))
    args = parser.parse_args()
    if not args.database_url:
        parser.error(
            "needs PostgreSQL: run through scripts/with-postgres.sh or give --database-url"
        )

    rows: list[tuple[str, Tally, Tally]] = []
    with (
        fresh_database(args.database_url) as url,
        tempfile.TemporaryDirectory(prefix="omix-site-") as folder,
    ):
        began = time.perf_counter()
        generate(url.replace("postgresql://", "postgresql+psycopg://", 1), args.datasets)
        analyze(url)
        print(
            f"generated {args.datasets:,} released datasets in {time.perf_counter() - began:.0f} s"
        )
        for count in (1, 2):
            nodes = start_nodes(Path(folder) / f"site{count}", url, count)
            try:
                known = accessions(nodes[0].api)
                mixed_load(nodes, args.clients, 3.0, known)  # warm caches and pools
                mixed = mixed_load(nodes, args.clients, args.seconds, known)
                uploads = upload_load(nodes, args.clients, args.seconds)
                rows.append((f"{count} node{'s' if count > 1 else ''}", mixed, uploads))
                if count == 1:
                    search = measure(nodes[0].api, args.repeat)
            finally:
                for node in nodes:
                    node.stop()

    print(
        f"\nMixed load (browse, search, dataset pages; {args.clients} keep-alive clients, "
        f"{args.seconds:.0f} s), then 4 KiB FTP uploads ({args.clients} clients), "
        f"{args.datasets:,} released datasets, PostgreSQL, {os.cpu_count()} cores\n"
    )
    print(
        f"| {'site':<8} | {'req/s':>7} | {'p50 ms':>7} | {'p99 ms':>7} | {'errors':>6} "
        f"| {'uploads/s':>9} | {'upload p99 ms':>13} |"
    )
    print(f"|{'-' * 10}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 8}|{'-' * 11}|{'-' * 15}|")
    for label, mixed, uploads in rows:
        print(
            f"| {label:<8} | {len(mixed.times) / args.seconds:>7.1f} | "
            f"{percentile(mixed.times, 0.5) * 1000:>7.1f} | "
            f"{percentile(mixed.times, 0.99) * 1000:>7.1f} | "
            f"{mixed.errors + uploads.errors:>6} | {len(uploads.times) / args.seconds:>9.1f} | "
            f"{percentile(uploads.times, 0.99) * 1000:>13.1f} |"
        )
    print(
        f"\nSearch, one request at a time, {args.repeat} runs each (GET /api/v1/public/datasets)\n"
    )
    print(f"| {'query':<34} | {'matches':>8} | {'median ms':>9} | {'p95 ms':>7} |")
    print(f"|{'-' * 36}|{'-' * 10}|{'-' * 11}|{'-' * 9}|")
    for label, total, median, p95 in search:
        print(f"| {label:<34} | {total:>8,} | {median:>9.1f} | {p95:>7.1f} |")
    overall = statistics.median(row[2] for row in search)
    print(f"\nmedian of the per-query medians: {overall:.1f} ms (target < 50 ms)")
    return 0 if overall < 50 else 1


if __name__ == "__main__":
    sys.exit(main())
