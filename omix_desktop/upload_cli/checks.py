"""``submit --check``: every problem of a ``dataset.toml`` against the server, at once.

The server has no dry-run of ``POST /datasets``, so the check asks it for
what a submission is checked against (the user's BioProjects, the data
types, the organism list, the pre-upload area with the MD5s it computed)
and applies the same rules here, creating nothing. The words are those of
:mod:`.messages`, so a problem reads the same whether ``--check`` or the
server found it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from omix_desktop.api import ApiClient
from omix_desktop.api.errors import FieldProblem
from omix_desktop.i18n.errors import fill
from omix_desktop.i18n.translator import Translator
from omix_desktop.upload_cli.messages import field_label, problem_line
from omix_wire import reference
from omix_wire.limits import latest_release_date

REQUIRED = ("title", "description", "organism", "data_type", "data_subtype", "access",
            "bioproject", "terms_accepted")  # fmt: skip


def check_dataset(
    client: ApiClient, body: Mapping[str, Any], online: Mapping[int, Path], tr: Translator
) -> list[str]:
    """One line per problem (empty: the server would accept the submission)."""
    _ = tr.gettext
    lines: list[str] = []

    def coded(code: str, field: str, **params: Any) -> None:
        lines.append(problem_line(FieldProblem(code, "", field, params), body, tr))

    def plain(field: str, text: str, **params: Any) -> None:
        lines.append(f"{field_label(field)}: {fill(text, params)}")

    for key in REQUIRED:
        if body.get(key) in (None, ""):
            plain(key, _("missing; add it (`omix-upload submit --template` shows every key)."))
    if body.get("bioproject"):
        mine = {project.accession for project in client.bioprojects()}
        if body["bioproject"] not in mine:
            coded("bioproject_not_found", "bioproject")
    kinds = {kind.name.casefold(): kind for kind in client.data_types()}
    kind = kinds.get(str(body.get("data_type", "")).casefold())
    if body.get("data_type") and kind is None:
        coded("unknown_data_type", "data_type")
    elif kind is not None and body.get("data_subtype"):
        if str(body["data_subtype"]).casefold() not in {s.casefold() for s in kind.subtypes}:
            coded("unknown_data_subtype", "data_subtype", data_type=kind.name)
    _check_organism(client, body, coded, plain, tr)
    if body.get("access") not in (None, "", "open", "controlled"):
        plain("access", _("{value} is neither open nor controlled."), value=body["access"])
    if "terms_accepted" in body and body["terms_accepted"] is not True:
        plain("terms_accepted", _("must be true (the TOML word, not a string) to submit."))
    _check_release_date(body.get("release_date"), plain, tr)
    _check_files(client, body, online, coded, plain, tr, set(kinds))
    return lines


def _check_organism(client: ApiClient, body: Mapping[str, Any], coded: Any, plain: Any,
                    tr: Translator) -> None:  # fmt: skip
    organism = str(body.get("organism") or "")
    if not organism or organism.casefold() == reference.MIXED_SAMPLE:
        return
    hints = client.organisms(organism, limit=50) if reference.query_long_enough(organism) else []
    found = next((o for o in hints if o.name.casefold() == organism.casefold()), None)
    if found is None:
        coded("unknown_organism", "organism")
    elif body.get("human_genetic_resource") is True and found.name != reference.HOMO_SAPIENS:
        plain("organism", tr.gettext("human genetic resource data must be Homo sapiens, "
                                     "not {value}."), value=organism)  # fmt: skip


def _check_release_date(value: Any, plain: Any, tr: Translator) -> None:
    if value in (None, ""):
        return
    try:
        chosen = date.fromisoformat(str(value))
    except ValueError:
        plain("release_date", tr.gettext("{value} is not a date; write it as 2027-03-01."),
              value=value)  # fmt: skip
        return
    today = date.today()
    if chosen < today:
        plain("release_date", tr.gettext("{value} is in the past; leave it out to release on "
                                         "the day of submission."), value=value)  # fmt: skip
    elif chosen > latest_release_date(today):
        plain("release_date", tr.gettext("{value} is too far ahead: at most on {latest}."),
              value=value, latest=latest_release_date(today).isoformat())  # fmt: skip


def _check_files(client: ApiClient, body: Mapping[str, Any], online: Mapping[int, Path],
                 coded: Any, plain: Any, tr: Translator, kinds: set[str]) -> None:  # fmt: skip
    _ = tr.gettext
    files = list(body.get("files") or [])
    area = {entry.path: entry for entry in client.preupload_files()} if files else {}
    subtypes = {s.casefold() for kind in client.data_types() for s in kind.subtypes}
    for index, entry in enumerate(files):
        field = f"files.{index}"
        data_type = str(entry.get("data_type") or "")
        if not data_type:
            plain(f"{field}.data_type", _("missing; add it (a data type or sub-type)."))
        elif data_type.casefold() not in kinds | subtypes:
            coded("unknown_data_type", f"{field}.data_type")
        if index in online:
            if not online[index].is_file():
                plain(f"{field}.local", _("{value}: no such file."), value=online[index])
            continue
        found = area.get(str(entry.get("path")))
        if found is None:
            coded("preupload_file_not_found", f"{field}.path")
        elif found.state != "complete":
            coded("upload_in_progress", f"{field}.path")
        elif found.selected_by:
            coded("file_already_selected", f"{field}.path", file_id=found.selected_by)
        elif found.md5 and found.md5 != entry.get("md5"):
            plain(f"{field}.md5", _(
                "{value} differs from the MD5 the server computed for {path} ({server}): the "
                "dataset would end MD5 Checked Failed. Check the local file with "
                "`omix-upload md5 FILE`."), value=entry.get("md5"), path=found.path,
                server=found.md5)  # fmt: skip
