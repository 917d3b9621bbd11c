"""What My submissions says about one data file: why it failed or waits, and what to do.

The archive's status alone ("MD5 Checked Failed", "Checking") leaves the user
guessing; the guide names the causes. An MD5 failure is told apart with the
MD5 this computer computed before uploading the file (the upload queue's):
either the typed MD5 was wrong (use Fix MD5, filled in with the computed one)
or the file on the server is not the one on this computer (upload it again).
"""

from __future__ import annotations

from pathlib import PurePosixPath

from omix_desktop.api.archive_models import DataFile
from omix_desktop.i18n.errors import fill
from omix_desktop.i18n.translator import Translator
from omix_wire.md5 import normalize_md5

MD5_FAILED = "MD5 Checked Failed"


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


def file_note(item: DataFile, computed: str | None, tr: Translator) -> str:
    """The Note column of a data file in My submissions."""
    if item.status == MD5_FAILED:
        return md5_failure_note(item, computed, tr)
    return item.checking_message or ""
