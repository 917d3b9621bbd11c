"""Why a file is not archived, in terminal words with the command that fixes it.

The server explains a ``Checking`` or failed file with a reason code (and
an English sentence for logs); here each code becomes a translated sentence
naming the file, both MD5s when they matter, and the ``omix-upload``
commands to run, as the guide's "Checking" diagnosis asks.
"""

from __future__ import annotations

from collections.abc import Callable

from omix_desktop.api.archive_models import FileDiagnosis
from omix_desktop.i18n.errors import fill
from omix_desktop.i18n.translator import Translator


def _texts(tr: Translator) -> dict[str, Callable[[], str]]:
    _ = tr.gettext
    return {
        "md5_mismatch": lambda: _(
            "MD5 Checked Failed: the MD5 you gave ({declared}) differs from the one the server "
            "computed ({server}). Run `omix-upload md5 YOUR_FILE`: if it gives the server's "
            "MD5, correct it with `omix-upload files fix-md5 {file_id} --from-local YOUR_FILE`; "
            "otherwise the upload was broken: upload the file again (`omix-upload put`), add "
            "it (`omix-upload files add {accession} PATH`) and delete this one."
        ),
        "hashing": lambda: _("Checking: the server is computing the MD5 of {path}; wait a moment."),
        "still_uploading": lambda: _(
            "Checking: {path} is still being uploaded ({received} bytes so far); it is "
            "verified as soon as the upload ends. If the transfer stopped, run `omix-upload "
            "retry` or the same `omix-upload put` again to resume it."
        ),
        "upload_incomplete": lambda: _(
            "Checking: the upload of {path} stopped before the end; run `omix-upload retry` "
            "(or the same `omix-upload put`) to resume it."
        ),
        "missing": lambda: _(
            "Checking: {path} is no longer in your pre-upload area; upload it again to the "
            "same path with `omix-upload put`, or delete this file and add it again."
        ),
        "invalid_name": lambda: _(
            "Checking: the name or a folder of {path} has a space or a special character; "
            "rename it, upload it again and add it with `omix-upload files add`."
        ),
        "empty_file": lambda: _(
            "Checking: {path} is empty (0 bytes); upload it again to the same path with "
            "`omix-upload put`."
        ),
    }


def file_reason(diagnosis: FileDiagnosis, name: str, tr: Translator) -> str:
    """The reason of one file that is not archived, and what to do."""
    params = {
        "declared": diagnosis.md5_declared,
        "server": diagnosis.md5_server or "-",
        "file_id": diagnosis.file_id,
        "accession": diagnosis.file_id.rpartition("-")[0],
        "path": diagnosis.preupload_path or name,
        "received": diagnosis.received_bytes if diagnosis.received_bytes is not None else "?",
    }
    text = _texts(tr).get(diagnosis.reason or "")
    if text is None:
        return f"{diagnosis.status}: {diagnosis.message}"
    return fill(text(), params)
