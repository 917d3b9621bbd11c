"""Every text of every screen and dialog follows the language switch, English → Chinese → English.

One signed-in account with something in every screen (files prepared and
sent, transfers in each list, a dataset in My submissions, a released dataset
downloaded), the real server on loopback. After each switch the walk reads
every text a user can see (labels, buttons, group titles, tabs, headers and
cells of every model, placeholders, tooltips, titles, menus, actions, combo
items, the status bar) and fails on text left in the other language: a
Chinese character in English, an English word in Chinese that is not a file
name, an accession, a unit, an acronym, a proper name or the user's own data.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import pytest
import requests
from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QHeaderView,
    QLabel,
    QMainWindow,
    QPlainTextEdit,
    QPushButton,
    QTabBar,
    QTableView,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from omix_desktop.transfer import ItemState, PlannedFile
from omix_desktop.ui.main_window import MainWindow
from tests.support.accounts import new_user
from tests.support.release import new_curator, released, submit
from tests.support.server import ServerProcess
from tests.ui.support import run_until, visible_texts

CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
# Removed before looking for English words in Chinese: what is the same in every language.
NOT_WORDS = re.compile(
    r"[a-z][a-z0-9+.-]*://\S+"  # URLs
    r"|[\w.+-]+@[\w-]+(\.[\w-]+)+"  # email addresses
    r"|\S*[/\\]\S*"  # paths
    r"|[\w-]+(\.[A-Za-z0-9]{1,5})+\b"  # file names (a.fq, run1.tar.gz, 127.0.0.1)
    r"|\b(OMIX|PRJCA|PRJNA|CRA|HRA)\d[\w-]*"  # accessions
    r"|\b[0-9a-f]{8,}\b"  # MD5s and ids
    r"|<[^>]+>"  # rich-text tags
    r"|\(&\w\)|&(?=\w)"  # menu mnemonics: 文件(&F)
    r"|mixed sample|Homo sapiens",  # the archive's own values, typed as they are
    re.IGNORECASE,
)
WORD = re.compile(r"(?<![\w-])[A-Za-z][\w-]*")
"""A word; one with a digit in it (MD5, 16S, run1, 2M) is an identifier, not English."""
# Units, protocols, acronyms, method names and proper names the Chinese pages keep.
SAME_IN_BOTH = {
    "B", "kB", "MB", "GB", "TB", "KiB", "MiB", "GiB", "s", "ms", "min", "h",
    "MD5", "FTP", "FTPS", "HTTP", "HTTPS", "TLS", "SSL", "URL", "API", "ID", "IP", "CSV",
    "TSV", "OMIX", "Desktop", "BioProject", "GSA", "NGDC", "CNCB", "Email",
    "RNA", "DNA", "rRNA", "RNA-seq", "ChIP-seq", "ATAC-seq", "Hi-C", "LC-MS", "GC-MS",
    "CE-MS", "NMR", "TMT", "iTRAQ", "DIA", "SWATH", "MRM", "PRM", "VCF", "SNP", "SSR",
    "GWAS", "GBS", "MAG", "ITS", "S", "English", "Windows", "macOS", "Linux", "Keychain",
    "Ctrl", "Shift", "Alt", "NAT", "AUTH", "zip", "off", "omix-desktop", "MOST",
}  # fmt: skip


def texts(root: QWidget) -> Iterator[tuple[str, str]]:
    """What :func:`visible_texts` reads, plus tabs, model headers and cells, spin box
    affixes, text edit placeholders, accessible descriptions and the status bar."""
    yield from visible_texts(root)
    for position, widget in enumerate([root, *root.findChildren(QWidget)]):
        name = f"{position}:{type(widget).__name__}:{widget.objectName() or '?'}"
        if widget.accessibleDescription():
            yield f"{name}.accessibleDescription", widget.accessibleDescription()
        if isinstance(widget, QTabBar):
            for index in range(widget.count()):
                yield f"{name}.tab{index}", widget.tabText(index)
                if widget.tabToolTip(index):
                    yield f"{name}.tab{index}.toolTip", widget.tabToolTip(index)
        if isinstance(widget, QAbstractSpinBox):
            for part in ("prefix", "suffix", "specialValueText"):
                value = getattr(widget, part, lambda: "")()
                if value:
                    yield f"{name}.{part}", value
        if isinstance(widget, QTextEdit | QPlainTextEdit) and widget.placeholderText():
            yield f"{name}.placeholder", widget.placeholderText()
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            yield from model_texts(name, widget.model())
    if isinstance(root, QMainWindow) and root.statusBar().currentMessage():
        yield "statusbar.message", root.statusBar().currentMessage()


def model_texts(name: str, model: QAbstractItemModel) -> Iterator[tuple[str, str]]:
    roles = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)
    try:
        columns = model.columnCount(QModelIndex())
    except TypeError:  # a QAbstractListModel hides columnCount: one column
        columns = 1
    for column in range(columns):
        for role in roles:
            value = model.headerData(column, Qt.Orientation.Horizontal, role)
            if isinstance(value, str) and value:
                yield f"{name}.header{column}.{role.name}", value
    for row in range(min(model.rowCount(QModelIndex()), 50)):
        for column in range(columns):
            for role in roles:
                value = model.index(row, column).data(role)
                if isinstance(value, str) and value:
                    yield f"{name}.cell{row}.{column}.{role.name}", value


def clipped(root: QWidget) -> list[str]:
    """Texts shown narrower than they need, without the full text in a tooltip: header
    sections of every visible list, one-line labels and buttons."""
    found = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible() or widget.width() <= 1:
            continue
        name = f"{type(widget).__name__}:{widget.objectName() or '?'}"
        if isinstance(widget, QHeaderView) and widget.orientation() == Qt.Orientation.Horizontal:
            model = widget.model()
            for section in range(widget.count()):
                text = model.headerData(section, Qt.Orientation.Horizontal) if model else None
                if widget.isSectionHidden(section) or not text:
                    continue
                if widget.sectionSize(section) < widget.sectionSizeHint(section):
                    found.append(f"{name} header {text!r}: {widget.sectionSize(section)} px "
                                 f"< {widget.sectionSizeHint(section)} px")  # fmt: skip
        elif isinstance(widget, QLabel | QPushButton) and widget.text():
            if isinstance(widget, QLabel) and (widget.wordWrap() or widget.toolTip()):
                continue  # wraps, or elides with the full text in its tooltip
            if widget.width() < widget.minimumSizeHint().width():
                found.append(f"{name} {widget.text()!r}: {widget.width()} px "
                             f"< {widget.minimumSizeHint().width()} px")  # fmt: skip
    return found


def english_words(text: str, content: set[str]) -> list[str]:
    """Words of English left in a Chinese text (what the user typed or sent aside)."""
    stripped = NOT_WORDS.sub(" ", text)
    return [
        word for word in WORD.findall(stripped)
        if word not in SAME_IN_BOTH and word.casefold() not in content
        and not any(char.isdigit() for char in word)
    ]  # fmt: skip


def wrong_language(found: dict[str, str], language: str, content: set[str]) -> list[str]:
    problems = []
    for where, text in found.items():
        if language == "en":
            if CJK.search(text.replace("简体中文", "")):
                problems.append(f"{where}: {text!r}")
        else:
            words = english_words(text, content)
            if words:
                problems.append(f"{where}: {text!r} has {words}")
    return problems


def content_words(*values: object) -> set[str]:
    """The words of the user's own data (titles, names, organisms): shown as typed."""
    words: set[str] = set()
    for value in values:
        if isinstance(value, dict):
            words |= content_words(*value.values())
        elif isinstance(value, list | tuple):
            words |= content_words(*value)
        elif isinstance(value, str):
            words.update(word.casefold() for word in WORD.findall(NOT_WORDS.sub(" ", value)))
    return words


USER_FIELDS = ("title", "description", "organism", "name", "first_name", "last_name",
               "middle_name", "organization", "department", "city", "street_address",
               "country_region", "postal_code", "state_province", "laboratory",
               "suffix")  # fmt: skip


def users_data(document: object) -> list[str]:
    """The values of the user's own fields anywhere in an API answer."""
    found: list[str] = []
    if isinstance(document, dict):
        for key, value in document.items():
            if key in USER_FIELDS and isinstance(value, str):
                found.append(value)
            else:
                found.extend(users_data(value))
    elif isinstance(document, list):
        for value in document:
            found.extend(users_data(value))
    return found


def in_loop(loop, action) -> None:
    async def run() -> None:
        action()

    loop.run_until_complete(run())


@pytest.fixture
def busy_account(make_context, server: ServerProcess, loop, user, tmp_path: Path):
    """A context signed in as ``user``, with something to show on every screen."""
    owner, curator = new_user(server.api, prefix="pub"), new_curator(server)
    public = released(server, owner, curator, {"leaf.fq": os.urandom(50_000)})
    mine = submit(user)
    context = make_context(server=server, speed_limit_kib=64)
    loop.run_until_complete(context.session.sign_in(user.email, user.password))
    run_until(loop, lambda: context.uploads.queue is not None)
    answers = [user.get("/auth/me").json(), user.get(f"/datasets/{mine.accession}").json(),
               owner.get(f"/datasets/{public.accession}").json(),
               user.get("/bioprojects").json()]  # fmt: skip
    answers += released_on_server(server)  # other tests' datasets show in Released data
    return context, mine.accession, public.accession, content_words(users_data(answers))


def released_on_server(
    server: ServerProcess, size: int = 100, most_pages: int = 50
) -> list[object]:
    """Every released dataset of the (shared) server: their titles are data, not the UI's."""
    pages: list[object] = []
    for page in range(1, most_pages + 1):
        answer = requests.get(
            f"{server.api}/public/datasets", params={"page": page, "size": size}, timeout=30
        ).json()
        pages.append(answer)
        if page >= answer.get("pages", 1):
            break
    return pages


def fill_every_screen(window: MainWindow, context, loop, tmp_path: Path, mine: str, public: str):
    queue = context.uploads.queue
    folder = tmp_path / "run1"
    folder.mkdir()
    (folder / "done.fq").write_bytes(os.urandom(3000))
    (folder / "slow.bin").write_bytes(os.urandom(2 * 1024 * 1024))
    (folder / "later.fq").write_bytes(os.urandom(3000))
    # Prepare: files listed and hashed, one sent (its status line stays on the screen)
    prepare = window.show_screen("prepare")
    prepare.add_paths([folder / "done.fq"])
    run_until(loop, lambda: prepare.model.rows and all(f.md5 for f in prepare.model.rows))
    loop.run_until_complete(prepare.send_selected())
    assert prepare.message.isVisible() and prepare.message.text()
    prepare.add_paths([folder / "later.fq"])
    run_until(loop, lambda: prepare.model.rows and all(f.md5 for f in prepare.model.rows))
    # Transfers: one verified, one paused while it runs, one cancelled
    run_until(loop, lambda: any(i.state is ItemState.VERIFIED for i in queue.items()))
    (slow,) = queue.add([PlannedFile(folder / "slow.bin", PurePosixPath("run1/slow.bin"))])
    run_until(loop, lambda: queue.is_running(slow.id))
    in_loop(loop, lambda: queue.pause(slow.id))
    run_until(loop, lambda: queue.get(slow.id).paused and not queue.is_running(slow.id))
    (gone,) = queue.add([PlannedFile(folder / "later.fq", PurePosixPath("run1/later.fq"))])
    (folder / "later.fq").unlink()  # moved away before its turn: fails, with the reason
    run_until(loop, lambda: queue.get(gone.id).state is ItemState.FAILED)
    transfers = window.show_screen("transfers")
    transfers.lists.flush()
    assert all(transfers.lists.counts()[name] for name in ("queued", "failed", "successful"))
    # New dataset: the archive's lists loaded, this computer's files listed
    form = window.show_screen("new_dataset")
    loop.run_until_complete(form.load())
    # My submissions with a dataset open
    submissions = window.show_screen("submissions")
    loop.run_until_complete(submissions.refresh())
    loop.run_until_complete(submissions.open(mine))
    assert loop.run_until_complete(submissions.make_review_link())  # its line stays shown
    # Released data: a dataset open, its file downloaded and verified
    shelf = window.show_screen("released")
    loop.run_until_complete(shelf.load())
    loop.run_until_complete(shelf.open(public))
    file_id = shelf.current.files[0].file_id
    (tmp_path / "downloads").mkdir()
    done = loop.run_until_complete(shelf.download([file_id], tmp_path / "downloads"))
    assert done[file_id]
    window.show_screen("settings")


def test_every_text_follows_the_switch_en_zh_en(
    busy_account, loop, qtbot: QtBot, tmp_path: Path
) -> None:
    context, mine, public, content = busy_account
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    fill_every_screen(window, context, loop, tmp_path, mine, public)

    walks = []
    for language in ("en", "zh_CN", "en"):
        in_loop(loop, lambda code=language: window.language_actions[code].trigger())
        found = dict(texts(window))
        dialog = window.sign_in.open_register()
        found.update({f"register/{k}": v for k, v in texts(dialog)})
        QApplication.processEvents()
        cut = [f"register: clipped {text}" for text in clipped(dialog)]
        dialog.reject()
        dialog.deleteLater()
        assert len(found) > 300  # really walked the screens and their lists
        walks.append(found)
        problems = wrong_language(found, language, content) + cut
        for key in window.screens:  # each screen as the user sees it
            window.show_screen(key)
            QApplication.processEvents()
            problems += [f"{key}: clipped {text}" for text in clipped(window)]
        assert not problems, f"{language}:\n" + "\n".join(problems)

    assert "已校验" in " ".join(walks[1].values())  # the download's state, switched
    assert "校验中" in " ".join(walks[1].values()) or "已归档" in " ".join(walks[1].values())


def test_the_check_sees_text_left_in_the_other_language() -> None:
    content = content_words("Rice leaves under drought")
    md5 = "0123456789abcdef0123456789abcdef"
    assert wrong_language({"a": "校验中"}, "en", content) == ["a: '校验中'"]
    assert wrong_language({"a": "Archived"}, "zh_CN", content)
    assert wrong_language({"a": f"已校验，MD5 {md5}"}, "zh_CN", content) == []
    assert wrong_language({"a": "上传 run1/a.fq 到 FTP（12 MB）"}, "zh_CN", content) == []
    assert wrong_language({"a": "Rice leaves · 公开访问 · OMIX000001-01"}, "zh_CN", content) == []
    assert wrong_language({"a": "打开 https://example.org/x?y=1"}, "zh_CN", content) == []
    assert wrong_language({"a": "语言(&L)"}, "zh_CN", content) == []
    assert wrong_language({"a": "Verified, MD5 abc"}, "zh_CN", content)


def test_the_check_sees_a_clipped_header_and_fit_headers_widens_it(qtbot: QtBot) -> None:
    from PySide6.QtGui import QStandardItemModel

    from omix_desktop.ui.fit import fit_headers

    box = QWidget()
    view = QTableView(box)
    model = QStandardItemModel(1, 3)
    model.setHorizontalHeaderLabels(["ID", "样本数/文件数（对于压缩文件）", "Note"])
    view.setModel(model)
    view.resize(900, 200)
    qtbot.addWidget(box)
    box.show()
    view.horizontalHeader().resizeSection(1, 30)
    assert [text for text in clipped(box) if "样本数" in text]
    fit_headers(box)
    assert clipped(box) == []
    view.horizontalHeader().resizeSection(1, 500)  # a width the user chose is kept
    fit_headers(box)
    assert view.horizontalHeader().sectionSize(1) == 500


def test_data_types_are_chosen_and_typed_in_chinese_and_kept_as_the_servers(
    make_context, server: ServerProcess, loop, qtbot: QtBot, user
) -> None:
    from tests.support.submission import ftp_put
    from tests.ui.test_file_data_type import commit, open_editor
    from tests.ui.test_new_dataset import new_screen
    from tests.ui.test_typed_md5 import cell_of

    context = make_context(language="zh_CN", server=server)
    loop.run_until_complete(context.session.sign_in(user.email, user.password))
    ftp_put(server, user, "reads_1.fq", os.urandom(2000))
    form = new_screen(context, loop, qtbot)
    assert form.data_type.currentText() == "转录组"  # the dataset's type, in Chinese
    assert form.values()["data_type"] == "Transcriptome"  # sent as the server knows it
    assert form.data_subtype.itemText(0) == "基因表达矩阵"

    editor = open_editor(qtbot, form.files, "reads_1.fq")
    assert (
        editor.itemText(0) == "转录组" and "空间转录组" in editor.completer().model().stringList()
    )
    editor.lineEdit().selectAll()
    editor.lineEdit().insert("空间转录")  # typed with an input method: not (yet) a type
    assert editor.property("invalid") is True
    editor.lineEdit().insert("组")
    assert editor.property("invalid") is False
    commit(qtbot, form.files, editor)
    entry = form.files.entries["reads_1.fq"]
    assert entry.data_type == "Spatial transcriptomics"
    assert cell_of(form.files, "reads_1.fq", "data_type").text() == "空间转录组"

    in_loop(loop, lambda: context.translator.set_language("en"))
    assert cell_of(form.files, "reads_1.fq", "data_type").text() == "Spatial transcriptomics"
    assert form.data_type.currentText() == "Transcriptome"
    editor = open_editor(qtbot, form.files, "reads_1.fq")
    editor.lineEdit().selectAll()
    editor.lineEdit().insert("代谢组")  # Chinese typed in English: still known
    commit(qtbot, form.files, editor)
    assert entry.data_type == "Metabolome"
    assert cell_of(form.files, "reads_1.fq", "data_type").text() == "Metabolome"


def test_manifest_lines_on_the_prepare_screen_follow_the_switch(
    make_context, qtbot: QtBot, loop, tmp_path: Path
) -> None:
    from tests.ui.test_prepare import make_screen, settle

    context = make_context()
    (tmp_path / "a.fq").write_bytes(b"aaaa")
    (tmp_path / "b.fq").write_bytes(b"bbbb")
    screen = make_screen(context, qtbot)
    screen.add_paths([tmp_path / "a.fq", tmp_path / "b.fq"])
    settle(loop, screen)
    out = tmp_path / "md5sum.txt"
    loop.run_until_complete(screen.export_manifest(out))
    assert screen.message.text() == f"Saved 2 MD5s to {out}."
    in_loop(loop, lambda: context.translator.set_language("zh_CN"))
    assert screen.message.text() == f"已将 2 个 MD5 保存到 {out}。"
    broken = tmp_path / "broken.md5"
    broken.write_text("not a line\n")
    loop.run_until_complete(screen.import_manifest(broken))
    chinese = screen.message.text()
    quoted = content_words("not a line md5sum")  # the file's line as it is, the tool's name
    assert "broken.md5" in chinese and english_words(chinese, quoted) == []
    in_loop(loop, lambda: context.translator.set_language("en"))
    assert screen.message.text().startswith("broken.md5 is not a valid MD5 file: line 1")


SUBMISSION_DIALOGS = ("edit", "release", "add_ftp", "add_online", "fix_md5", "delete_file",
                      "most", "new_link")  # fmt: skip


def test_my_submissions_dialogs_open_in_the_current_language(
    context, loop, qtbot: QtBot, user, tmp_path: Path
) -> None:
    from PySide6.QtWidgets import QDialog

    from tests.ui.test_dialogs import click, open_dialog
    from tests.ui.test_submissions import screen_for, sign_in

    accession = submit(user).accession
    sign_in(context, loop, user)
    screen = screen_for(context, loop, qtbot)
    loop.run_until_complete(screen.open(accession))
    answers = [user.get(f"/datasets/{accession}").json(), user.get("/bioprojects").json()]
    places = (*Path.home().parts, *Path.cwd().parts)  # the file dialog lists them by name
    content = content_words(users_data(answers), [p for p in places if p != "/"])
    for language in ("zh_CN", "en"):
        in_loop(loop, lambda code=language: context.translator.set_language(code))
        for name in SUBMISSION_DIALOGS:
            screen.files.selectRow(0)
            click(screen, qtbot, name)
            run_until(loop, lambda: open_dialog(screen, QDialog) is not None, timeout=10)
            dialog = open_dialog(screen, QDialog)
            found = {f"{name}/{where}": text for where, text in texts(dialog)}
            assert found, name
            problems = wrong_language(found, language, content)
            problems += [f"{name}: clipped {text}" for text in clipped(dialog)]
            assert not problems, f"{language}:\n" + "\n".join(problems)
            dialog.reject()
            run_until(loop, lambda: open_dialog(screen, QDialog) is None, timeout=10)


def test_a_plain_line_shown_after_a_message_is_not_replaced_at_the_switch(
    make_context, qtbot: QtBot, loop
) -> None:
    from omix_desktop.i18n.message import Message
    from omix_desktop.i18n.translator import N_
    from omix_desktop.ui.base import show_message
    from omix_desktop.ui.settings_screen import SettingsScreen

    context = make_context()
    screen = SettingsScreen(context)
    qtbot.addWidget(screen)
    label = screen.connection_message
    screen.say(label, Message(N_("Saved.")))
    assert label.text() == "Saved." and label.isVisibleTo(screen)
    in_loop(loop, lambda: context.translator.set_language("zh_CN"))
    assert label.text() == "已保存。"
    show_message(label, "")  # a newer, plain line
    in_loop(loop, lambda: context.translator.set_language("en"))
    assert label.text() == "" and not label.isVisibleTo(screen)
