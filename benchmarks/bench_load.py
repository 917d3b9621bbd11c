#!/usr/bin/env python3
"""Many desktop clients at once: FTP uploads plus API polling, server memory.

    python benchmarks/bench_load.py [--clients 20] [--seconds 60] [--sizes 1MiB,2MiB,4MiB,8MiB]

Starts omix-server on 127.0.0.1 in a temporary folder (a child process, as
users run it), registers ``--clients`` accounts, then runs two phases with
the same clients, each bounded in time:

* ``reference``: only the polling the desktop app does while it waits for
  the server's MD5 (``GET /preupload/files``, ``GET /datasets``,
  ``GET /health`` every ``--poll`` s), against an otherwise idle server;
* ``load``: the same polling, and at the same time every client uploads a
  new file over FTP after the other (sizes cycling through ``--sizes``, a
  new login every ``--reconnect-every`` files, keeping its last few files
  and deleting older ones), and now and then turns an upload into a dataset
  (``POST /datasets``, every ``--dataset-every`` s per client).

It prints one table: the server's resident memory (``VmRSS`` at the start,
peak sampled every 50 ms, at the end after ``--settle`` s of quiet; and
``VmHWM``), request and error counts, p50/p95/p99 latency per endpoint, and
the aggregate FTP upload throughput, for both phases. Every upload's MD5 in
the server's ``226`` reply is checked against the client's.

Target (issue 11): server RSS under 200 MB through the load phase, 0 errors.
``--tracemalloc`` starts the server with ``OMIX_TRACEMALLOC=1`` and asks it
(``SIGUSR2``) for its top allocation sites and malloc statistics at the end
of each phase; they are printed from the server's log.
"""

from __future__ import annotations

import argparse
import collections
import ftplib
import hashlib
import io
import itertools
import os
import random
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.accounts import ApiUser, new_user  # noqa: E402
from tests.support.server import HOST, ServerProcess  # noqa: E402
from tests.support.submission import dataset_body, file_entry  # noqa: E402

MiB = 1024 * 1024
KEEP_FILES = 3
"""Files each client keeps in its pre-upload folder; older ones are deleted (DELE)."""
MAX_FILES_PER_CLIENT = 100_000
"""A bound on the upload loop besides time."""

ENDPOINTS = (
    "GET /preupload/files",
    "GET /datasets",
    "GET /health",
    "POST /datasets",
    "FTP login",
    "FTP STOR",
    "FTP DELE",
)


def parse_size(text: str) -> int:
    text = text.strip().lower().removesuffix("b").removesuffix("i")
    units = {"k": 1024, "m": MiB, "g": 1024 * MiB}
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def passive_range(count: int = 200) -> tuple[int, int]:
    """Free ports below Linux's ephemeral range for the server's passive data ports.

    The default (20 ports from the ephemeral range) is not enough for 20
    clients: the clients' own outgoing connections take ports from that range
    too, and the server answered ``421 no free ports``.
    """
    for start in range(20000, 32000 - count, count):
        sockets: list[socket.socket] = []
        try:
            for port in range(start, start + count):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind((HOST, port))
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
        return start, start + count - 1
    raise RuntimeError("no free run of passive ports on loopback")


# --- measuring ------------------------------------------------------------------------


def proc_status(pid: int) -> dict[str, int]:
    """``VmRSS``/``VmHWM``/``Threads`` of a process, in KiB (Threads: a count)."""
    values: dict[str, int] = {}
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return values
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM", "Threads"):
            values[key] = int(rest.split()[0])
    return values


class RssPoller(threading.Thread):
    """Samples a process's VmRSS every 50 ms; ``mark()`` starts a new phase peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True, name="rss-poller")
        self.pid = pid
        self.peak_kib = 0
        self.threads_peak = 0
        self.timeline: list[tuple[float, int]] = []
        self._stop_event = threading.Event()
        self._lock = threading.Lock()

    def mark(self) -> None:
        with self._lock:
            self.peak_kib = 0
            self.threads_peak = 0

    def run(self) -> None:
        last_timeline = 0.0
        while not self._stop_event.is_set():
            status = proc_status(self.pid)
            now = time.monotonic()
            with self._lock:
                self.peak_kib = max(self.peak_kib, status.get("VmRSS", 0))
                self.threads_peak = max(self.threads_peak, status.get("Threads", 0))
            if now - last_timeline >= 5.0:
                self.timeline.append((now, status.get("VmRSS", 0)))
                last_timeline = now
            self._stop_event.wait(0.05)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)


@dataclass
class Stats:
    """Latencies and errors per endpoint for one phase (thread-safe)."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: collections.defaultdict(list))
    errors: collections.Counter[str] = field(default_factory=collections.Counter)
    samples: list[str] = field(default_factory=list)
    uploaded_bytes: int = 0
    upload_seconds: float = 0.0
    started: float = 0.0
    ended: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ok(self, name: str, seconds: float) -> None:
        with self.lock:
            self.latencies[name].append(seconds)

    def error(self, name: str, detail: str) -> None:
        with self.lock:
            self.errors[name] += 1
            if len(self.samples) < 10:
                self.samples.append(f"{name}: {detail}"[:300])

    def uploaded(self, size: int) -> None:
        with self.lock:
            self.uploaded_bytes += size


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, round(fraction * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


# --- one desktop client ------------------------------------------------------------


class Payloads:
    """Distinct file contents without generating gigabytes: a shared random
    block, made unique per file by its first 16 bytes."""

    def __init__(self, largest: int) -> None:
        self.block = os.urandom(largest)

    def make(self, size: int, client: int, number: int) -> tuple[bytes, str]:
        header = client.to_bytes(8, "little") + number.to_bytes(8, "little")
        data = header + self.block[16:size] if size > 16 else header[:size]
        return data, hashlib.md5(data, usedforsecurity=False).hexdigest()


@dataclass
class Client:
    index: int
    user: ApiUser
    project: str
    server: ServerProcess
    payloads: Payloads
    sizes: list[int]
    poll: float
    dataset_every: float
    reconnect_every: int
    kept: collections.deque[tuple[str, str]] = field(default_factory=collections.deque)
    kept_lock: threading.Lock = field(default_factory=threading.Lock)
    files: int = 0

    # polling, as the desktop app's uploads and datasets views do
    def poll_loop(self, stats: Stats, stop_at: float, submit: bool) -> None:
        rng = random.Random(self.index)
        next_dataset = time.monotonic() + rng.uniform(0, self.dataset_every or 1)
        time.sleep(rng.uniform(0, self.poll))  # spread the clients over the interval
        for _round in range(1_000_000):
            if time.monotonic() >= stop_at:
                return
            for name, path in (
                ("GET /preupload/files", "/preupload/files"),
                ("GET /datasets", "/datasets"),
                ("GET /health", "/health"),
            ):
                self._timed(stats, name, lambda path=path: self.user.get(path), 200)
            if submit and self.dataset_every and time.monotonic() >= next_dataset:
                next_dataset = time.monotonic() + self.dataset_every
                self._submit(stats)
            time.sleep(max(0.0, min(self.poll * rng.uniform(0.8, 1.2), stop_at - time.monotonic())))

    def _timed(self, stats: Stats, name: str, call, expected: int) -> None:  # noqa: ANN001
        started = time.perf_counter()
        try:
            response = call()
        except Exception as error:  # noqa: BLE001 - counted
            stats.error(name, repr(error))
            return
        elapsed = time.perf_counter() - started
        if response.status_code != expected:
            stats.error(name, f"{response.status_code} {response.text[:200]}")
        else:
            stats.ok(name, elapsed)

    def _submit(self, stats: Stats) -> None:
        with self.kept_lock:
            if not self.kept:
                return
            path, md5 = self.kept.pop()  # the newest: the uploader will not delete it now
        body = dataset_body(
            self.project,
            [file_entry(path=path, md5_value=md5)],
            release_date=(date.today() + timedelta(days=30)).isoformat(),
        )
        self._timed(stats, "POST /datasets", lambda: self.user.post("/datasets", json=body), 201)

    # uploading, one file after the other on one control connection
    def upload_loop(self, stats: Stats, stop_at: float) -> None:
        ftp: ftplib.FTP | None = None
        on_connection = 0
        try:
            for number in range(MAX_FILES_PER_CLIENT):
                if time.monotonic() >= stop_at:
                    return
                try:
                    if ftp is None or on_connection >= self.reconnect_every:
                        if ftp is not None:
                            _quit(ftp)
                        ftp, on_connection = None, 0
                        started = time.perf_counter()
                        ftp = ftplib.FTP()
                        ftp.connect(HOST, self.server.ftp_port, timeout=120)
                        ftp.login(self.user.email, self.user.password)
                        stats.ok("FTP login", time.perf_counter() - started)
                    self._upload_one(ftp, stats, number)
                    on_connection += 1
                    self._delete_old(ftp, stats)
                except (OSError, ftplib.Error, EOFError) as error:
                    stats.error("FTP", repr(error))
                    if ftp is not None:
                        ftp.close()
                    ftp = None
                    time.sleep(0.5)
        finally:
            if ftp is not None:
                _quit(ftp)

    def _upload_one(self, ftp: ftplib.FTP, stats: Stats, number: int) -> None:
        size = self.sizes[number % len(self.sizes)]
        data, md5 = self.payloads.make(size, self.index, number)
        name = f"load-{self.index:02d}-{number:05d}.bin"
        started = time.perf_counter()
        try:
            reply = ftp.storbinary(f"STOR {name}", io.BytesIO(data), blocksize=MiB)
        except ftplib.Error as error:
            stats.error("FTP STOR", repr(error))
            return
        elapsed = time.perf_counter() - started
        if md5 not in reply.lower():
            stats.error("FTP STOR", f"MD5 {md5} not in reply {reply!r}")
            return
        stats.ok("FTP STOR", elapsed)
        with stats.lock:
            stats.uploaded_bytes += size
            stats.upload_seconds += elapsed
        self.files += 1
        with self.kept_lock:
            self.kept.append((name, md5))

    def _delete_old(self, ftp: ftplib.FTP, stats: Stats) -> None:
        while True:
            with self.kept_lock:
                if len(self.kept) <= KEEP_FILES:
                    return
                name, _md5 = self.kept.popleft()
            started = time.perf_counter()
            try:
                ftp.delete(name)
            except ftplib.Error as error:
                stats.error("FTP DELE", repr(error))
                continue
            stats.ok("FTP DELE", time.perf_counter() - started)


def _quit(ftp: ftplib.FTP) -> None:
    try:
        ftp.quit()
    except (OSError, ftplib.Error, EOFError):
        ftp.close()


# --- phases ---------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    stats: Stats
    rss_start: int = 0
    rss_peak: int = 0
    rss_end: int = 0
    hwm_end: int = 0
    threads_peak: int = 0
    threads_end: int = 0


def run_phase(
    name: str,
    clients: list[Client],
    seconds: float,
    uploads: bool,
    server_pid: int,
    poller: RssPoller,
    settle: float,
    tracemalloc: bool,
    log_path: Path | None = None,
) -> Phase:
    stats = Stats()
    phase = Phase(name, stats, rss_start=proc_status(server_pid).get("VmRSS", 0))
    poller.mark()
    stats.started = time.monotonic()
    stop_at = stats.started + seconds
    threads = [
        threading.Thread(target=c.poll_loop, args=(stats, stop_at, uploads), daemon=True)
        for c in clients
    ]
    if uploads:
        threads += [
            threading.Thread(target=c.upload_loop, args=(stats, stop_at), daemon=True)
            for c in clients
        ]
    for thread in threads:
        thread.start()
    if tracemalloc and uploads:  # one report in the middle of the load, one after it
        threading.Timer(seconds / 2, os.kill, (server_pid, signal.SIGUSR2)).start()
    for thread in threads:
        thread.join(timeout=seconds + 180)
    stats.ended = time.monotonic()
    alive = sum(thread.is_alive() for thread in threads)
    if alive:
        stats.error("bench", f"{alive} client threads still running after the phase")
    time.sleep(settle)
    phase.rss_peak = poller.peak_kib
    phase.threads_peak = poller.threads_peak
    status = proc_status(server_pid)
    phase.rss_end = status.get("VmRSS", 0)
    phase.hwm_end = status.get("VmHWM", 0)
    phase.threads_end = status.get("Threads", 0)
    if tracemalloc:
        wait_for_report(log_path, server_pid)
    return phase


def wait_for_report(log_path: Path | None, server_pid: int, timeout: float = 60.0) -> None:
    """SIGUSR2 the traced server and wait (bounded) until its report is in the log."""

    def reports() -> int:
        if log_path is None or not log_path.exists():
            return 0
        return log_path.read_text(errors="replace").count("memory report")

    before = reports()
    os.kill(server_pid, signal.SIGUSR2)
    deadline = time.monotonic() + timeout
    while reports() <= before and time.monotonic() < deadline:
        time.sleep(0.5)


def mb(kib: int) -> str:
    return f"{kib / 1024:.0f}"


def print_table(phases: list[Phase], args: argparse.Namespace, rss_boot: int) -> None:
    def ms(values: list[float], fraction: float) -> str:
        return f"{percentile(values, fraction) * 1000:.0f}" if values else "-"

    rows: list[tuple[str, ...]] = [("", *(f"{p.name}" for p in phases))]
    rows.append(("server RSS at phase start (MB)", *(mb(p.rss_start) for p in phases)))
    rows.append(("server RSS peak (MB)", *(mb(p.rss_peak) for p in phases)))
    rows.append((f"server RSS end, +{args.settle:.0f} s (MB)", *(mb(p.rss_end) for p in phases)))
    rows.append(("server VmHWM since start (MB)", *(mb(p.hwm_end) for p in phases)))
    rows.append(
        ("server threads peak / end", *(f"{p.threads_peak} / {p.threads_end}" for p in phases))
    )
    rows.append(
        (
            "requests (HTTP + FTP cmds)",
            *(str(sum(len(v) for v in p.stats.latencies.values())) for p in phases),
        )
    )
    rows.append(("errors", *(str(sum(p.stats.errors.values())) for p in phases)))
    for endpoint in ENDPOINTS:
        if not any(p.stats.latencies.get(endpoint) for p in phases):
            continue
        cells = []
        for p in phases:
            values = p.stats.latencies.get(endpoint, [])
            if not values:
                cells.append("-")
                continue
            cells.append(
                f"{ms(values, 0.50)} / {ms(values, 0.95)} / {ms(values, 0.99)}  (n={len(values)})"
            )
        rows.append((f"{endpoint} p50/p95/p99 ms", *cells))
    rows.append(
        (
            "FTP upload, aggregate MB/s",
            *(
                f"{p.stats.uploaded_bytes / max(1e-9, p.stats.ended - p.stats.started) / 1e6:.0f}"
                if p.stats.uploaded_bytes
                else "-"
                for p in phases
            ),
        )
    )
    rows.append(
        (
            "FTP uploaded (files / MiB)",
            *(
                f"{len(p.stats.latencies.get('FTP STOR', []))} / {p.stats.uploaded_bytes / MiB:.0f}"
                if p.stats.uploaded_bytes
                else "-"
                for p in phases
            ),
        )
    )
    sizes = ",".join(f"{s / MiB:g}MiB" for s in args.sizes)
    print()
    print(
        f"{args.clients} clients on 127.0.0.1, {os.cpu_count()} CPUs; poll every {args.poll:g} s; "
        f"reference {args.reference_seconds:g} s (polling only), "
        f"load {args.seconds:g} s (polling + FTP {sizes}, "
        f"login every {args.reconnect_every} files, a dataset every {args.dataset_every:g} s "
        "per client)"
    )
    print(f"server RSS after start-up: {mb(rss_boot)} MB")
    print()
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        print(" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            print("-+-".join("-" * width for width in widths))
    print()
    print("target (issue 11): server RSS under 200 MB through the load phase, 0 errors")
    for p in phases:
        for sample in p.stats.samples:
            print(f"  {p.name} error: {sample}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the load phase")
    parser.add_argument(
        "--reference-seconds", type=float, default=15.0, help="polling only; 0 skips it"
    )
    parser.add_argument(
        "--sizes",
        type=lambda text: [parse_size(part) for part in text.split(",")],
        default=[1 * MiB, 2 * MiB, 4 * MiB, 8 * MiB],
        help="file sizes each client cycles through",
    )
    parser.add_argument("--poll", type=float, default=2.0, help="seconds between polls")
    parser.add_argument("--dataset-every", type=float, default=15.0, help="0: no datasets")
    parser.add_argument("--reconnect-every", type=int, default=5, help="files per FTP login")
    parser.add_argument("--settle", type=float, default=5.0, help="quiet seconds before 'end'")
    parser.add_argument("--tracemalloc", action="store_true", help="server top allocations")
    parser.add_argument("--workdir", type=Path, default=None, help="where the temp folder goes")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    args.seconds = max(1.0, min(args.seconds, 3600.0))
    args.reference_seconds = max(0.0, min(args.reference_seconds, 3600.0))

    workdir = Path(tempfile.mkdtemp(prefix="omix-load-", dir=args.workdir))
    server = ServerProcess(data_dir=workdir / "data", passive_ports=passive_range())
    old_env = os.environ.get("OMIX_TRACEMALLOC")
    if args.tracemalloc:
        os.environ["OMIX_TRACEMALLOC"] = "1"
    poller: RssPoller | None = None
    try:
        server.start()
        if old_env is None:
            os.environ.pop("OMIX_TRACEMALLOC", None)
        assert server.process is not None
        pid = server.process.pid
        time.sleep(1.0)
        rss_boot = proc_status(pid).get("VmRSS", 0)
        poller = RssPoller(pid)
        poller.start()
        print(f"registering {args.clients} accounts ...", flush=True)
        payloads = Payloads(max(args.sizes))
        clients = []
        for index in range(args.clients):
            user = new_user(server.api, prefix=f"load{index}-")
            project = user.post("/bioprojects", json={"title": "Load"}).json()["accession"]
            clients.append(
                Client(
                    index=index,
                    user=user,
                    project=project,
                    server=server,
                    payloads=payloads,
                    sizes=list(args.sizes),
                    poll=args.poll,
                    dataset_every=args.dataset_every,
                    reconnect_every=max(1, args.reconnect_every),
                )
            )
        phases = []
        if args.reference_seconds:
            print(f"reference: polling only for {args.reference_seconds:g} s ...", flush=True)
            phases.append(
                run_phase(
                    "reference (polling only)",
                    clients,
                    args.reference_seconds,
                    False,
                    pid,
                    poller,
                    args.settle,
                    args.tracemalloc,
                    server.log_path,
                )
            )
        print(f"load: uploads + polling for {args.seconds:g} s ...", flush=True)
        phases.append(
            run_phase(
                "load (uploads + polling)",
                clients,
                args.seconds,
                True,
                pid,
                poller,
                args.settle,
                args.tracemalloc,
                server.log_path,
            )
        )
        print_table(phases, args, rss_boot)
        print(
            "RSS timeline (MB, every 5 s): "
            + " ".join(mb(kib) for _t, kib in itertools.islice(poller.timeline, 0, 200))
        )
        if args.tracemalloc:
            print()
            print("server's allocation report(s):")
            for line in (
                server.log_path.read_text(errors="replace") if server.log_path else ""
            ).splitlines():
                if "memory report" in line or line.startswith("  "):
                    print(line)
        errors = sum(sum(p.stats.errors.values()) for p in phases)
        return 1 if errors else 0
    finally:
        if poller is not None:
            poller.stop()
        server.stop()
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
