"""``omix-upload`` as a script uses it: a subprocess against the real server on loopback."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.support.accounts import PASSWORD, ApiUser, new_user
from tests.support.server import ServerProcess
from tests.support.submission import bioproject

pytestmark = pytest.mark.timeout(120)


class Cli:
    """Runs ``omix-upload`` with its own home folder, as one account."""

    def __init__(self, server: ServerProcess, home: Path, user: ApiUser | None) -> None:
        self.server = server
        self.home = home
        self.env = {**os.environ, "OMIX_PASSWORD": user.password if user else PASSWORD}
        self.env.pop("OMIX_DESKTOP_HOME", None)
        self.user = user

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "omix_desktop.upload_cli", "--home", str(self.home), *args]

    def run(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*args),
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=90,
        )

    def login(self) -> None:
        assert self.user is not None
        done = self.run("--server", self.server.url, "login", "--email", self.user.email)
        assert done.returncode == 0, done.stderr


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


@pytest.fixture
def account(server: ServerProcess) -> ApiUser:
    return new_user(server.api, prefix="cli")


@pytest.fixture
def cli(server: ServerProcess, account: ApiUser, tmp_path: Path) -> Cli:
    tool = Cli(server, tmp_path / "home", account)
    tool.login()
    return tool


def remote_listing(user: ApiUser) -> dict[str, dict[str, object]]:
    response = user.get("/preupload/files")
    assert response.status_code == 200, response.text
    return {entry["path"]: entry for entry in response.json()}


def test_put_a_folder_keeps_its_structure_and_verifies_every_file(
    cli: Cli, account: ApiUser, tmp_path: Path
) -> None:
    run = tmp_path / "run1"
    (run / "lane2").mkdir(parents=True)
    files = {run / "a.fq": os.urandom(300_000), run / "lane2" / "b.fq": os.urandom(1000)}
    for path, data in files.items():
        path.write_bytes(data)

    done = cli.run("put", str(run), "--remote-dir", "batch")
    assert done.returncode == 0, done.stderr
    assert "2 verified, 0 failed." in done.stdout
    listing = remote_listing(account)
    assert listing["batch/run1/a.fq"]["md5"] == md5(files[run / "a.fq"])
    assert listing["batch/run1/lane2/b.fq"]["md5"] == md5(files[run / "lane2" / "b.fq"])

    status = cli.run("status")
    assert status.returncode == 0
    assert "Successful (2)" in status.stdout
    assert md5(files[run / "a.fq"]) in status.stdout
    as_json = cli.run("status", "--json")
    assert {entry["list"] for entry in __import__("json").loads(as_json.stdout)} == {"successful"}


def test_bad_names_are_refused_before_anything_is_sent(
    cli: Cli, account: ApiUser, tmp_path: Path
) -> None:
    folder = tmp_path / "my run"
    folder.mkdir()
    (folder / "ok.fq").write_bytes(b"data")
    done = cli.run("put", str(folder))
    assert done.returncode == 2
    assert "space" in done.stderr and "Nothing was sent" in done.stderr
    assert remote_listing(account) == {}


def test_chinese_messages(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "my run"
    folder.mkdir()
    (folder / "ok.fq").write_bytes(b"data")
    done = cli.run("--lang", "zh_CN", "put", str(folder))
    assert done.returncode == 2
    assert "未发送任何文件" in done.stderr


def test_md5_prints_an_md5sum_compatible_manifest(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "reads"
    folder.mkdir()
    for name in ("x.fq", "y.fq"):
        (folder / name).write_bytes(os.urandom(5000))
    done = cli.run("md5", str(folder), "-o", str(tmp_path / "reads.md5"))
    assert done.returncode == 0, done.stderr
    check = subprocess.run(
        ["md5sum", "-c", "reads.md5"], cwd=tmp_path, capture_output=True, text=True, timeout=30
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count(": OK") == 2


def test_submit_a_dataset_file_with_md5s_from_the_engine(
    cli: Cli, account: ApiUser, tmp_path: Path
) -> None:
    data = os.urandom(20_000)
    (tmp_path / "leaf.fq").write_bytes(data)
    assert cli.run("put", str(tmp_path / "leaf.fq")).returncode == 0
    project = bioproject(account)
    toml = tmp_path / "dataset.toml"
    toml.write_text(
        f"""
title = "Leaf transcriptome under drought"
description = "RNA-seq of rice leaves."
organism = "Oryza sativa"
data_type = "Transcriptome"
data_subtype = "Gene expression matrix"
access = "open"
bioproject = "{project}"
terms_accepted = true

[[files]]
path = "leaf.fq"
title = "Leaf"
samples = 1
data_type = "Transcriptome"
""",
        encoding="utf-8",
    )
    done = cli.run("submit", str(toml), "--wait", "--timeout", "30")
    assert done.returncode == 0, done.stderr
    accession = done.stdout.split("Submitted ")[1].split(".")[0]
    assert f"{accession}: Archived" in done.stdout
    dataset = account.get(f"/datasets/{accession}").json()
    assert dataset["files"][0]["md5"] == md5(data)


def test_submit_refuses_a_file_whose_md5_is_unknown(cli: Cli, tmp_path: Path) -> None:
    toml = tmp_path / "dataset.toml"
    toml.write_text('title = "T"\n[[files]]\npath = "never/uploaded.fq"\n', encoding="utf-8")
    done = cli.run("submit", str(toml))
    assert done.returncode == 2
    assert "No MD5 known for never/uploaded.fq" in done.stderr


def test_wrong_password_not_signed_in_and_server_down(
    server: ServerProcess, account: ApiUser, tmp_path: Path
) -> None:
    tool = Cli(server, tmp_path / "home", account)
    not_yet = tool.run("status")
    assert not_yet.returncode == 3 and "omix-upload login" in not_yet.stderr
    wrong = tool.run(
        "--server", server.url, "login", "--email", account.email,
        env={"OMIX_PASSWORD": "not-the-password"},
    )  # fmt: skip
    assert wrong.returncode == 3
    assert "Wrong email or password" in wrong.stderr
    down = tool.run("--server", "http://127.0.0.1:9", "login", "--email", account.email)
    assert down.returncode == 4
    assert "Cannot reach the server" in down.stderr


def test_killed_mid_upload_resumes_on_the_next_put(
    cli: Cli, account: ApiUser, tmp_path: Path
) -> None:
    data = os.urandom(4 * 1024 * 1024)
    big = tmp_path / "big.bin"
    big.write_bytes(data)
    slow = subprocess.Popen(
        cli.command("put", str(big), "--limit-rate", "512"),
        env=cli.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        received = 0
        while time.monotonic() < deadline and received < 600_000:
            time.sleep(0.2)
            entry = remote_listing(account).get("big.bin")
            received = int(entry["size"]) if entry else 0
        assert received >= 600_000, "the upload never got going"
    finally:
        slow.send_signal(signal.SIGKILL)
        slow.wait(timeout=10)
    partial = int(remote_listing(account)["big.bin"]["size"])
    assert 0 < partial < len(data)

    started = time.monotonic()
    done = cli.run("put", str(big))
    assert done.returncode == 0, done.stderr
    assert "1 verified, 0 failed." in done.stdout
    assert time.monotonic() - started < 60
    entry = wait_complete(account, "big.bin")
    assert entry["md5"] == md5(data)
    assert entry["size"] == len(data)


def wait_complete(user: ApiUser, path: str) -> dict[str, object]:
    deadline = time.monotonic() + 20
    entry = remote_listing(user)[path]
    while entry["state"] != "complete" and time.monotonic() < deadline:
        time.sleep(0.1)
        entry = remote_listing(user)[path]
    return entry


def test_health_announces_the_ftp_port(server: ServerProcess) -> None:
    health = requests.get(f"{server.api}/health", timeout=10).json()
    assert health["ftp_port"] == server.ftp_port
    assert health["public_ftp_port"] == server.public_ftp_port
    assert health["ftp_tls"] is False


def test_put_sends_a_large_file_over_several_connections(
    server: ServerProcess, account: ApiUser, tmp_path: Path
) -> None:
    cli = Cli(server, tmp_path / "home", account)
    cli.login()
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(1024 * 1024) * 40)  # above the 32 MiB threshold
    refused = cli.run("put", str(big), "--connections", "0")
    assert refused.returncode == 2 and "--connections" in refused.stderr
    done = cli.run("put", str(big), "--connections", "3")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 verified, 0 failed." in done.stdout + done.stderr
    listed = {f["path"]: f for f in account.get("/preupload/files").json()}
    assert listed["big.bin"]["md5"] == md5(big.read_bytes())
