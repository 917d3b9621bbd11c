"""OMIX Desktop: the uploader client (engine, API client, Qt user interface).

``version()`` lives here, at the top of the package, because the app, the
settings screen's About box and ``omix-upload`` all print it: kept anywhere
lower, one of them would import across layers to reach it.
"""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _package_version


def version() -> str:
    """The one version: the installed package's metadata (frozen bundles carry it too)."""
    try:
        return _package_version("omix-desktop")
    except PackageNotFoundError:
        return "0+unknown"
