"""What ``omix-upload put`` prints while the engine works.

On a terminal: a line per finished or failed file and one progress bar that
redraws in place (overall percentage, files, speed, time left), at most a few
times a second. Elsewhere (a pipe, a log file, a scheduler): only the lines,
so a log stays readable and grep-able.
"""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO

from omix_desktop.i18n.errors import fill, suggested_action_label, transfer_failure_message
from omix_desktop.i18n.format import format_eta, format_percent_value, format_size, format_speed
from omix_desktop.i18n.translator import Translator
from omix_desktop.transfer import ItemState, QueueProgress, StateChanged

REDRAW_EVERY = 0.25
BAR_WIDTH = 24


class TerminalProgress:
    """An engine event subscriber that writes to ``stream``."""

    def __init__(self, tr: Translator, stream: TextIO | None = None) -> None:
        self.tr = tr
        self.stream = stream or sys.stdout
        self.live = self.stream.isatty()
        self._last_draw = 0.0
        self._bar_shown = False

    def __call__(self, event: object) -> None:
        if isinstance(event, StateChanged):
            self._state(event)
        elif isinstance(event, QueueProgress) and self.live:
            now = time.monotonic()
            if now - self._last_draw >= REDRAW_EVERY:
                self._last_draw = now
                self._bar(event)

    def _state(self, event: StateChanged) -> None:
        _ = self.tr.gettext
        item = event.item
        name = str(item.remote_path)
        size = format_size(item.size, self.tr.locale)
        if item.state is ItemState.VERIFIED:
            how = (
                _("verified, MD5 {md5}")
                if item.verified_by == "md5"
                else _("uploaded, size checked (the server offers no MD5)")
            )
            self._line(f"✓ {name}  {size}  {fill(how, {'md5': item.md5 or ''})}")
        elif item.state is ItemState.FAILED:
            reason = transfer_failure_message(item.reason or "", item.reason_params or {}, self.tr)
            action = suggested_action_label(item.action, self.tr) if item.action else ""
            self._line(f"✗ {name}  {reason}" + (f"  → {action}" if action else ""))
        elif item.state is ItemState.UPLOADING and not self.live:
            self._line(fill(_("↑ {name}  {size}  uploading"), {"name": name, "size": size}))

    def _bar(self, progress: QueueProgress) -> None:
        _ = self.tr.gettext
        fraction = progress.done / progress.total if progress.total else 1.0
        filled = round(BAR_WIDTH * fraction)
        counts = progress.counts
        finished = counts.get(ItemState.VERIFIED, 0) + counts.get(ItemState.FAILED, 0)
        files = sum(counts.get(state, 0) for state in ItemState)
        text = fill(
            _("{percent}  {files_done}/{files} files  {speed}  {eta} left"),
            {
                "percent": format_percent_value(fraction, self.tr.locale),
                "files_done": finished,
                "files": files,
                "speed": format_speed(progress.speed, self.tr.locale),
                "eta": format_eta(progress.eta, self.tr.locale),
            },
        )
        line = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {text}"
        width = shutil.get_terminal_size((100, 20)).columns
        self.stream.write("\r" + line[: width - 1].ljust(width - 1))
        self.stream.flush()
        self._bar_shown = True

    def _line(self, text: str) -> None:
        if self._bar_shown:
            self.stream.write("\r" + " " * (shutil.get_terminal_size((100, 20)).columns - 1) + "\r")
            self._bar_shown = False
        self.stream.write(text + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self._bar_shown:
            self.stream.write("\n")
            self.stream.flush()
            self._bar_shown = False
