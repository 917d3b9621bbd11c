"""One unit system: the app, omix-upload and the web page print the same size text.

The app said 52.4 MB where the web page said 50 MB for the same file (decimal
units in the app, binary ones labelled "MB" on the page). All three now use
:func:`omix_wire.sizes.format_size` (decimal units, Babel's number format),
checked here on released files of several sizes, in English and in Chinese:
the Released data and My submissions cells, ``omix-upload datasets show`` and
the public dataset page's file table.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from omix_desktop.i18n.format import format_size
from omix_desktop.ui.released import ReleasedScreen
from omix_desktop.ui.released.screen import FILE_COLUMNS as RELEASED_COLUMNS
from omix_desktop.ui.submissions import SubmissionsScreen
from omix_desktop.ui.submissions.screen import FILE_COLUMNS as SUBMISSION_COLUMNS
from omix_wire import sizes
from tests.cli.terminal import Terminal
from tests.support.accounts import new_user
from tests.support.release import new_curator, released
from tests.support.server import ServerProcess
from tests.ui.web_cells import web_cells

SIZES = {"tiny.txt": 999, "table.tsv": 123_456, "reads.fq": 1_536_000, "big.fq": 5_242_883}
"""Bytes, kB, MB with a decimal and a binary-looking size (5 MiB + 3: 5.2 MB, not 5 MB)."""


def cells(table, columns: tuple[str, ...]) -> dict[str, str]:
    column = columns.index("size")
    return {table.item(r, 0).text(): table.item(r, column).text() for r in range(table.rowCount())}


def test_decimal_units_with_the_locales_number_format() -> None:
    assert sizes.format_size(52_428_800, "en") == "52.4 MB"  # 50 MiB: never "50 MB" again
    assert sizes.format_size(1_536_000, "en") == "1.5 MB"
    assert sizes.format_size(1_234_000_000_000_000, "en") == "1,234 TB"
    assert sizes.format_size(1_500_000, "de") == "1,5 MB"  # Babel's decimal comma
    assert sizes.format_size(999, "zh_Hans_CN") == "999 B"
    assert format_size is sizes.format_size  # the app's formatter is the shared one


@pytest.mark.parametrize(("app_language", "web_language"), [("en", "en"), ("zh_CN", "zh")])
def test_app_cli_and_web_page_print_the_same_size(
    make_context,
    loop,
    qtbot: QtBot,
    server: ServerProcess,
    tmp_path: Path,
    app_language: str,
    web_language: str,
) -> None:
    owner, curator = new_user(server.api, prefix="sizes"), new_curator(server)
    files = {name: os.urandom(size) for name, size in SIZES.items()}
    accession = released(server, owner, curator, files).accession

    context = make_context(language=app_language, server=server)
    screen = ReleasedScreen(context)
    qtbot.addWidget(screen)
    loop.run_until_complete(screen.open(accession))
    released_cells = cells(screen.files, RELEASED_COLUMNS)

    mine = make_context(language=app_language, server=server)
    loop.run_until_complete(mine.session.sign_in(owner.email, owner.password))
    submissions = SubmissionsScreen(mine)
    qtbot.addWidget(submissions)
    loop.run_until_complete(submissions.open(accession))
    submission_cells = cells(submissions.files, SUBMISSION_COLUMNS)

    web = {file_id: web_cells(server, accession, file_id, web_language)["size"]
           for file_id in released_cells}  # fmt: skip
    assert len(web) == len(SIZES)
    assert released_cells == web and submission_cells == web
    assert "5.2 MB" in web.values() and "1.5 MB" in web.values() and "999 B" in web.values()

    shown = Terminal(server, tmp_path / "cli", owner, app_language).login()
    listing = shown.ok("datasets", "show", accession).stdout.splitlines()
    for file_id, text in web.items():
        line = next(line for line in listing if line.startswith(file_id))
        assert f"  {text}  " in line, (file_id, text, line)
