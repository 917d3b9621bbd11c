"""My submissions: the user's datasets after submission."""

from omix_desktop.ui.submissions.screen import SubmissionsScreen

__all__ = ["SubmissionsScreen"]
