"""The "Transfers" screen: Queued / Failed / Successful lists over the upload queue."""

from omix_desktop.ui.transfers.screen import TransfersScreen

__all__ = ["TransfersScreen"]
