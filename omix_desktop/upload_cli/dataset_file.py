"""``dataset.toml``: a dataset's metadata in a file, for ``omix-upload submit``.

The keys are the server's field names (the same as the API's), so nothing is
renamed on the way. Each ``[[files]]`` entry names a file uploaded to the
pre-upload area (``path``, as ``omix-upload status`` shows it) or a local
file to send online (``local``, small submissions); its ``md5`` may be left
out: it is then taken from what the transfer engine computed, never from the
server (the point of the check is that the two sides agree)::

    title = "Leaf transcriptome under drought"
    description = "RNA-seq of rice leaves, three time points."
    organism = "Oryza sativa"
    data_type = "Transcriptome"
    data_subtype = "Gene expression matrix"
    access = "open"                 # or "controlled"
    bioproject = "PRJCA000001"
    release_date = 2027-03-01       # optional: on submission when absent
    terms_accepted = true

    [[files]]
    path = "run1/leaf_1.fq.gz"
    title = "Leaf, replicate 1"
    samples = 1
    data_type = "Transcriptome"
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from omix_desktop.i18n.translator import N_
from omix_wire.md5 import normalize_md5

DATASET_KEYS = {
    "title", "description", "organism", "human_genetic_resource", "data_type",
    "data_subtype", "access", "bioproject", "release_date", "most_registration_number",
    "terms_accepted",
}  # fmt: skip
FILE_KEYS = {"path", "local", "title", "samples", "data_type", "md5"}


class DatasetFileError(Exception):
    """A problem in the file: an English template (translated when shown) and its values.

    ``problems`` holds every problem found (this one first), so a user
    fixes the file in one go instead of one error per run.
    """

    def __init__(self, template: str, **params: Any) -> None:
        super().__init__(template.format(**params))
        self.template = template
        self.params = params
        self.problems: list[DatasetFileError] = [self]

    @classmethod
    def of(cls, problems: list[DatasetFileError]) -> DatasetFileError:
        first = problems[0]
        first.problems = list(problems)
        return first


@dataclass
class DatasetFile:
    """The request body, and the local files that still have to be sent online."""

    body: dict[str, Any]
    online: dict[int, Path] = field(default_factory=dict)
    """Index in ``body["files"]`` → local file to upload over HTTPS first."""


def read_dataset_file(path: Path, md5_of: Callable[[Mapping[str, Any]], str | None]) -> DatasetFile:
    """Parse and check ``path``; ``md5_of(entry)`` supplies MD5s the file leaves out."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise DatasetFileError(N_("Cannot read {path}: {error}"), path=path, error=error) from error
    except tomllib.TOMLDecodeError as error:
        raise DatasetFileError(
            N_("{path} is not valid TOML: {error}"), path=path, error=error
        ) from error
    problems: list[DatasetFileError] = [
        DatasetFileError(N_("Unknown key {key} in {path}; check its spelling."), key=key, path=path)
        for key in sorted(set(raw) - DATASET_KEYS - {"files"})
    ]
    body: dict[str, Any] = {key: value for key, value in raw.items() if key in DATASET_KEYS}
    if isinstance(body.get("release_date"), date):
        body["release_date"] = body["release_date"].isoformat()
    entries = raw.get("files")
    if not isinstance(entries, list) or not entries:
        problems.append(
            DatasetFileError(N_("{path} lists no [[files]]: add at least one."), path=path)
        )
        entries = []
    result = DatasetFile(body)
    files: list[dict[str, Any]] = []
    for index, entry in enumerate(entries):
        try:
            files.append(_file(path, index, entry, md5_of, result))
        except DatasetFileError as error:
            problems.append(error)
    if problems:
        raise DatasetFileError.of(problems)
    body["files"] = files
    return result


def _file(
    path: Path,
    index: int,
    entry: Any,
    md5_of: Callable[[Mapping[str, Any]], str | None],
    result: DatasetFile,
) -> dict[str, Any]:
    number = index + 1
    if not isinstance(entry, dict):
        raise DatasetFileError(
            N_("File {number} in {path} is not a table."), number=number, path=path
        )
    unknown = sorted(set(entry) - FILE_KEYS)
    if unknown:
        raise DatasetFileError(
            N_("Unknown key {key} in file {number} of {path}."), key=unknown[0], number=number,
            path=path,
        )  # fmt: skip
    if ("path" in entry) == ("local" in entry):
        raise DatasetFileError(
            N_("File {number} in {path} needs either path (uploaded by FTP) or local "
               "(sent online), not both."), number=number, path=path,
        )  # fmt: skip
    typed = str(entry.get("md5") or md5_of(entry) or "")
    if not typed:
        raise DatasetFileError(
            N_("No MD5 known for {name}: upload it with `omix-upload put` first, or add "
               "md5 = \"…\" to its entry."), name=entry.get("path") or entry.get("local"),
        )  # fmt: skip
    md5 = normalize_md5(typed)
    if md5 is None:
        raise DatasetFileError(
            N_("The MD5 of {name} is not 32 hexadecimal characters."),
            name=entry.get("path") or entry.get("local"),
        )
    out = {key: entry[key] for key in ("title", "samples", "data_type") if key in entry}
    out["md5"] = md5
    if "path" in entry:
        out.update(source="ftp", path=str(entry["path"]))
    else:
        local = Path(str(entry["local"])).expanduser()
        if not local.is_absolute():
            local = path.parent / local
        result.online[index] = local
        out.update(source="http", upload="")
    return out
