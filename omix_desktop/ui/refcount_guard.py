"""Guard against PySide6 6.12 dropping references to ``True`` and ``None``.

PySide6 6.12.0 returns ``True`` from ``SignalInstance.emit()`` without taking
a reference (measured: ``sys.getrefcount(True)`` falls by one per emit), and
converting an invalid ``QVariant`` back to Python (``index.data()`` for a role
a model does not serve) does the same with ``None``. On Python 3.11, where
these objects are ordinary refcounted objects, the count reaches zero after a
few thousand signals and the interpreter aborts ("bool_dealloc" /
"none_dealloc") - every ``asyncio.to_thread`` under qasync emits a signal.

Python 3.12 made these singletons immortal, which is what this does on older
versions: it adds a huge number to their reference counts once, so no
realistic number of lost references can ever bring them to zero. Their
memory is never freed anyway (they live as long as the interpreter).
"""

from __future__ import annotations

import ctypes
import sys

_HEADROOM = 1 << 40
"""Lost references tolerated: 10^12 signal emissions."""

_done = False


def install() -> None:
    """Make ``True``, ``False`` and ``None`` effectively immortal (idempotent)."""
    global _done
    if _done or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        _done = True
        return
    for singleton in (True, False, None):
        refcount = ctypes.c_ssize_t.from_address(id(singleton))  # ob_refcnt is first
        refcount.value += _HEADROOM
    _done = True
