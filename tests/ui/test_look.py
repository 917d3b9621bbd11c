"""The look: bundled icons tinted for the palette, dark mode following the OS, high DPI.

The OS's colour scheme change is delivered as Qt delivers it, through
``QStyleHints.colorSchemeChanged`` (the offscreen platform cannot switch its
own scheme, so the test emits the signal the platform would).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QImage, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from omix_desktop.ui.look import ICONS, Look, icon_path, is_dark, look_for
from omix_desktop.ui.main_window import MainWindow


def ink(icon: QIcon, size: int = 24, ratio: float = 1.0) -> tuple[QImage, QColor]:
    """The icon drawn, and the colour of its most opaque pixel (its strokes)."""
    image = icon.pixmap(QSize(size, size), ratio).toImage()
    best, colour = -1, QColor()
    for y in range(image.height()):
        for x in range(image.width()):
            pixel = image.pixelColor(x, y)
            if pixel.alpha() > best:
                best, colour = pixel.alpha(), pixel
    return image, colour


def close(a: QColor, b: QColor) -> bool:
    return all(abs(x - y) <= 40 for x, y in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True))


@pytest.fixture
def look(qapp: QApplication) -> Iterator[Look]:
    look = look_for(qapp)
    yield look
    qapp.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Light)  # as found
    assert not is_dark(qapp.palette())


def test_every_bundled_icon_renders_in_the_text_colour_and_sharp_at_200_percent(
    look: Look, qapp: QApplication
) -> None:
    names = sorted(path.stem for path in ICONS.glob("*.svg"))
    assert {"sign_in", "prepare", "transfers", "new_dataset", "submissions"} <= set(names)
    text = qapp.palette().color(QPalette.ColorRole.WindowText)
    for name in names:
        image, colour = ink(look.icon(name, tinted=name != "omix"))
        assert colour.alpha() > 200, f"{name}.svg draws nothing"
        if name != "omix":
            assert close(colour, text), f"{name}.svg is not drawn in the text colour"
        sharp, _ = ink(look.icon(name), 24, 2.0)
        assert (sharp.width(), sharp.height()) == (48, 48)  # rendered, not scaled up
        assert sharp.devicePixelRatio() == 2.0
    with pytest.raises(FileNotFoundError, match="no icon 'nope'"):
        icon_path("nope")


def test_dark_mode_follows_the_os_and_back(look: Look, qapp: QApplication, context, qtbot: QtBot):
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    assert not window.windowIcon().isNull()
    assert not is_dark(qapp.palette())
    _, light_ink = ink(window.nav.item(0).icon())
    _, light_action = ink(window.tray.pause_action.icon())
    assert light_ink.lightness() < 128  # dark strokes on a light window

    qapp.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)  # the user turned dark on
    assert look.dark and is_dark(qapp.palette())
    qtbot.waitUntil(lambda: window.palette().color(QPalette.ColorRole.Window).lightness() < 100)
    _, dark_ink = ink(window.nav.item(0).icon())
    _, dark_action = ink(window.tray.pause_action.icon())
    assert dark_ink.lightness() > 180 and dark_action.lightness() > 180  # light strokes now

    qapp.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert not look.dark and not is_dark(qapp.palette())
    _, back = ink(window.nav.item(0).icon())
    assert close(back, light_ink) and close(ink(window.tray.pause_action.icon())[1], light_action)


def test_the_sidebar_is_sized_by_its_text_not_in_fixed_pixels(context, qtbot: QtBot) -> None:
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    normal = window.nav.width()
    for row in range(window.nav.count()):  # every name fits beside its icon
        text = window.nav.item(row).text()
        assert window.nav.fontMetrics().horizontalAdvance(text) + 20 < normal
    font = QFont(window.nav.font())
    font.setPointSizeF(font.pointSizeF() * 2)  # a user's larger text
    window.nav.setFont(font)
    window.retranslate()
    assert window.nav.width() > normal * 1.5


def contrast(a: QColor, b: QColor) -> float:
    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return (
            0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())
        )

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_status_colours_stay_readable_in_dark_mode(look: Look, qapp: QApplication, qtbot) -> None:
    from PySide6.QtWidgets import QLabel

    from omix_desktop.ui.base import show_message
    from omix_desktop.ui.look import STATUS_COLOURS, dark_palette

    light_window = QColor("#ffffff")
    dark_window = dark_palette().color(QPalette.ColorRole.Window)
    for light, dark in STATUS_COLOURS.items():
        assert contrast(QColor(light), light_window) >= 4.5, light
        assert contrast(QColor(dark), dark_window) >= 4.5, dark
    shown = QLabel()
    qtbot.addWidget(shown)
    show_message(shown, "Wrong password.", error=True)
    assert "#b00020" in shown.styleSheet()
    qapp.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert "#ff8a80" in shown.styleSheet()  # the error already shown follows
    later = QLabel()
    qtbot.addWidget(later)
    show_message(later, "Server unreachable.", error=True)
    assert "#ff8a80" in later.styleSheet()  # and so do new ones
    qapp.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert "#b00020" in shown.styleSheet() and "#b00020" in later.styleSheet()
