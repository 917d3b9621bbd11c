"""The version for the bundle's metadata (Info.plist, installer): the package's own."""

import tomllib
from pathlib import Path

VERSION = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"][
    "version"
]
