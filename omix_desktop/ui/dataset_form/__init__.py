"""The New dataset screen (the guide's submission form)."""

from omix_desktop.ui.dataset_form.screen import NewDatasetScreen

__all__ = ["NewDatasetScreen"]
