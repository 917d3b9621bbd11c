"""The one version of both programs: the installed distribution's metadata.

``omix-desktop``, ``omix-upload`` and ``omix-server`` come from one
distribution (``omix-desktop``), so they print, announce in ``/api/v1/health``
and put in the OpenAPI schema the same number; frozen bundles carry the
metadata too.
"""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _package_version


def version() -> str:
    try:
        return _package_version("omix-desktop")
    except PackageNotFoundError:
        return "0+unknown"
