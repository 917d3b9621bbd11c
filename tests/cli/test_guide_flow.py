"""The user guide from a terminal, as one scripted flow against the real server.

Create a BioProject, put a folder, submit with a wrong MD5, see ``MD5
Checked Failed`` with its reason, fix it from the local file, see Archived,
edit the title, add and delete a file, make and close a reviewer link,
release early (a curator approves, as in the guide), set the MOST number,
``get`` the released file and check it with ``md5sum -c``. Run in English
and in Chinese: the commands and exit codes are the same, the words differ.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests

from tests.cli.terminal import Terminal
from tests.support.accounts import ApiUser, new_user
from tests.support.release import approve, new_curator
from tests.support.server import ServerProcess

pytestmark = pytest.mark.timeout(300)

WORDS = {
    "en": {
        "created": "Created PRJCA",
        "reason": "differs from the one the server computed",
        "fix_hint": "files fix-md5",
        "caution": "Early release makes the dataset public once it is curated",
        "link_closed": "has no open reviewer link",
        "verified": "verified, MD5",
        "header": "Last edit",
    },
    "zh_CN": {
        "created": "已创建 PRJCA",
        "reason": "与服务器计算的 MD5",
        "fix_hint": "files fix-md5",
        "caution": "提前公开",
        "link_closed": "没有打开的审稿链接",
        "verified": "已校验，MD5",
        "header": "最后编辑",
    },
}

DATASET_TOML = """
title = "Leaf transcriptome under drought"
description = "RNA-seq of rice leaves, three time points."
organism = "Oryza sativa"
data_type = "Transcriptome"
data_subtype = "Gene expression matrix"
access = "open"
bioproject = "{project}"
release_date = {release}
terms_accepted = true

[[files]]
path = "run1/leaf_1.fq"
title = "Leaf, replicate 1"
samples = 1
data_type = "Transcriptome"
md5 = "{wrong}"
"""


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_the_whole_guide_from_a_terminal(
    server: ServerProcess, tmp_path: Path, lang: str, record_property: pytest.RecordProperty
) -> None:
    words = WORDS[lang]
    user: ApiUser = new_user(server.api, prefix="guide")
    cli = Terminal(server, tmp_path / "home", user, lang).login()
    started = time.monotonic()

    # A BioProject, then a folder of reads uploaded over FTP.
    created = cli.ok("bioproject", "create", "--title", "Rice drought response")
    assert words["created"] in created.stdout
    project = cli.json("bioproject", "list")[0]["accession"]
    assert project in created.stdout
    run = tmp_path / "run1"
    run.mkdir()
    leaf = os.urandom(50_000)
    (run / "leaf_1.fq").write_bytes(leaf)
    (run / "leaf_2.fq").write_bytes(os.urandom(3000))
    put = cli.ok("put", str(run))
    assert "2" in put.stdout.splitlines()[-1]

    # The template names the user's BioProject and the server's data types.
    template = cli.ok("submit", "--template").stdout
    assert project in template and "Transcriptome" in template and "[[files]]" in template

    # Submit with a wrong MD5: --check says so first, then the archive fails the file.
    toml = tmp_path / "dataset.toml"
    release = (date.today() + timedelta(days=30)).isoformat()
    toml.write_text(DATASET_TOML.format(project=project, release=release, wrong="0" * 32))
    check = cli.run("submit", str(toml), "--check")
    assert check.returncode == 2 and "files[1].md5" in check.stderr and md5(leaf) in check.stderr
    submitted = cli.run("submit", str(toml), "--wait", "--timeout", "30")
    assert submitted.returncode == 1, submitted.stderr
    accession = cli.json("datasets", "list")[0]["accession"]
    file_id = f"{accession}-01"
    assert f"{accession}: MD5 Checked Failed" in submitted.stdout

    shown = cli.ok("datasets", "show", accession).stdout
    assert "MD5 Checked Failed" in shown and words["reason"] in shown
    assert "0" * 32 in shown and md5(leaf) in shown and words["fix_hint"] in shown

    # Fix it from the local file: the archive checks again at once.
    fixed = cli.ok("files", "fix-md5", file_id, "--from-local", str(run / "leaf_1.fq"))
    assert f"{file_id}: Archived" in fixed.stdout
    watched = cli.ok("datasets", "watch", accession)
    assert "Archived" in watched.stdout

    # Edit the title; add a file (uploaded first), then delete it.
    cli.ok("datasets", "edit", accession, "--title", "Leaf transcriptome, three stages")
    assert cli.json("datasets", "show", accession)["title"] == "Leaf transcriptome, three stages"
    cli.ok("put", str(run / "leaf_2.fq"), "--remote-dir", "extra")
    added = cli.json("files", "add", accession, "extra/leaf_2.fq", "--title", "Leaf 2")
    assert [entry["file_id"] for entry in added] == [f"{accession}-02"]
    cli.ok("datasets", "watch", accession, "--timeout", "30")
    cli.ok("files", "delete", f"{accession}-02", "--yes")
    assert [f["file_id"] for f in cli.json("datasets", "show", accession)["files"]] == [file_id]

    # A reviewer link: made, shown, working, closed.
    link = cli.ok("review-link", "create", accession).stdout.strip()
    assert link.startswith(server.url) and requests.get(link, timeout=10).status_code == 200
    cli.ok("review-link", "show", accession)
    cli.ok("review-link", "close", accession)
    closed = cli.run("review-link", "show", accession)
    assert closed.returncode == 1 and words["link_closed"] in closed.stdout
    assert requests.get(link, timeout=10).status_code != 200

    # Curated, then released early; the MOST number still changes after release.
    approve(new_curator(server), accession)
    early = cli.ok("datasets", "release", accession, "--yes")
    assert words["caution"] in early.stderr
    cli.ok("datasets", "watch", accession, "--until", "released", "--timeout", "30")
    cli.ok("most-number", accession, "2026BAT0001")
    assert cli.json("datasets", "show", accession)["most_registration_number"] == "2026BAT0001"

    # Get the released file and check it as a downloader would.
    folder = tmp_path / "download"
    got = cli.ok("get", accession, "-o", str(folder))
    assert words["verified"] in got.stdout
    name = f"{file_id}.fq"
    assert (folder / name).read_bytes() == leaf
    verify = subprocess.run(["md5sum", "-c", f"{name}.md5"], cwd=folder, capture_output=True,
                            text=True, timeout=30)  # fmt: skip
    assert verify.returncode == 0 and f"{name}: OK" in verify.stdout, verify.stderr

    listing = cli.ok("datasets", "list").stdout
    assert words["header"] in listing and accession in listing and "Released" in listing
    elapsed = time.monotonic() - started
    record_property("flow_seconds", round(elapsed, 1))
    print(f"\nguide flow ({lang}): {elapsed:.1f} s")
