"""Released data: the public archive, browsed and downloaded from the app."""

from omix_desktop.ui.released.screen import ReleasedScreen

__all__ = ["ReleasedScreen"]
