"""The main window's work screens, in navigation order (between sign-in and settings).

One line per screen, so each screen is plugged in where it is built.
"""

from __future__ import annotations

from omix_desktop.ui.base import Screen
from omix_desktop.ui.context import AppContext


def work_screens(context: AppContext) -> list[Screen]:
    screens = [
        _prepare(context),
        _transfers(context),
        _new_dataset(context),
        _submissions(context),
        _released(context),
    ]
    new_dataset, submissions = screens[2], screens[3]
    # a dataset made in the form is in My submissions at once, without Refresh
    new_dataset.submitted.connect(lambda _accession: submissions.wake())  # type: ignore[attr-defined]
    return screens


def _prepare(context: AppContext) -> Screen:
    from omix_desktop.ui.prepare import PrepareScreen

    return PrepareScreen(context)


def _transfers(context: AppContext) -> Screen:
    from omix_desktop.ui.transfers import TransfersScreen

    return TransfersScreen(context)


def _new_dataset(context: AppContext) -> Screen:
    from omix_desktop.ui.dataset_form import NewDatasetScreen

    return NewDatasetScreen(context)


def _submissions(context: AppContext) -> Screen:
    from omix_desktop.ui.submissions import SubmissionsScreen

    return SubmissionsScreen(context)


def _released(context: AppContext) -> Screen:
    from omix_desktop.ui.released import ReleasedScreen

    return ReleasedScreen(context)
