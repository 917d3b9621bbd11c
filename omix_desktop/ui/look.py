"""The app's look: bundled icons tinted for the palette, dark mode following the OS, high DPI.

Why one place: icons are drawn in ``ui/icons/*.svg`` with ``currentColor``, so
one file serves light and dark windows; the colour is the palette's text
colour, filled in when the icon is made and again whenever the palette or
the OS colour scheme changes (a user switching Windows or macOS to dark mode
while the app runs sees every icon follow). Where the platform's own style
does not follow the OS into dark mode (Windows' classic style), the app
switches to Fusion with a dark palette; elsewhere the platform's palette is
kept as it is.

Icons are rendered from the vector file at each size and device pixel ratio
asked for (:class:`SvgIconEngine`), so they are sharp on a 200 % screen.
"""

from __future__ import annotations

import logging
import sys
import weakref
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QObject, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QIcon,
    QIconEngine,
    QPainter,
    QPalette,
    QPixmap,
)
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QStyleFactory

log = logging.getLogger(__name__)

ICONS = Path(__file__).resolve().parent / "icons"
APP_TITLE = "OMIX Desktop"  # brand: not translated
APP_ICON = "omix"
"""The window and tray icon (brand colours, not tinted)."""


def set_high_dpi_policy() -> None:
    """Before the QApplication: follow fractional scale factors (125 %, 150 %) exactly.

    Qt 6 always scales by the screen's factor; the default rounding would draw a
    150 % screen at 200 % or 100 %. Every size in the app is in logical pixels or
    derived from font metrics, so nothing is pixel-fixed.
    """
    if QGuiApplication.instance() is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )


def icon_path(name: str) -> Path:
    path = ICONS / f"{name}.svg"
    if not path.is_file():
        raise FileNotFoundError(f"no icon {name!r} in {ICONS} (add {path.name} there)")
    return path


class SvgIconEngine(QIconEngine):
    """Renders one SVG at every size and pixel ratio, in the given colour."""

    def __init__(self, data: bytes, color: QColor | None) -> None:
        super().__init__()
        self._data = data
        self._color = color
        tinted = data if color is None else data.replace(b"currentColor", _hex(color))
        self._renderer = QSvgRenderer(QByteArray(tinted))

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        if mode == QIcon.Mode.Disabled:
            painter.setOpacity(0.4)
        self._renderer.render(painter, rect.toRectF())

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(  # noqa: N802 - Qt's name
        self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float
    ) -> QPixmap:
        pixmap = QPixmap(size * scale)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        self.paint(painter, QRect(QPoint(0, 0), pixmap.size()), mode, state)
        painter.end()
        pixmap.setDevicePixelRatio(scale)
        return pixmap

    def actualSize(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QSize:  # noqa: N802
        return size

    def clone(self) -> QIconEngine:
        return SvgIconEngine(self._data, self._color)

    def key(self) -> str:
        return "omix-svg"


def _hex(color: QColor) -> bytes:
    return color.name(QColor.NameFormat.HexRgb).encode("ascii")


def is_dark(palette: QPalette) -> bool:
    """A dark window (light text on a dark background), whatever the style says."""
    window = palette.color(QPalette.ColorRole.Window)
    text = palette.color(QPalette.ColorRole.WindowText)
    return window.lightness() < text.lightness()


def dark_palette() -> QPalette:
    """Fusion's dark palette, for platforms whose style has none (Windows' classic style)."""
    palette = QPalette()
    base, window, text = QColor(30, 30, 30), QColor(45, 45, 45), QColor(230, 230, 230)
    disabled = QColor(128, 128, 128)
    roles = {
        QPalette.ColorRole.Window: window,
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: QColor(40, 40, 40),
        QPalette.ColorRole.ToolTipBase: window,
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.PlaceholderText: disabled,
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: window,
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: QColor(255, 80, 80),
        QPalette.ColorRole.Link: QColor(100, 170, 255),
        QPalette.ColorRole.Highlight: QColor(42, 130, 218),
        QPalette.ColorRole.HighlightedText: QColor(255, 255, 255),
    }
    for role, color in roles.items():
        palette.setColor(role, color)
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return palette


IconTarget = QObject  # a QAction or a QAbstractButton: anything with setIcon

STATUS_COLOURS = {
    # light window -> dark window: the screens' status colours (error, success, warning),
    # each readable on its background (WCAG contrast of 4.5:1 or more on both)
    "#b00020": "#ff8a80",
    "#1b5e20": "#81c784",
    "#9a5b00": "#ffcc80",
    "#9a6700": "#ffd54f",
}


def readable(style: str, dark: bool) -> str:
    """``style`` with its status colours swapped for the ones made for this background."""
    pairs = STATUS_COLOURS.items() if dark else ((on, off) for off, on in STATUS_COLOURS.items())
    for old, new in pairs:
        style = style.replace(old, new)
    return style


def readable_now(style: str) -> str:
    """:func:`readable` for the running application's palette (light before it exists)."""
    app = QApplication.instance()
    return readable(style, isinstance(app, QApplication) and is_dark(app.palette()))


class Look(QObject):
    """Follows the OS colour scheme and keeps every bound icon in the palette's colour.

    Signals:
        changed(): the scheme or palette changed; icons were re-tinted (widgets that
            keep icons outside :meth:`bind`, e.g. list items, set them again).

    Attributes:
        dark: the window is dark now.
    """

    changed = Signal()

    def __init__(self, app: QApplication, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self._bound: list[tuple[weakref.ref[QObject], str]] = []
        self._cache: dict[tuple[str, str], QIcon] = {}
        self._own_palette = False
        self._platform_style = app.style().name()
        self.dark = is_dark(app.palette())
        app.installEventFilter(self)
        app.styleHints().colorSchemeChanged.connect(self.follow_scheme)
        self.follow_scheme(app.styleHints().colorScheme())
        app.setWindowIcon(self.app_icon())

    # -- icons ----------------------------------------------------------------------------

    def app_icon(self) -> QIcon:
        return self.icon(APP_ICON, tinted=False)

    def icon(self, name: str, *, tinted: bool = True) -> QIcon:
        """The bundled icon ``name`` in the palette's text colour (cached per colour)."""
        color = self.app.palette().color(QPalette.ColorRole.WindowText) if tinted else None
        key = (name, color.name() if color is not None else "")
        cached = self._cache.get(key)
        if cached is None:
            data = icon_path(name).read_bytes()
            cached = QIcon(SvgIconEngine(data, color))
            self._cache[key] = cached
        return cached

    def bind(self, target: IconTarget, name: str) -> None:
        """Give ``target`` the icon ``name`` now and again after each palette change."""
        target.setIcon(self.icon(name))  # type: ignore[attr-defined]
        self._bound.append((weakref.ref(target), name))

    def _retint(self) -> None:
        alive: list[tuple[weakref.ref[QObject], str]] = []
        for ref, name in self._bound:
            target = ref()
            if target is None:
                continue
            try:
                target.setIcon(self.icon(name))  # type: ignore[attr-defined]
            except RuntimeError:  # the C++ object is gone
                continue
            alive.append((ref, name))
        self._bound = alive

    # -- colour scheme ----------------------------------------------------------------------

    def follow_scheme(self, scheme: Qt.ColorScheme) -> None:
        """Use the platform's palette, or a dark one where its style cannot do dark."""
        want_dark = scheme == Qt.ColorScheme.Dark
        if want_dark and not is_dark(self.app.palette()) and not self._style_follows_scheme():
            log.info("dark mode: the %s style has none; using Fusion, dark", self._platform_style)
            self.app.setStyle(QStyleFactory.create("Fusion"))
            self.app.setPalette(dark_palette())
            self._own_palette = True
        elif not want_dark and self._own_palette:
            self.app.setStyle(QStyleFactory.create(self._platform_style) or self.app.style())
            self.app.setPalette(self.app.style().standardPalette())
            self._own_palette = False
        self._palette_changed()

    def _style_follows_scheme(self) -> bool:
        """macOS, GNOME/KDE and Windows 11's style give a dark palette by themselves."""
        if sys.platform == "win32":
            return self._platform_style.lower() == "windows11"
        return sys.platform == "darwin"

    def _palette_changed(self) -> None:
        dark = is_dark(self.app.palette())
        if dark != self.dark:
            self._restyle(dark)
        self.dark = dark
        self._retint()
        self.changed.emit()

    def _restyle(self, dark: bool) -> None:
        """Status colours already shown (red errors, green successes) follow the scheme."""
        for widget in self.app.allWidgets():
            style = widget.styleSheet()
            if style and "#" in style:
                swapped = readable(style, dark)
                if swapped != style:
                    widget.setStyleSheet(swapped)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.app and event.type() == QEvent.Type.ApplicationPaletteChange:
            self._palette_changed()
        return False


def look_for(app: QApplication | None = None) -> Look:
    """The :class:`Look` of ``app`` (the running application by default), made once.

    Kept as the application's child, so tests that build many windows on one
    application share it, and no module holds state.
    """
    app = app or QApplication.instance()  # type: ignore[assignment]
    if not isinstance(app, QApplication):
        raise RuntimeError("the look needs a QApplication: create it first")
    look = app.findChild(Look)
    return look if isinstance(look, Look) else Look(app, app)
