"""Each refusal of the terminal commands: its exit code, and a message naming the
field and the value and the ``omix-upload`` command that helps (English and Chinese)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.terminal import Terminal
from tests.support.accounts import ApiUser, new_user
from tests.support.release import submit
from tests.support.server import ServerProcess

pytestmark = pytest.mark.timeout(180)

TOML = """
title = "Leaf transcriptome"
description = "RNA-seq of rice leaves."
organism = "Oryza sativa"
data_type = "{data_type}"
data_subtype = "Gene expression matrix"
access = "open"
bioproject = "PRJCA999999"
terms_accepted = true

[[files]]
path = "never/uploaded.fq"
title = "Leaf"
samples = 1
data_type = "Transcriptome"
md5 = "{md5}"
"""


@pytest.fixture
def cli(server: ServerProcess, tmp_path: Path) -> Terminal:
    return Terminal(server, tmp_path / "home", new_user(server.api, prefix="errs")).login()


def test_an_unknown_bioproject_names_the_field_the_value_and_the_commands(
    cli: Terminal, tmp_path: Path
) -> None:
    toml = tmp_path / "dataset.toml"
    toml.write_text(TOML.format(data_type="Transcriptome", md5="a" * 32))
    done = cli.run("submit", str(toml))
    assert done.returncode == 2
    assert (
        "bioproject: PRJCA999999 is not one of your BioProjects; see `omix-upload bioproject "
        "list`, or create one with `omix-upload bioproject create --title …`."
    ) in done.stderr
    assert "Refresh the list" not in done.stderr
    assert "files[1].path: never/uploaded.fq is not in your pre-upload area" in done.stderr

    chinese = Terminal(cli.server, cli.home, cli.user, "zh_CN").run("submit", str(toml))
    assert chinese.returncode == 2
    assert "bioproject: PRJCA999999 不是您的 BioProject；请查看 `omix-upload bioproject list`" in (
        chinese.stderr
    )


def test_check_lists_every_problem_at_once_and_creates_nothing(
    cli: Terminal, tmp_path: Path
) -> None:
    toml = tmp_path / "dataset.toml"
    toml.write_text(TOML.format(data_type="Transcriptomics", md5="a" * 32))
    done = cli.run("submit", str(toml), "--check")
    assert done.returncode == 2
    assert "bioproject: PRJCA999999 is not one of your BioProjects" in done.stderr
    assert "data_type: Transcriptomics is not a data type of the list" in done.stderr
    assert "files[1].path: never/uploaded.fq is not in your pre-upload area" in done.stderr
    assert "3 problems: nothing was created." in done.stderr
    assert cli.json("datasets", "list") == []


def test_another_users_dataset_is_not_yours(
    cli: Terminal, server: ServerProcess, other_user: ApiUser
) -> None:
    theirs = submit(other_user).accession
    for args in (
        ("datasets", "show", theirs),
        ("files", "fix-md5", f"{theirs}-01", "b" * 32),
        ("review-link", "create", theirs),
        ("datasets", "release", theirs, "--yes"),
    ):
        done = cli.run(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert (
            f"{theirs} is not one of your datasets; see `omix-upload datasets list`." in done.stderr
        ), args
    chinese = Terminal(server, cli.home, cli.user, "zh_CN").run("datasets", "show", theirs)
    assert chinese.returncode == 2
    assert f"{theirs} 不是您的数据集；请查看 `omix-upload datasets list`。" in chinese.stderr


def test_bad_toml_says_where(cli: Terminal, tmp_path: Path) -> None:
    toml = tmp_path / "dataset.toml"
    toml.write_text('title = "Leaf\n[[files]]\n')
    done = cli.run("submit", str(toml), "--check")
    assert done.returncode == 2
    assert f"{toml} is not valid TOML" in done.stderr and "line 1" in done.stderr
    chinese = Terminal(cli.server, cli.home, cli.user, "zh_CN").run("submit", str(toml))
    assert chinese.returncode == 2 and "不是有效的 TOML" in chinese.stderr


def test_a_file_lists_all_its_problems(cli: Terminal, tmp_path: Path) -> None:
    toml = tmp_path / "dataset.toml"
    toml.write_text('titel = "Leaf"\n[[files]]\npath = "a.fq"\nlocal = "a.fq"\n[[files]]\n'
                    'path = "b.fq"\nmd5 = "xyz"\n')  # fmt: skip
    done = cli.run("submit", str(toml))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 3, lines
    assert "Unknown key titel" in lines[0] and "File 1" in lines[1] and "b.fq" in lines[2]


def test_server_down_exits_4_naming_the_server(own_server: ServerProcess, tmp_path: Path) -> None:
    own_server.start()
    cli = Terminal(own_server, tmp_path / "home", new_user(own_server.api)).login()
    own_server.stop()
    for args in (("datasets", "list"), ("bioproject", "list"), ("get", "OMIX000001")):
        done = cli.run(*args)
        assert done.returncode == 4, (args, done.stderr)
        assert f"Cannot reach the server at {own_server.url}." in done.stderr, args
    chinese = Terminal(own_server, cli.home, cli.user, "zh_CN").run("datasets", "list")
    assert chinese.returncode == 4 and f"无法连接服务器 {own_server.url}" in chinese.stderr


def test_watch_fix_and_delete_refusals(cli: Terminal, tmp_path: Path) -> None:
    data = os.urandom(4000)
    (tmp_path / "a.fq").write_bytes(data)
    cli.ok("put", str(tmp_path / "a.fq"))
    project = cli.json("bioproject", "create", "--title", "P")["accession"]
    toml = tmp_path / "dataset.toml"
    toml.write_text(
        TOML.format(data_type="Transcriptome", md5="c" * 32)
        .replace("PRJCA999999", project)
        .replace("never/uploaded.fq", "a.fq")
    )
    assert cli.run("submit", str(toml)).returncode == 0
    accession = cli.json("datasets", "list")[0]["accession"]
    failed = cli.run("datasets", "watch", accession, "--timeout", "30")
    assert failed.returncode == 1 and "MD5 Checked Failed" in failed.stdout
    wrong = cli.run("files", "fix-md5", f"{accession}-01", "d" * 32)
    assert wrong.returncode == 1 and "MD5 Checked Failed" in wrong.stdout
    bad = cli.run("files", "fix-md5", f"{accession}-01", "not-an-md5")
    assert bad.returncode == 2 and "md5: not-an-md5 is not an MD5" in bad.stderr
    missing = cli.run("files", "delete", f"{accession}-07", "--yes")
    assert missing.returncode == 2
    assert f"{accession}-07 is not a file of {accession}" in missing.stderr
    last = cli.run("files", "delete", f"{accession}-01", "--yes")
    assert last.returncode == 1 and "is the last file of" in last.stderr
    unconfirmed = cli.run("files", "delete", f"{accession}-01")
    assert unconfirmed.returncode == 2 and "Add --yes to confirm." in unconfirmed.stderr
    no_link = cli.run("review-link", "create", accession)
    assert no_link.returncode == 1 and "is archived yet" in no_link.stderr
    nothing = cli.run("datasets", "edit", accession)
    assert nothing.returncode == 2 and "Nothing to change" in nothing.stderr


def test_get_of_an_unreleased_dataset(cli: Terminal, tmp_path: Path) -> None:
    done = cli.run("get", "OMIX999999", "-o", str(tmp_path))
    assert done.returncode == 2
    assert "OMIX999999 is not a released dataset" in done.stderr


def test_every_command_has_an_example_and_exit_codes(cli: Terminal) -> None:
    for args in (("bioproject", "list"), ("datasets", "watch"), ("files", "fix-md5"),
                 ("review-link", "close"), ("most-number",), ("get",), ("submit",),
                 ("put",), ("completion",)):  # fmt: skip
        shown = cli.ok(*args, "--help").stdout
        assert "Example:" in shown and "Exit codes:" in shown, args
    get_help = " ".join(cli.ok("get", "--help").stdout.split())
    assert "in byte ranges over several connections at once" in get_help
    assert "--connections N|auto" in get_help and "not implemented" not in get_help
    chinese = Terminal(cli.server, cli.home, cli.user, "zh_CN").ok("datasets", "show", "--help")
    assert "示例：" in chinese.stdout and "退出码：" in chinese.stdout


def test_shell_completion(cli: Terminal, tmp_path: Path) -> None:
    """The bash code, and argcomplete answering the shell's request from the parser."""
    script = cli.ok("completion", "bash").stdout
    assert "complete" in script and "omix-upload" in script
    assert "compdef" in cli.ok("completion", "zsh").stdout
    answer = tmp_path / "completions"
    line = "omix-upload datasets w"
    env = {**cli.env, "_ARGCOMPLETE": "1", "_ARGCOMPLETE_IFS": "\n", "COMP_LINE": line,
           "COMP_POINT": str(len(line)), "_ARGCOMPLETE_STDOUT_FILENAME": str(answer)}  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "omix_desktop.upload_cli"], env=env,
                          capture_output=True, text=True, timeout=30)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert answer.read_text().split() == ["watch"]
