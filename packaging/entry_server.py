"""Frozen entry point of ``omix-server`` (PyInstaller runs this file).

The app starts its local server as ``omix-server --under-app SERVER-ARGS…``:
that runs :mod:`omix_desktop.local_server_host` (one server per profile, held
by the data folder's lock, ending with the app) exactly as ``python -m
omix_desktop.local_server_host`` does outside a bundle.
"""

import sys

from omix_desktop.local_server_host import UNDER_APP
from omix_desktop.local_server_host import main as under_app
from server_stub.cli import main

if __name__ == "__main__":
    if sys.argv[1:2] == [UNDER_APP]:
        sys.exit(under_app(sys.argv[2:]))
    sys.exit(main())
