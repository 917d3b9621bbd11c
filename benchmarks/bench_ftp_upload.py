#!/usr/bin/env python3
"""Loopback FTP upload: ``curl -T`` into omix-server vs. into vsftpd, same run.

    python benchmarks/bench_ftp_upload.py [--size 2GiB] [--rounds 2] [--keep]

Starts both servers in a temporary folder on 127.0.0.1 (vsftpd from Debian's
``vsftpd`` package, installed with apt-get if missing, with anonymous upload
into a throwaway folder), generates one test file, uploads it alternately
into each server ``--rounds`` times, and prints a table: MB/s of each, the
ratio, and omix-server's peak resident memory during its uploads (polled
from ``/proc/<pid>/status``). It also checks that the MD5 the server
computed on the fly (``XMD5``) equals the file's, and how long that answer
took after the upload ended.

Targets (issue 2): at least 70 % of vsftpd's throughput; server RSS under
150 MB. Figures swing from run to run on a shared machine: compare within
one run.
"""

from __future__ import annotations

import argparse
import ftplib
import hashlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.accounts import PASSWORD, new_user  # noqa: E402
from tests.support.server import HOST, ServerProcess, free_port, free_port_range  # noqa: E402

MiB = 1024 * 1024


def parse_size(text: str) -> int:
    text = text.strip().lower().removesuffix("b").removesuffix("i")
    units = {"k": 1024, "m": MiB, "g": 1024 * MiB}
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def make_file(path: Path, size: int) -> str:
    """Incompressible-looking content; returns its MD5."""
    digest = hashlib.md5()
    chunk = os.urandom(16 * MiB)
    with path.open("wb") as handle:
        written = 0
        counter = 0
        while written < size:
            piece = chunk[: min(len(chunk), size - written)]
            # vary each chunk a little so no two blocks are identical
            piece = counter.to_bytes(8, "little") + piece[8:] if len(piece) >= 8 else piece
            handle.write(piece)
            digest.update(piece)
            written += len(piece)
            counter += 1
    return digest.hexdigest()


class RssPoller(threading.Thread):
    """Peak VmRSS of a process, sampled every 20 ms while running."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kib = 0
        self.samples: list[int] = []
        self._stop_event = threading.Event()

    def sample(self) -> None:
        try:
            text = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return
        for line in text.splitlines():
            if line.startswith("VmRSS:"):
                value = int(line.split()[1])
                self.samples.append(value)
                self.peak_kib = max(self.peak_kib, value)

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            time.sleep(0.02)

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return self.peak_kib


def vm_hwm_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def ensure_vsftpd() -> str:
    found = shutil.which("vsftpd") or (
        "/usr/sbin/vsftpd" if Path("/usr/sbin/vsftpd").exists() else None
    )
    if found:
        return found
    print("installing vsftpd with apt-get ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(
        ["apt-get", "install", "-y", "vsftpd"], check=True, env=env, stdout=subprocess.DEVNULL
    )
    return "/usr/sbin/vsftpd"


@dataclass
class Vsftpd:
    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def upload_dir(self) -> Path:
        return self.workdir / "anon" / "upload"

    def start(self) -> Vsftpd:
        binary = ensure_vsftpd()
        anon = self.workdir / "anon"
        empty = self.workdir / "empty"
        for folder in (anon, empty, self.upload_dir):
            folder.mkdir(parents=True, exist_ok=True)
        os.chmod(anon, 0o555)
        shutil.chown(self.upload_dir, user="ftp") if _has_user("ftp") else os.chmod(
            self.upload_dir, 0o777
        )
        os.chmod(self.upload_dir, 0o777)
        low, high = free_port_range(10)
        config = self.workdir / "vsftpd.conf"
        config.write_text(
            "\n".join(
                [
                    "listen=YES",
                    "listen_ipv6=NO",
                    f"listen_address={HOST}",
                    f"listen_port={self.port}",
                    "background=NO",
                    "anonymous_enable=YES",
                    "anon_upload_enable=YES",
                    "anon_mkdir_write_enable=YES",
                    "write_enable=YES",
                    "anon_umask=022",
                    f"anon_root={anon}",
                    "no_anon_password=YES",
                    "local_enable=NO",
                    "pasv_enable=YES",
                    f"pasv_min_port={low}",
                    f"pasv_max_port={high}",
                    f"pasv_address={HOST}",
                    f"secure_chroot_dir={empty}",
                    "seccomp_sandbox=NO",
                    "isolate=NO",
                    "isolate_network=NO",
                    "xferlog_enable=NO",
                    "dirmessage_enable=NO",
                    "",
                ]
            )
        )
        self.process = subprocess.Popen(
            [binary, str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"vsftpd exited: {error}")
            try:
                with ftplib.FTP() as probe:
                    probe.connect(HOST, self.port, timeout=1)
                    probe.login()
                return self
            except (OSError, ftplib.Error):
                time.sleep(0.1)
        raise RuntimeError("vsftpd did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()


def _has_user(name: str) -> bool:
    try:
        import pwd

        pwd.getpwnam(name)
        return True
    except (KeyError, ImportError):
        return False


def curl_upload(source: Path, url: str, user: str | None) -> float:
    """Seconds for one ``curl -T`` upload."""
    command = ["curl", "-sS", "--fail", "-T", str(source), url]
    if user:
        command[1:1] = ["--user", user]
    started = time.perf_counter()
    subprocess.run(command, check=True)
    return time.perf_counter() - started


def ensure_curl() -> None:
    if shutil.which("curl"):
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "curl"], check=True, env=env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=parse_size, default=2 * 1024 * MiB, help="e.g. 2GiB, 256M")
    parser.add_argument("--rounds", type=int, default=2, help="uploads per server, alternating")
    parser.add_argument("--workdir", type=Path, default=None, help="where files go (temp)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    ensure_curl()

    workdir = Path(tempfile.mkdtemp(prefix="omix-bench-", dir=args.workdir))
    omix = ServerProcess(data_dir=workdir / "omix-data")
    vsftpd = Vsftpd(workdir / "vsftpd")
    try:
        source = workdir / "payload.bin"
        print(f"generating {args.size / MiB:.0f} MiB test file in {workdir} ...", flush=True)
        expected_md5 = make_file(source, args.size)
        omix.start()
        vsftpd.start()
        assert omix.process is not None
        user = new_user(omix.api, prefix="bench")
        credentials = f"{user.email}:{PASSWORD}"

        omix_times: list[float] = []
        vsftpd_times: list[float] = []
        md5_delays: list[float] = []
        poller = RssPoller(omix.process.pid)
        poller.start()
        for round_number in range(args.rounds):
            for target in ("vsftpd", "omix"):
                os.sync()
                name = f"payload-{round_number}.bin"
                if target == "vsftpd":
                    url = f"ftp://{HOST}:{vsftpd.port}/upload/{name}"
                    vsftpd_times.append(curl_upload(source, url, None))
                    (vsftpd.upload_dir / name).unlink(missing_ok=True)
                else:
                    url = f"ftp://{HOST}:{omix.ftp_port}/{name}"
                    omix_times.append(curl_upload(source, url, credentials))
                    started = time.perf_counter()
                    with ftplib.FTP() as ftp:
                        ftp.connect(HOST, omix.ftp_port, timeout=60)
                        ftp.login(user.email, PASSWORD)
                        answer = ftp.sendcmd(f"XMD5 {name}")
                        md5_delays.append(time.perf_counter() - started)
                        ftp.delete(name)
                    if answer.split()[-1].lower() != expected_md5:
                        raise SystemExit(f"MD5 mismatch: server {answer!r}, file {expected_md5}")
        peak_rss = poller.stop()
        hwm = vm_hwm_kib(omix.process.pid)

        def rate(seconds: list[float]) -> float:
            return args.size / statistics.median(seconds) / 1e6

        omix_rate, vsftpd_rate = rate(omix_times), rate(vsftpd_times)
        size_text = f"{args.size / MiB:.0f} MiB"
        rows = [
            ("server", "median MB/s", "runs (s)"),
            ("vsftpd", f"{vsftpd_rate:,.0f}", " ".join(f"{t:.2f}" for t in vsftpd_times)),
            ("omix-server", f"{omix_rate:,.0f}", " ".join(f"{t:.2f}" for t in omix_times)),
        ]
        print()
        print(f"curl -T of {size_text} on loopback, {args.rounds} round(s), {os.cpu_count()} CPUs")
        print()
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for index, row in enumerate(rows):
            print(" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)))
            if index == 0:
                print("-+-".join("-" * width for width in widths))
        print()
        ratio = omix_rate / vsftpd_rate
        print(f"omix / vsftpd throughput:  {ratio:.0%}  (target >= 70%)")
        typical = statistics.median(poller.samples) if poller.samples else 0
        print(
            f"omix-server RSS during uploads: peak {peak_rss / 1024:.0f} MB, "
            f"median {typical / 1024:.0f} MB (VmHWM since start {hwm / 1024:.0f} MB; "
            "target < 150 MB). Each login verifies an argon2 hash (19 MiB for a moment)."
        )
        print(
            "end of upload -> server MD5 (new login + XMD5): "
            + ", ".join(f"{delay * 1000:.0f} ms" for delay in md5_delays)
        )
        print(f"server MD5 matches the file: {expected_md5}")
        return 0
    finally:
        vsftpd.stop()
        omix.stop()
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
