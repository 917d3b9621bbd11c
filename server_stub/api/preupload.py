"""The user's pre-upload area: list what arrived over FTP, delete a file.

Only the signed-in user's own folder is ever read; a path from the client
cannot leave it (``..``, absolute paths, NUL and symlinks are refused with
``400 invalid_path``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from server_stub.api.deps import DatabaseDep, RecordsDep, SessionDep, SettingsDep, UserDep
from server_stub.api.responses import SIGNED_IN, errors
from server_stub.archive import archiving
from server_stub.preupload import area as preupload

router = APIRouter(prefix="/preupload", tags=["pre-upload"], responses=SIGNED_IN)


class NameProblemOut(BaseModel):
    code: str
    """``space``, ``special_character``, ``dot_name``, ``too_long``, ``empty``,
    ``reserved_name`` (a Windows device name) or ``trailing_dot``."""
    component: str
    """The file or folder name at fault."""
    character: str
    message: str


class IncompleteOut(BaseModel):
    """Why the server knows an upload stopped early, and what to do."""

    code: str
    """``disk_full`` or ``connection_lost``."""
    message: str
    action: Literal["resume_upload"] = "resume_upload"


INCOMPLETE_MESSAGES = {
    "disk_full": (
        "The server's disk was full: the upload stopped at {size} bytes and the part is "
        "kept. Resume the upload (REST {size} or APPE) once the archive has space again."
    ),
    "connection_lost": (
        "The connection was lost: the upload stopped at {size} bytes and the part is kept. "
        "Resume the upload (REST {size} or APPE)."
    ),
}


class PreuploadFileOut(BaseModel):
    name: str
    path: str
    """Relative to the pre-upload folder, POSIX separators: what a dataset selects."""
    size: int
    modified_at: datetime
    md5: str | None
    """Computed by the server while receiving; ``null`` while unknown."""
    state: Literal["uploading", "complete", "incomplete"]
    """``incomplete``: the server knows the upload stopped early (see ``incomplete``)."""
    valid: bool
    problem: NameProblemOut | None
    incomplete: IncompleteOut | None = None
    selected_by: str | None
    """File id of a dataset file waiting for this upload, if any."""


_STATES: dict[str, Literal["uploading", "complete", "incomplete"]] = {
    "uploading": "uploading",
    "incomplete": "incomplete",
}


def _out(entry: preupload.Entry) -> PreuploadFileOut:
    verdict = entry.verdict
    problem = None
    if not verdict.ok:
        problem = NameProblemOut(
            code=str(verdict.problem),
            component=verdict.component,
            character=verdict.character,
            message=verdict.describe(),
        )
    incomplete = None
    if entry.state == "incomplete":
        code = entry.interruption or "connection_lost"
        template = INCOMPLETE_MESSAGES.get(code, INCOMPLETE_MESSAGES["connection_lost"])
        incomplete = IncompleteOut(code=code, message=template.format(size=entry.size))
    return PreuploadFileOut(
        name=entry.name,
        path=entry.path,
        size=entry.size,
        modified_at=entry.modified,
        md5=entry.md5,
        state=_STATES.get(entry.state, "complete"),
        valid=verdict.ok,
        problem=problem,
        incomplete=incomplete,
        selected_by=entry.selected_by,
    )


@router.get("/files", response_model=list[PreuploadFileOut])
def list_files(
    user: UserDep, session: SessionDep, records: RecordsDep, settings: SettingsDep
) -> list[PreuploadFileOut]:
    return [_out(entry) for entry in preupload.listing(session, records, settings, user.id)]


@router.delete("/files", status_code=204, responses=errors(400, 404, 409))
def delete_file(
    path: Annotated[str, Query(max_length=preupload.MAX_PATH_LENGTH)],
    user: UserDep,
    session: SessionDep,
    database: DatabaseDep,
    settings: SettingsDep,
    records: RecordsDep,
) -> Response:
    with archiving.LOCK:
        relative = preupload.delete_file(session, settings, records, user.id, path)
        session.commit()
        archiving.settle_preupload(database, settings, user.id, relative)
    return Response(status_code=204)
