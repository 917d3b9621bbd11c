"""What My submissions says about one data file: why it failed or waits, and what to do.

The archive's status alone ("MD5 Checked Failed", "Checking") leaves the user
guessing; the guide names the causes. An MD5 failure is told apart with the
MD5 this computer computed before uploading the file (the upload queue's):
either the typed MD5 was wrong (use Fix MD5, filled in with the computed one)
or the file on the server is not the one on this computer (upload it again).
A file that stays ``Checking`` is explained with the server's diagnosis
(``GET …/files/{id}/diagnosis``): still uploading (how much arrived, and
whether it stopped), upload cut short, missing, empty, bad name or hashing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath

from omix_desktop.api.archive_models import DataFile, FileDiagnosis
from omix_desktop.i18n.errors import fill, name_verdict_message
from omix_desktop.i18n.format import format_duration, format_size
from omix_desktop.i18n.translator import Translator
from omix_wire.md5 import normalize_md5
from omix_wire.naming import check_path

MD5_FAILED = "MD5 Checked Failed"
CHECKING = "Checking"


def computed_md5(item: DataFile, uploads: list[tuple[str, int, str]]) -> str | None:
    """The MD5 this computer computed for the file, if it uploaded it.

    ``uploads`` holds (server path, size, MD5) of the queue's uploads. A file
    still waiting names its pre-upload path; an archived one only keeps its
    name and size, so those must match one upload (or several with one MD5).
    """
    if item.preupload_path is not None:
        found = {md5.lower() for path, _size, md5 in uploads if path == item.preupload_path}
    else:
        found = {
            md5.lower()
            for path, size, md5 in uploads
            if PurePosixPath(path).name == item.name and size == item.size
        }
    return found.pop() if len(found) == 1 else None


def md5_failure_note(item: DataFile, computed: str | None, tr: Translator) -> str:
    """Why the archive's MD5 check failed, and the action to take."""
    _ = tr.gettext
    typed = normalize_md5(item.md5) or item.md5.lower()
    server = (item.md5_server or "").lower() or None
    if computed and server and server != computed:
        return _(
            "The file on the server is not the one on this computer (its MD5 differs from "
            "the one computed before the upload): the upload was damaged. Upload the file "
            "again, add it to the dataset, then delete this one."
        )
    if computed and typed != computed:
        return fill(
            _(
                "The MD5 you typed differs from the file's: this computer computed {md5} "
                "before uploading it. Use Fix MD5 (it is filled in with {md5})."
            ),
            {"md5": computed},
        )
    if server and typed != server:
        return fill(
            _(
                "The MD5 you typed differs from the file's ({md5}, computed by the archive). "
                "If yours is a typing error, use Fix MD5; if the file is damaged, upload it "
                "again."
            ),
            {"md5": server},
        )
    return item.checking_message or ""


STALLED_AFTER = timedelta(minutes=5)
"""An upload that received nothing for this long is called stopped, not running."""


def checking_note(
    item: DataFile, diagnosis: FileDiagnosis | None, tr: Translator, now: datetime | None = None
) -> str:
    """Why a file stays ``Checking`` (the server's diagnosis when known), and what to do."""
    _ = tr.gettext
    reason = diagnosis.reason if diagnosis is not None else item.checking_reason
    path = (diagnosis.preupload_path if diagnosis else None) or item.preupload_path or item.name
    received = diagnosis.received_bytes if diagnosis else None
    last = diagnosis.last_received_at if diagnosis else None
    values = {
        "path": path,
        "size": format_size(item.size, tr.locale),
        "received": format_size(received or 0, tr.locale),
    }
    if diagnosis is not None and diagnosis.preupload_state == "absent":
        reason = "missing"
    if reason == "still_uploading":
        ago = ((now or datetime.now(UTC)) - last) if last is not None else None
        if ago is not None and ago > STALLED_AFTER:
            values["ago"] = format_duration(ago, tr.locale)
            text = _(
                "Still uploading to “{path}”, but nothing has arrived for {ago} ({received} "
                "received): resume the upload in Transfers (Retry), or upload the file again "
                "to the same path."
            )
        elif received is not None:
            text = _(
                "Still uploading to “{path}”: {received} received so far. It is checked as "
                "soon as the upload ends; if Transfers shows it stopped, resume it there."
            )
        else:
            text = _(
                "Still uploading to “{path}”. It is checked as soon as the upload ends; if "
                "Transfers shows it stopped, resume it there."
            )
    elif reason == "upload_incomplete":
        text = _(
            "The upload of “{path}” stopped before the end ({received} received): the "
            "server's disk was full or the connection was lost. Resume it in Transfers "
            "(Retry); it is checked as soon as it is complete."
        )
    elif reason == "missing":
        text = _(
            "“{path}” is not in your pre-upload area (deleted or renamed before it was "
            "archived). Upload it again to the same path, or delete this file and add the "
            "file again."
        )
    elif reason == "invalid_name":
        verdict = check_path(path)
        problem = name_verdict_message(verdict, tr) + " " if not verdict.ok else ""
        return problem + fill(
            _(
                "“{path}” has a name the archive refuses: rename it, upload it again, add it "
                "to the dataset, then delete this file."
            ),
            values,
        )
    elif reason == "empty_file":
        text = _(
            "“{path}” is empty (0 bytes). Upload it again with its content to the same "
            "path: it is checked as soon as the upload ends."
        )
    elif reason == "hashing" or reason is None:
        text = _(
            "The archive is computing the MD5 of this file ({size}); it takes longer for "
            "large files. Nothing to do."
        )
    else:
        return (diagnosis.message if diagnosis else item.checking_message) or ""
    return fill(text, values)


def file_note(
    item: DataFile, computed: str | None, tr: Translator, diagnosis: FileDiagnosis | None = None
) -> str:
    """The Note column of a data file in My submissions."""
    if item.status == MD5_FAILED:
        return md5_failure_note(item, computed, tr)
    if item.status == CHECKING:
        return checking_note(item, diagnosis, tr)
    return ""
