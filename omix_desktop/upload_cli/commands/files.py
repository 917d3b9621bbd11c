"""``files fix-md5|add|delete``: correct a dataset's files until release.

MD5s come from this computer, never from the server: ``--from-local``
hashes the original file with the engine (and its cache), and ``add``
takes the MD5s the engine verified while uploading, so the archive's check
compares two independent computations, as the guide intends. A file is
never replaced in place: add the new one, then delete the old one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from omix_desktop.i18n.errors import fill
from omix_desktop.i18n.translator import Translator
from omix_desktop.transfer import HashCache, hash_files
from omix_desktop.upload_cli.commands import (
    Commands,
    add_command,
    exit_codes_common,
    group,
    json_option,
    yes_option,
)
from omix_desktop.upload_cli.context import FAILED, INTERRUPTED, OK, USAGE, Cli, Exit, accession_of
from omix_desktop.upload_cli.diagnosis import file_reason
from omix_wire.md5 import normalize_md5


def local_md5s(cli: Cli, paths: Sequence[Path]) -> dict[Path, str]:
    """MD5 of local files by the engine (cached by size and time), or an exit naming the file."""
    for path in paths:
        if not path.is_file():
            raise Exit(USAGE, fill(cli.tr.gettext("No such file: {path}"), {"path": path}))
    cache = HashCache(cli.paths.data_dir)
    errors: dict[Path, OSError] = {}
    try:
        digests = asyncio.run(hash_files(paths, cache=cache, errors=errors))
    except KeyboardInterrupt:
        raise Exit(INTERRUPTED) from None
    finally:
        cache.close()
    for path, error in errors.items():
        raise Exit(FAILED, f"{path}: {error.strerror or error}")
    return digests


def uploaded_md5s(cli: Cli) -> dict[str, str]:
    """Remote path → MD5 of every file ``omix-upload put`` verified for this account."""
    store = cli.store(cli.account())
    try:
        return {str(item.remote_path): item.md5 for item in store.items() if item.md5}
    finally:
        store.close()


def fix_md5(cli: Cli) -> int:
    _ = cli.tr.gettext
    file_id: str = cli.args.file_id
    if bool(cli.args.md5) == bool(cli.args.from_local):
        raise Exit(USAGE, _("Give either the MD5 or --from-local PATH (not both)."))
    if cli.args.from_local:
        local = Path(cli.args.from_local).expanduser()
        md5 = local_md5s(cli, [local])[local]
        cli.say(fill(_("MD5 of {path} on this computer: {md5}"), {"path": local, "md5": md5}))
    else:
        md5 = normalize_md5(cli.args.md5) or cli.args.md5
    accession = accession_of(file_id)
    client = cli.client()
    values = {"accession": accession, "value": file_id, "md5": md5}
    changed = cli.call(client.update_file, accession, file_id, {"md5": md5}, values=values)
    if cli.json:
        cli.emit(changed)
    else:
        cli.say(f"{file_id}: {changed.status}")
    if changed.status == "MD5 Checked Failed":
        if not cli.json:
            diagnosis = cli.call(client.file_diagnosis, accession, file_id)
            cli.say("  " + file_reason(diagnosis, changed.name, cli.tr))
        return FAILED
    return OK


def add(cli: Cli) -> int:
    _ = cli.tr.gettext
    accession: str = cli.args.accession
    client = cli.client()
    dataset = cli.call(client.dataset, accession, values={"accession": accession})
    if cli.args.md5 and len(cli.args.paths) > 1:
        raise Exit(USAGE, _("--md5 is for one file; leave it out to use the engine's MD5s."))
    if cli.args.title and len(cli.args.paths) > 1:
        raise Exit(USAGE, _("--title is for one file; each file is otherwise titled by its name."))
    common: dict[str, Any] = {
        "samples": cli.args.samples,
        "data_type": cli.args.data_type or dataset.data_type,
    }
    entries: list[dict[str, Any]] = []
    if cli.args.online:
        locals_ = [Path(p).expanduser() for p in cli.args.paths]
        digests = local_md5s(cli, locals_)
        for local in locals_:
            upload = cli.call(client.upload_online, local, values={"value": str(local)})
            md5 = cli.args.md5 or digests[local]
            entries.append({"source": "http", "upload": upload.token, "md5": md5,
                            "title": cli.args.title or local.name, **common})  # fmt: skip
    else:
        known = uploaded_md5s(cli)
        for path in cli.args.paths:
            remote = str(PurePosixPath(path))
            md5 = cli.args.md5 or known.get(remote)
            if not md5:
                raise Exit(USAGE, fill(_(
                    "No MD5 known for {name}: upload it with `omix-upload put` first, or give "
                    "--md5."), {"name": remote}))  # fmt: skip
            title = cli.args.title or PurePosixPath(remote).name
            entries.append({"source": "ftp", "path": remote, "md5": md5, "title": title,
                            **common})  # fmt: skip
    before = {file.file_id for file in dataset.files}
    values = {"accession": accession, "files": entries}
    updated = cli.call(client.add_files, accession, entries, values=values)
    new = [file for file in updated.files if file.file_id not in before]
    if cli.json:
        cli.emit(new)
        return OK
    for file in new:
        cli.say(f"{file.file_id}  {file.name}  {file.status}")
    cli.say(fill(_("Follow the check with `omix-upload datasets watch {accession}`."),
                 {"accession": accession}))  # fmt: skip
    return OK


def delete(cli: Cli) -> int:
    _ = cli.tr.gettext
    file_id: str = cli.args.file_id
    accession = accession_of(file_id)
    cli.confirm(fill(_("Delete {file_id} and its archived copy?"), {"file_id": file_id}))
    client = cli.client()
    values = {"accession": accession, "value": file_id}
    cli.call(client.delete_file, accession, file_id, values=values)
    cli.say(fill(_("Deleted {file_id}."), {"file_id": file_id}))
    return OK


def register(commands: Commands, tr: Translator) -> None:
    _ = tr.gettext
    sub = group(
        commands, "files", tr,
        help=_("fix an MD5, add or delete a file of a dataset (before release)"),
        example=["omix-upload files fix-md5 OMIX000001-01 --from-local run1/leaf_1.fq.gz"],
    )  # fmt: skip
    fix = add_command(
        sub, "fix-md5", tr,
        help=_("correct the MD5 of a file; the archive checks it again at once"),
        example=["omix-upload files fix-md5 OMIX000001-01 --from-local run1/leaf_1.fq.gz",
                 "omix-upload files fix-md5 OMIX000001-01 0f343b0931126a20f133d67c2b018a3b"],
        exits=_("Exit codes: 0 the MD5 matches now (Archived), 1 it still differs (the reason is "
                "printed), 2 refused, 3 authentication, 4 server unreachable."),
        handler=fix_md5,
    )  # fmt: skip
    fix.add_argument("file_id", metavar="FILE_ID")
    fix.add_argument("md5", nargs="?", metavar="MD5")
    fix.add_argument("--from-local", metavar="PATH",
                     help=_("compute the MD5 of this local file (the original)"))  # fmt: skip
    json_option(fix, tr)

    more = add_command(
        sub, "add", tr,
        help=_("add files: pre-uploaded paths (`omix-upload put` first), or local files "
               "with --online"),
        example=["omix-upload put run2/leaf_4.fq.gz && "
                 "omix-upload files add OMIX000001 leaf_4.fq.gz --samples 1",
                 "omix-upload files add OMIX000001 --online notes/matrix.txt"],
        exits=exit_codes_common(tr), handler=add,
    )  # fmt: skip
    more.add_argument("accession", metavar="OMIX_ID")
    more.add_argument("paths", nargs="+", metavar="PATH")
    more.add_argument("--online", action="store_true",
                      help=_("PATHs are local files sent over HTTPS (under 100 MB in all)"),
                      )  # fmt: skip
    more.add_argument("--title", help=_("title of the file (default: its name)"))
    more.add_argument("--samples", type=int, default=1,
                      help=_("number of samples, or of files inside an archive (default: 1)"),
                      )  # fmt: skip
    more.add_argument("--data-type", dest="data_type",
                      help=_("data type of the files (default: the dataset's)"))  # fmt: skip
    more.add_argument("--md5", help=_("the MD5 (default: the one `omix-upload put` verified)"))
    json_option(more, tr)

    remove = add_command(
        sub, "delete", tr,
        help=_("delete a file and its archived copy (never the last one)"),
        example=["omix-upload files delete OMIX000001-01 --yes"],
        exits=_("Exit codes: 0 deleted, 1 not confirmed or refused (the last file), 2 not "
                "your file or --yes missing without a terminal, 3 authentication, "
                "4 server unreachable."),
        handler=delete,
    )  # fmt: skip
    remove.add_argument("file_id", metavar="FILE_ID")
    yes_option(remove, tr)
