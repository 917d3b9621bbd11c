"""The Qt user interface: the only package that imports Qt.

Every screen derives from :class:`omix_desktop.ui.base.Screen` and receives
the :class:`omix_desktop.ui.context.AppContext` (translator, session with the
API client, settings, task runner) from its creator.
"""

from omix_desktop.ui.refcount_guard import install as _guard_refcounts

_guard_refcounts()  # PySide6 6.12 loses references to True/None on every signal
