"""The app keeps the computer awake while it uploads or downloads, and lets it sleep after.

Against the real server: an upload through the app's own queue and a download
from Released data each hold the app's KeepAwake for as long as data moves.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from pytestqt.qtbot import QtBot

from omix_desktop.transfer import ItemState, PlannedFile
from omix_desktop.ui.released import ReleasedScreen
from tests.support.accounts import new_user
from tests.support.release import new_curator, released
from tests.support.server import ServerProcess
from tests.ui.support import run_until


def test_uploads_hold_the_computer_awake_until_the_queue_is_done(
    context, loop, user, tmp_path: Path
) -> None:
    keeper = context.keep_awake
    flips: list[bool] = []
    keeper.add_listener(flips.append)
    loop.run_until_complete(context.session.sign_in(user.email, user.password))
    run_until(loop, lambda: context.uploads.queue is not None)
    queue = context.uploads.queue
    queue.set_speed_limit(1_000_000)
    local = tmp_path / "awake.fq"
    local.write_bytes(os.urandom(1_500_000))

    async def add() -> int:
        (item,) = queue.add([PlannedFile(local, PurePosixPath("awake/awake.fq"))])
        return item.id

    item_id = loop.run_until_complete(add())
    run_until(loop, lambda: keeper.wanted)
    assert queue.get(item_id).state in {ItemState.UPLOADING, ItemState.UPLOADED}
    run_until(loop, lambda: queue.get(item_id).state is ItemState.VERIFIED)
    run_until(loop, lambda: not keeper.wanted)
    assert flips == [True, False]  # held once for the whole upload, then released
    keeper.flush()
    assert not keeper.holding


def test_a_download_holds_it_too(
    context, loop, qtbot: QtBot, server: ServerProcess, tmp_path: Path
) -> None:
    owner, curator = new_user(server.api, prefix="awake"), new_curator(server)
    accession = released(server, owner, curator, {"big.fq": os.urandom(3_000_000)}).accession
    screen = ReleasedScreen(context)
    qtbot.addWidget(screen)
    screen.show()
    loop.run_until_complete(screen.open(accession))
    keeper = context.keep_awake
    flips: list[bool] = []
    keeper.add_listener(flips.append)
    file_id = screen.current.files[0].file_id
    done = loop.run_until_complete(screen.download([file_id], tmp_path))
    assert file_id in done
    assert flips == [True, False] and not keeper.wanted
