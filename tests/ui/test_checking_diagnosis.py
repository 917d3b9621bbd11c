"""My submissions explains a file stuck in Checking with the server's diagnosis."""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta
from typing import Any

from pytestqt.qtbot import QtBot

from omix_desktop.ui.submissions import SubmissionsScreen
from omix_desktop.ui.submissions.file_notes import checking_note
from omix_desktop.ui.submissions.screen import FILE_COLUMNS
from server_stub.models import PreuploadFile, UploadState
from tests.server.ftp_support import cut_upload, payload
from tests.support.server import ServerProcess
from tests.support.submission import (
    bioproject,
    dataset_body,
    file_entry,
    ftp_login,
    home_of,
    md5,
    server_database,
    user_id,
    wait_for,
)
from tests.ui.test_submissions import screen_for, sign_in


def note_of(screen: SubmissionsScreen, name: str) -> str:
    """The Note column of the open dataset's file called ``name``."""
    file_id = next(f.file_id for f in screen.current.files if f.name == name)
    for row in range(screen.files.rowCount()):
        if screen.files.item(row, 0).text() == file_id:
            return screen.files.item(row, FILE_COLUMNS.index("note")).text()
    raise AssertionError(name)


def _create(user, paths: dict[str, bytes]) -> dict[str, Any]:
    body = dataset_body(
        bioproject(user),
        [file_entry(path=path, md5_value=md5(data)) for path, data in paths.items()],
    )
    response = user.post("/datasets", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _lost_file(server: ServerProcess, user) -> bytes:
    """A file whose upload was recorded as running, then removed from the area."""
    data = os.urandom(4096)
    home = home_of(server, user)
    home.mkdir(parents=True, exist_ok=True)
    (home / "lost.txt").write_bytes(data[:100])
    with server_database(server) as database, database.session() as session:
        session.add(
            PreuploadFile(
                user_id=user_id(user), path="lost.txt", size=100, state=UploadState.UPLOADING
            )
        )
    return data


def test_checking_files_show_the_diagnosis_and_the_action(
    context, loop, qtbot: QtBot, server: ServerProcess, user
) -> None:
    with ftp_login(server, user) as ftp:  # an upload cut off: incomplete
        cut = payload(3 * 1024 * 1024)
        assert cut_upload(ftp, "STOR cut.fq", cut, reset=True).startswith("426")
    running = os.urandom(2 * 1024 * 1024)
    half = len(running) // 2
    ftp = ftp_login(server, user)
    try:
        ftp.voidcmd("TYPE I")
        channel = ftp.transfercmd("STOR big.fq.gz")  # still uploading
        channel.sendall(running[:half])
        wait_for(
            lambda: user.get("/preupload/files").json(),
            lambda rows: any(r["path"] == "big.fq.gz" and r["state"] == "uploading" for r in rows),
        )
        lost = _lost_file(server, user)
        created = _create(user, {"big.fq.gz": running, "cut.fq": cut, "lost.txt": lost})
        accession = created["accession"]
        home = home_of(server, user)
        (home / "lost.txt").unlink()
        with server_database(server) as database, database.session() as session:
            session.query(PreuploadFile).filter_by(user_id=user_id(user), path="lost.txt").delete()

        sign_in(context, loop, user)
        screen = screen_for(context, loop, qtbot)
        loop.run_until_complete(screen.open(accession))
        assert set(screen.diagnoses) == {f["file_id"] for f in created["files"]}
        notes = {path: note_of(screen, path) for path in ("big.fq.gz", "cut.fq", "lost.txt")}
        assert "Still uploading to “big.fq.gz”" in notes["big.fq.gz"]
        assert "received so far" in notes["big.fq.gz"] and "resume it there" in notes["big.fq.gz"]
        assert "stopped before the end" in notes["cut.fq"] and "Retry" in notes["cut.fq"]
        assert "not in your pre-upload area" in notes["lost.txt"]
        assert "Upload it again to the same path" in notes["lost.txt"]

        big = next(f for f in screen.current.files if f.name == "big.fq.gz")
        diagnosis = screen.diagnoses[big.file_id]
        later = diagnosis.last_received_at + timedelta(minutes=10)  # nothing arrived since
        stalled = checking_note(big, diagnosis, context.translator, now=later)
        assert "nothing has arrived for 10 min" in stalled and "Retry" in stalled

        context.translator.set_language("zh_CN")
        for path, english in notes.items():
            chinese = note_of(screen, path)
            assert chinese != english and path in chinese
        context.translator.set_language("en")

        channel.sendall(running[half:])
        channel.close()
        ftp.voidresp()
    finally:
        ftp.close()

    async def until_archived() -> None:  # the polling screen follows the file
        for _ in range(200):
            await screen.refresh()
            if "big.fq.gz" not in [d.preupload_path for d in screen.diagnoses.values()]:
                return
            await asyncio.sleep(0.1)

    screen._diagnosed_at = 0.0
    loop.run_until_complete(until_archived())
    big = next(f for f in screen.current.files if f.name == "big.fq.gz")
    assert big.status != "Checking" or "computing the MD5" in note_of(screen, "big.fq.gz")
