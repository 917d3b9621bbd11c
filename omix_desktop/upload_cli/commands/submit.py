"""``submit``: create a dataset from a ``dataset.toml``; ``--template`` and ``--check``.

``--template`` writes a commented file with every key, the server's data
types and sub-types and the user's BioProjects, so nobody has to read the
source to learn the format; ``--check`` lists every problem of a file
without creating anything (see :mod:`omix_desktop.upload_cli.checks`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from omix_desktop.i18n.errors import fill
from omix_desktop.i18n.translator import Translator
from omix_desktop.transfer import HashCache
from omix_desktop.upload_cli.checks import check_dataset
from omix_desktop.upload_cli.commands import Commands, add_command, json_option
from omix_desktop.upload_cli.context import FAILED, OK, TIMED_OUT, USAGE, Cli, Exit
from omix_desktop.upload_cli.dataset_file import DatasetFile, DatasetFileError, read_dataset_file

WAIT_TIMEOUT = 600.0


def _dataset_file_message(tr: Translator, error: DatasetFileError) -> str:
    return fill(tr.gettext(error.template), error.params)


def _md5_of(
    entry: Mapping[str, Any], known: Mapping[str, str | None], cache: HashCache
) -> str | None:
    if "path" in entry:
        return known.get(str(PurePosixPath(str(entry["path"]))))
    local = Path(str(entry["local"])).expanduser()
    return cache.get(local.absolute())


def _parse(cli: Cli, path: Path) -> DatasetFile:
    account = cli.account()
    store = cli.store(account)
    cache = HashCache(cli.paths.data_dir)
    try:
        known = {str(item.remote_path): item.md5 for item in store.items() if item.md5}
        return read_dataset_file(path, lambda entry: _md5_of(entry, known, cache))
    except DatasetFileError as error:
        lines = [_dataset_file_message(cli.tr, problem) for problem in error.problems]
        raise Exit(USAGE, "\n".join(lines)) from error
    finally:
        cache.close()
        store.close()


def submit(cli: Cli) -> int:
    _ = cli.tr.gettext
    if cli.args.template:
        return template(cli)
    if not cli.args.file:
        message = _("Give the dataset file: `omix-upload submit dataset.toml` "
                    "(`omix-upload submit --template > dataset.toml` writes one).")  # fmt: skip
        raise Exit(USAGE, message)
    parsed = _parse(cli, Path(cli.args.file))
    client = cli.client()
    if cli.args.check:
        problems = check_dataset(client, parsed.body, parsed.online, cli.tr)
        if cli.json:
            cli.emit({"ok": not problems, "problems": problems})
        if problems:
            if not cli.json:
                cli.warn("\n".join(problems))
            raise Exit(USAGE, cli.tr.ngettext(
                "{count} problem: nothing was created.",
                "{count} problems: nothing was created.", len(problems)).format(
                    count=len(problems)))  # fmt: skip
        if not cli.json:
            cli.say(fill(_("{path} is ready to submit; nothing was created."),
                         {"path": cli.args.file}))  # fmt: skip
        return OK
    for index, local in parsed.online.items():
        upload = cli.call(client.upload_online, local, values={"value": str(local)})
        parsed.body["files"][index]["upload"] = upload.token
    dataset = cli.call(client.create_dataset, parsed.body, values=parsed.body)
    if not cli.json:
        cli.say(fill(_("Submitted {accession}."), {"accession": dataset.accession}))
    if cli.args.wait:
        deadline = time.monotonic() + cli.args.timeout
        delay = 0.3
        while dataset.status == "Checking" and time.monotonic() < deadline:
            time.sleep(delay)
            delay = min(delay * 1.5, 10.0)
            dataset = cli.call(client.dataset, dataset.accession)
    if cli.json:
        cli.emit(dataset)
    elif cli.args.wait:
        cli.say(f"{dataset.accession}: {dataset.status}")  # the archive's own status names
    if not cli.args.wait:
        return OK
    if dataset.status == "Checking":
        return TIMED_OUT
    return OK if dataset.status == "Archived" else FAILED


def template(cli: Cli) -> int:
    """A commented ``dataset.toml`` with every key and the server's current choices."""
    _ = cli.tr.gettext
    client = cli.client()
    kinds = cli.call(client.data_types)
    projects = cli.call(client.bioprojects)
    first = kinds[0] if kinds else None
    lines = [
        "# " + _("dataset.toml for `omix-upload submit` (check it with `submit --check`)."),
        "# " + _("Keys are the archive's field names; lines starting with # are comments."),
        "",
        'title = "…"',
        'description = """…"""',
        "# " + _("A taxonomy name (Oryza sativa, Homo sapiens…) or \"mixed sample\"."),
        'organism = "…"',
        "# " + _("true only for human genetic resource data (organism Homo sapiens)."),
        "human_genetic_resource = false",
        "# " + _("Data types and their sub-types:"),
        *(f"#   {kind.name}: {', '.join(kind.subtypes)}" for kind in kinds),
        f'data_type = "{first.name if first else ""}"',
        f'data_subtype = "{first.subtypes[0] if first and first.subtypes else ""}"',
        "# " + _("open, or controlled (downloads need the submitter's approval)."),
        'access = "open"',
        "# " + _("Your BioProjects (`omix-upload bioproject create` makes one):"),
        *(f"#   {p.accession}  {p.title}" for p in projects),
        f'bioproject = "{projects[0].accession if projects else "PRJCA000000"}"',
        "# " + _("Optional: the day of submission when left out (an earlier date later is an "
                 "early release)."),
        "# release_date = 2027-03-01",
        "# " + _("Optional: MOST human genetic resource registration number."),
        'most_registration_number = ""',
        "# " + _("Acceptance of the archive's terms and policy."),
        "terms_accepted = true",
        "",
        "# " + _("One [[files]] table per file. path: a file uploaded with `omix-upload put` "
                 "(as `omix-upload status` shows it); or local: a file sent over HTTPS "
                 "(under 100 MB in all). md5 may be left out: the engine's is used."),
        "[[files]]",
        'path = "run1/sample_1.fq.gz"',
        'title = "…"',
        "# " + _("Number of samples, or of files inside an archive (tar/zip)."),
        "samples = 1",
        "# " + _("A data type or sub-type of the list above."),
        f'data_type = "{first.name if first else ""}"',
        '# md5 = "0f343b0931126a20f133d67c2b018a3b"',
    ]  # fmt: skip
    cli.say("\n".join(lines))
    return OK


def register(commands: Commands, tr: Translator) -> None:
    _ = tr.gettext
    command = add_command(
        commands, "submit", tr,
        help=_("create a dataset from a dataset.toml file"),
        details=_(
            "dataset.toml holds the dataset's fields (title, description, organism, "
            "human_genetic_resource, data_type, data_subtype, access, bioproject, "
            "release_date, most_registration_number, terms_accepted) and one [[files]] table "
            "per file (path or local, title, samples, data_type, md5). "
            "`--template` prints a commented one with the server's data types and your "
            "BioProjects; `--check` lists every problem without creating anything."
        ),
        example=["omix-upload submit --template > dataset.toml",
                 "omix-upload submit dataset.toml --check",
                 "omix-upload submit dataset.toml --wait"],
        exits=_("Exit codes: 0 submitted (with --wait: archived; with --check: no problem), "
                "1 MD5 Checked Failed (with --wait), 2 refused (every problem is listed), "
                "3 authentication, 4 server unreachable, 5 still checking at --timeout."),
        handler=submit,
    )  # fmt: skip
    command.add_argument("file", nargs="?", metavar="DATASET_TOML")
    command.add_argument("--template", action="store_true",
                         help=_("print a commented dataset.toml to start from"))  # fmt: skip
    command.add_argument("--check", action="store_true",
                         help=_("check the file against the server; create nothing"))  # fmt: skip
    command.add_argument("--wait", action="store_true", help=_("wait until the files are checked"))
    command.add_argument("--timeout", type=float, default=WAIT_TIMEOUT, help=_("seconds to wait"))
    json_option(command, tr)
