#!/usr/bin/env python3
"""Over a long link: omix-upload vs lftp, curl, aria2c and wget, side by side (issue 10).

    python benchmarks/bench_wan.py                    # reference sizes (20-30 minutes)
    python benchmarks/bench_wan.py --big-mib 16 --small-count 60 --download-mib 16   # quick

Starts the real ``omix-server`` on 127.0.0.1 (as tests/support/server.py
does) and the long-link emulator (tests/support/wan.py) in front of it on
127.0.0.2 at the same port numbers (HTTP, FTP, every passive port), signs up
a user, and times, one after the other in the same run, every client going
through the emulator (reference: 50 ms each way, 1.5 MB/s per connection,
12.5 MB/s for the whole link):

* one big file (``--big-mib``, 256): ``omix-upload put`` (a fresh home, so
  the time includes hashing) vs ``lftp put`` vs ``curl -T``;
* many small files (``--small-count`` x ``--small-kib``, 1000 x 64 KiB):
  ``omix-upload put`` vs ``lftp mirror -R --parallel=2`` (FileZilla's default
  of two transfers) and ``--parallel=10`` (FileZilla's maximum);
* the download of a released file (``--download-mib``, 256):
  ``omix-upload get`` (which checks the MD5 as well) vs ``aria2c -x4`` vs
  ``wget``; "n/a" when ``omix-upload get --help`` fails.

Every upload is then checked in the server's listing (size and MD5) and
every download against its MD5, outside the timing. lftp is told
``ftp:ignore-pasv-address`` (the server's PASV reply names 127.0.0.1, which
would bypass the emulator); curl uses EPSV. The "link" columns are what went
through the emulator during the row, so a row that bypassed it would show.
It prints one table: seconds, MB/s, the ratio to the reference row of the
case (lftp put, lftp --parallel=2, aria2c -x4) and the issue's targets.
Only loopback; every process it starts is ended; temporary files removed
unless ``--keep``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.accounts import ApiUser, new_user  # noqa: E402
from tests.support.catalog import publish_file  # noqa: E402
from tests.support.server import ServerProcess, free_port_range  # noqa: E402
from tests.support.wan import CONNECTION_RATE, DELAY, LINK_RATE, WanEmulator  # noqa: E402

MiB = 1024 * 1024
KiB = 1024
MB = 1e6
PASSIVE_PORTS = 64
VERIFY_TIMEOUT = 60.0

BIG, SMALL, DOWNLOAD = "big", "small", "download"


@dataclass
class Row:
    case: str
    tool: str
    size: int
    seconds: float | None = None
    note: str = ""
    connections: int = 0
    link_up: int = 0
    link_down: int = 0
    reference: bool = False
    targets: list[tuple[str, float]] = field(default_factory=list)
    """(name of the row compared with, minimum ratio) the issue asks for."""


def md5_of(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        while block := handle.read(4 * MiB):
            digest.update(block)
    return digest.hexdigest()


def write_random(path: Path, size: int, seed: int = 0) -> str:
    """``size`` incompressible bytes, quickly (one random block, varied per 8 MiB); its MD5."""
    digest = hashlib.md5(usedforsecurity=False)
    block = os.urandom(8 * MiB)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        written = 0
        while written < size:
            piece = (seed.to_bytes(4, "little") + written.to_bytes(8, "little")) + block[12:]
            piece = piece[: size - written]
            handle.write(piece)
            digest.update(piece)
            written += len(piece)
    return digest.hexdigest()


def publish(server: ServerProcess, source: Path, size: int, md5: str) -> str:
    """A released open dataset holding ``source``; returns its file id."""
    _accession, file_id = publish_file(server.data_dir, source, size, md5, "Long-link download")
    return file_id


class Bench:
    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args = args
        self.work = work
        self.logs = work / "logs"
        self.logs.mkdir(parents=True)
        self.server = ServerProcess(
            data_dir=work / "data", passive_ports=free_port_range(PASSIVE_PORTS)
        )
        self.wan: WanEmulator | None = None
        self.user: ApiUser | None = None
        self.home = work / "home"
        self.env: dict[str, str] = {}
        self.rows: list[Row] = []

    # -- plumbing -----------------------------------------------------------

    @property
    def host(self) -> str:
        assert self.wan is not None
        return self.wan.host

    def start(self, lifetime: float) -> None:
        self.server.start()
        self.wan = WanEmulator.for_server(
            self.server,
            delay=self.args.delay,
            connection_rate=self.args.connection_rate * MB or None,
            link_rate=self.args.link_rate * MB or None,
            lifetime=lifetime,
        ).start()
        self.user = new_user(self.server.api, prefix="wanbench")
        self.env = {**os.environ, "OMIX_PASSWORD": self.user.password}
        for name in ("OMIX_DESKTOP_HOME", "_ARGCOMPLETE"):
            self.env.pop(name, None)
        server_url = self.wan.url(self.server.http_port)
        done = subprocess.run(
            self.omix("--server", server_url, "login", "--email", self.user.email),
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"omix-upload login failed: {done.stdout}{done.stderr}")

    def stop(self) -> None:
        if self.wan is not None:
            self.wan.stop()
        self.server.stop()

    def omix(self, *args: str) -> list[str]:
        command = [sys.executable, "-m", "omix_desktop.upload_cli", "--home", str(self.home)]
        return command + list(args)

    def lftp(self, *commands: str) -> list[str]:
        assert self.user is not None
        script = "; ".join(
            [
                "set cmd:fail-exit yes",
                "set net:max-retries 2",
                "set ftp:ssl-allow no",
                "set ftp:passive-mode yes",
                "set ftp:ignore-pasv-address yes",  # the PASV reply names 127.0.0.1
                f"open -u {self.user.email},{self.user.password} "
                f"ftp://{self.host}:{self.server.ftp_port}",
                *commands,
                "quit",
            ]
        )
        return ["lftp", "-c", script]

    def run(self, row: Row, command: list[str], timeout: float, cwd: Path | None = None) -> Row:
        """Time ``command`` (its whole process group), with the link's counters around it."""
        assert self.wan is not None
        log_path = self.logs / f"{len(self.rows):02d}-{row.case}-{row.tool.split()[0]}.log"
        before = self.wan.total()
        print(f"  {row.case:8} {row.tool} ...", end="", flush=True)
        with log_path.open("w") as log:
            log.write(" ".join(command) + "\n\n")
            log.flush()
            row.seconds, row.note = self._timed(command, timeout, log, cwd)
        after = self.wan.total()
        row.connections = after.accepted - before.accepted
        row.link_up = after.bytes_up - before.bytes_up
        row.link_down = after.bytes_down - before.bytes_down
        shown = f"{row.seconds:.1f} s" if row.seconds is not None else row.note
        print(f" {shown}", flush=True)
        if row.seconds is None:
            tail = log_path.read_text(errors="replace")[-1500:]
            print(f"    (log {log_path}):\n{tail}", flush=True)
        self.rows.append(row)
        return row

    def _timed(
        self, command: list[str], timeout: float, log: IO[str], cwd: Path | None
    ) -> tuple[float | None, str]:
        started = time.perf_counter()
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
            cwd=cwd,
            start_new_session=True,  # its own group: a timeout ends it and its children
        )
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            return None, f"timed out ({timeout:.0f} s)"
        elapsed = time.perf_counter() - started
        if code != 0:
            return None, f"failed (exit {code})"
        return elapsed, ""

    def timeout_for(self, size: int, files: int = 1) -> float:
        """Generous: four times one stream's time, plus two seconds a file."""
        rate = (self.args.connection_rate or self.args.link_rate or 100) * MB
        return 120 + 4 * size / rate + 2 * files

    def verify_uploads(self, row: Row, expected: dict[str, str]) -> None:
        """Every path in the server's listing with its MD5 (outside the timing)."""
        if row.seconds is None:
            return
        assert self.user is not None
        deadline = time.monotonic() + VERIFY_TIMEOUT
        missing = len(expected)
        while time.monotonic() < deadline:
            response = self.user.get("/preupload/files")
            response.raise_for_status()
            listing = {entry["path"]: entry.get("md5") for entry in response.json()}
            missing = sum(1 for path, md5 in expected.items() if listing.get(path) != md5)
            if missing == 0:
                return
            time.sleep(0.5)
        row.note = f"{missing} of {len(expected)} not on the server with the right MD5"
        row.seconds = None

    # -- the cases ----------------------------------------------------------

    def big_file(self) -> None:
        size = self.args.big_mib * MiB
        print(f"generating {self.args.big_mib} MiB ...", flush=True)
        path = self.work / "big" / "big.bin"
        md5 = write_random(path, size, seed=1)
        timeout = self.timeout_for(size)
        put = self.args.omix_put_args.split()

        row = self.run(
            Row(BIG, "omix-upload put", size, targets=[("lftp put", 6.0)]),
            self.omix("put", str(path), "--remote-dir", "omix-big", *put),
            timeout,
        )
        self.verify_uploads(row, {"omix-big/big.bin": md5})
        row = self.run(
            Row(BIG, "lftp put", size, reference=True),
            self.lftp(f"put {path} -o lftp-big.bin"),
            timeout,
        )
        self.verify_uploads(row, {"lftp-big.bin": md5})
        assert self.user is not None
        row = self.run(
            Row(BIG, "curl -T", size),
            ["curl", "-sS", "--fail", "--ftp-pasv", "-u", f"{self.user.email}:{self.user.password}"]
            + ["-T", str(path), f"ftp://{self.host}:{self.server.ftp_port}/curl-big.bin"],
            timeout,
        )
        self.verify_uploads(row, {"curl-big.bin": md5})
        path.unlink()

    def small_files(self) -> None:
        count, each = self.args.small_count, self.args.small_kib * KiB
        print(f"generating {count} files of {self.args.small_kib} KiB ...", flush=True)
        folder = self.work / "small"
        folder.mkdir()
        md5s: dict[str, str] = {}
        for index in range(count):
            data = os.urandom(each)
            name = f"f{index:05d}.bin"
            (folder / name).write_bytes(data)
            md5s[name] = hashlib.md5(data, usedforsecurity=False).hexdigest()
        size = count * each
        timeout = self.timeout_for(size, count)
        put = self.args.omix_put_args.split()

        row = self.run(
            Row(SMALL, "omix-upload put", size,
                targets=[("lftp mirror -R --parallel=2", 3.0),
                         ("lftp mirror -R --parallel=10", 1.0)]),
            self.omix("put", str(folder), "--remote-dir", "omix-small", *put),
            timeout,
        )  # fmt: skip
        self.verify_uploads(row, {f"omix-small/small/{n}": m for n, m in md5s.items()})
        for parallel in (2, 10):
            row = self.run(
                Row(SMALL, f"lftp mirror -R --parallel={parallel}", size, reference=parallel == 2),
                self.lftp(f"mirror -R --no-perms --parallel={parallel} {folder} lftp-p{parallel}"),
                timeout,
            )
            self.verify_uploads(row, {f"lftp-p{parallel}/{n}": m for n, m in md5s.items()})
        shutil.rmtree(folder)

    def download(self) -> None:
        size = self.args.download_mib * MiB
        print(f"releasing a dataset of {self.args.download_mib} MiB ...", flush=True)
        source = self.work / "release.bin"
        md5 = write_random(source, size, seed=2)
        file_id = publish(self.server, source, size, md5)
        url = f"{self.wan.url(self.server.http_port) if self.wan else ''}"
        url += f"/api/v1/public/files/{file_id}/download"
        with requests.head(url.replace(self.host, "127.0.0.1"), timeout=30) as response:
            response.raise_for_status()
        timeout = self.timeout_for(size)

        has_get = (
            subprocess.run(
                self.omix("get", "--help"), env=self.env, capture_output=True, timeout=60
            ).returncode
            == 0
        )
        tools: list[tuple[Row, Path, list[str]]] = []
        out = self.work / "downloads"
        get_row = Row(DOWNLOAD, "omix-upload get", size, targets=[("aria2c -x4", 1.5)])
        tools.append((get_row, out / "omix", self.omix("get", file_id, "-o", str(out / "omix"))))
        aria = ["aria2c", "-x4", "-s4", "-k1M", "--file-allocation=none", "--summary-interval=0"]
        aria += ["--allow-overwrite=true", "--auto-file-renaming=false", "--console-log-level=warn"]
        tools.append(
            (
                Row(DOWNLOAD, "aria2c -x4", size, reference=True),
                out / "aria2c",
                aria + ["-d", str(out / "aria2c"), "-o", "file.bin", url],
            )
        )
        tools.append(
            (
                Row(DOWNLOAD, "wget", size),
                out / "wget",
                ["wget", "-q", "-O", str(out / "wget" / "file.bin"), url],
            )
        )
        for row, folder, command in tools:
            tool = command[0] if command[0] != sys.executable else "omix-upload"
            if row is get_row and not has_get:
                row.note = "n/a (no omix-upload get)"
                self.rows.append(row)
                continue
            if tool != "omix-upload" and shutil.which(tool) is None:
                row.note = f"n/a ({tool} not installed)"
                self.rows.append(row)
                continue
            folder.mkdir(parents=True, exist_ok=True)
            self.run(row, command, timeout)
            if row.seconds is not None:
                files = [p for p in folder.iterdir() if p.is_file() and p.suffix == ".bin"]
                if len(files) != 1 or md5_of(files[0]) != md5:
                    row.note = "downloaded file missing or wrong MD5"
                    row.seconds = None
            shutil.rmtree(folder, ignore_errors=True)

    # -- the table ----------------------------------------------------------

    def table(self) -> str:
        args = self.args
        lines = [
            f"Long link: {args.delay * 1000:.0f} ms each way (RTT {2 * args.delay * 1000:.0f} ms), "
            f"{args.connection_rate:g} MB/s per connection, {args.link_rate:g} MB/s link "
            f"(tests/support/wan.py on {self.host}); MB = 10^6 bytes",
            "",
            f"{'case':<30} {'tool':<30} {'time s':>8} {'MB/s':>7} {'x ref':>6} "
            f"{'conns':>5} {'link up MB':>10} {'link down MB':>12}  target",
        ]
        labels = {
            BIG: f"1 file of {args.big_mib} MiB",
            SMALL: f"{args.small_count} files of {args.small_kib} KiB",
            DOWNLOAD: f"download of {args.download_mib} MiB",
        }
        by_tool = {(row.case, row.tool): row for row in self.rows}
        for case in (BIG, SMALL, DOWNLOAD):
            rows = [row for row in self.rows if row.case == case]
            if not rows:
                continue
            reference = next((row for row in rows if row.reference), None)
            lines.append("-" * 140)
            for row in rows:
                if row.seconds is None:
                    time_text, rate, ratio = row.note or "n/a", "", ""
                else:
                    time_text = f"{row.seconds:.1f}"
                    rate = f"{row.size / MB / row.seconds:.2f}"
                    ratio = ""
                    if reference is not None and reference.seconds is not None:
                        ratio = f"{reference.seconds / row.seconds:.2f}"
                targets = []
                for other_tool, minimum in row.targets:
                    other = by_tool.get((case, other_tool))
                    wanted = f">={minimum:g}x {other_tool}" if minimum > 1 else f"< {other_tool}"
                    if row.seconds is None or other is None or other.seconds is None:
                        targets.append(f"{wanted}: n/a")
                        continue
                    got = other.seconds / row.seconds
                    met = "met" if got >= minimum and (minimum > 1 or got > 1) else "NOT met"
                    targets.append(f"{wanted}: {got:.2f}x {met}")
                shown_time = time_text if row.seconds is not None else ""
                lines.append(
                    f"{labels[case]:<30} {row.tool:<30} {shown_time:>8} {rate:>7} {ratio:>6} "
                    f"{row.connections:>5} {row.link_up / MB:>10.1f} {row.link_down / MB:>12.1f}  "
                    + "; ".join(targets)
                    + ("" if row.seconds is not None else f"  [{row.note}]")
                )
        return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big-mib", type=int, default=256, help="the big file, MiB (256)")
    parser.add_argument("--small-count", type=int, default=1000, help="small files (1000)")
    parser.add_argument("--small-kib", type=int, default=64, help="size of each, KiB (64)")
    parser.add_argument("--download-mib", type=int, default=None, help="default: --big-mib")
    parser.add_argument("--cases", default="big,small,download", help="which, comma-separated")
    parser.add_argument("--delay", type=float, default=DELAY, help="one way, seconds (0.05)")
    parser.add_argument("--connection-rate", type=float, default=CONNECTION_RATE / MB,
                        help="MB/s per connection (1.5; 0: no cap)")  # fmt: skip
    parser.add_argument("--link-rate", type=float, default=LINK_RATE / MB,
                        help="MB/s for the whole link (12.5; 0: no cap)")  # fmt: skip
    parser.add_argument("--omix-put-args", default="", help='e.g. "--connections 8"')
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if args.download_mib is None:
        args.download_mib = args.big_mib
    cases = {case.strip() for case in args.cases.split(",") if case.strip()}
    if unknown := cases - {BIG, SMALL, DOWNLOAD}:
        parser.error(f"unknown case(s): {', '.join(sorted(unknown))}")
    needed = ["lftp", "curl"] if cases & {BIG, SMALL} else []
    if missing := [tool for tool in needed if shutil.which(tool) is None]:
        print(f"needed: {', '.join(missing)} (bash scripts/system-deps.sh)", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="omix-bench-wan-"))
    bench = Bench(args, work)
    rate = (args.connection_rate or args.link_rate or 100) * MB
    total = args.big_mib * MiB * 3 + args.small_count * args.small_kib * KiB * 3
    lifetime = 600 + 8 * (total + args.download_mib * MiB * 3) / rate + 6 * args.small_count
    try:
        bench.start(lifetime)
        print(f"server on 127.0.0.1, the long link on {bench.host}; logs in {bench.logs}")
        if BIG in cases:
            bench.big_file()
        if SMALL in cases:
            bench.small_files()
        if DOWNLOAD in cases:
            bench.download()
    finally:
        bench.stop()
        print()
        print(bench.table())
        if args.keep:
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    failed = [row for row in bench.rows if row.seconds is None and not row.note.startswith("n/a")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
