"""The "Prepare files" screen: pick, hash, check, and send files to the upload queue."""

from omix_desktop.ui.prepare.screen import PrepareScreen

__all__ = ["PrepareScreen"]
