"""My submissions' actions: a toolbar with icons that wraps in a narrow window, rather than
a row of ten push buttons that a narrow window squeezes or clips."""

from __future__ import annotations

from PySide6.QtCore import QRect
from pytestqt.qtbot import QtBot

from omix_desktop.ui.main_window import MainWindow
from omix_desktop.ui.toolbar import ActionBar


def rows(bar: ActionBar) -> int:
    return len({button.y() for button in bar.buttons})


def test_dataset_actions_are_a_toolbar_with_icons_that_wraps(context, qtbot: QtBot) -> None:
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.resize(2400, 800)
    window.show()
    screen = window.show_screen("submissions")
    bar = screen.findChild(ActionBar, "dataset_actions")
    assert bar is not None
    assert bar.buttons == list(screen.buttons.values())  # the same buttons, on the bar
    assert len(bar.buttons) >= 9
    for name, button in screen.buttons.items():
        assert not button.icon().isNull(), f"{name} has no icon"
        assert button.text() and button.isFlat(), name
    qtbot.waitUntil(lambda: rows(bar) == 1)  # wide: one row

    window.resize(800, 800)  # narrow: more rows, every command whole and visible
    qtbot.waitUntil(lambda: rows(bar) > 1)
    inside = QRect(0, 0, bar.width(), bar.height())
    for button in bar.buttons:
        assert button.isVisible() and button.size() == button.sizeHint(), button.objectName()
        assert inside.contains(button.geometry()), button.objectName()
    ordered = sorted(bar.buttons, key=lambda b: (b.y(), b.x()))
    assert ordered == bar.buttons  # reading order is the commands' order
    for first, second in zip(bar.buttons, bar.buttons[1:], strict=False):
        assert not first.geometry().intersects(second.geometry())

    window.language_actions["zh_CN"].trigger()  # longer or shorter texts: laid out again
    assert screen.buttons["edit"].text() == "编辑基本信息…"
    qtbot.waitUntil(lambda: all(b.size() == b.sizeHint() for b in bar.buttons))
    window.language_actions["en"].trigger()


def test_transfer_commands_are_toolbars_too(context, qtbot: QtBot) -> None:
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.resize(600, 800)
    window.show()
    screen = window.show_screen("transfers")
    bars = {bar.objectName(): bar for bar in screen.findChildren(ActionBar)}
    assert set(bars) == {"transfer_actions", "queue_actions"}
    assert bars["transfer_actions"].buttons[1] is screen.pause_button
    assert bars["queue_actions"].buttons[1] is screen.pause_all_button
    for bar in bars.values():
        for button in bar.buttons:
            assert not button.icon().isNull() and button.text()
        qtbot.waitUntil(lambda bar=bar: all(b.size() == b.sizeHint() for b in bar.buttons))
        inside = QRect(0, 0, bar.width(), bar.height())
        assert all(inside.contains(b.geometry()) for b in bar.buttons)


def test_prepare_commands_are_toolbars(context, qtbot: QtBot) -> None:
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.resize(600, 800)
    window.show()
    screen = window.show_screen("prepare")
    bars = {bar.objectName(): bar for bar in screen.findChildren(ActionBar)}
    assert bars["prepare_actions"].buttons == [
        screen.add_files_button,
        screen.add_folder_button,
        screen.remove_button,
        screen.rename_button,
    ]
    assert bars["manifest_actions"].buttons == [screen.import_button, screen.export_button]
    for bar in bars.values():
        assert all(not b.icon().isNull() and b.text() for b in bar.buttons)
        qtbot.waitUntil(lambda bar=bar: all(b.size() == b.sizeHint() for b in bar.buttons))
