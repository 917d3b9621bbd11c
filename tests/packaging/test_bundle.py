"""The frozen Linux bundle: built with PyInstaller, then both programs prove themselves.

Skipped unless ``OMIX_PACKAGE_TEST=1`` (``make test-package``, run by CI): the
build takes minutes. The bundle runs with a clean environment (no PYTHONPATH,
no access to the source tree's packages), as it would on a user's machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.package,
    pytest.mark.skipif(
        os.environ.get("OMIX_PACKAGE_TEST") != "1", reason="set OMIX_PACKAGE_TEST=1 to build"
    ),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux bundle"),
    pytest.mark.timeout(1800),
]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("pyinstaller")
    built = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
         "--distpath", str(work / "dist"), "--workpath", str(work / "build"),
         str(ROOT / "packaging" / "omix.spec")],
        cwd=ROOT, capture_output=True, text=True, timeout=1500,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return work / "dist" / "omix-desktop"


def frozen_env(home: Path) -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "TMPDIR")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    return {**env, "HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}


@pytest.mark.parametrize("program", ["omix-server", "omix-desktop"])
def test_self_test_of_the_frozen_program(bundle: Path, program: str, tmp_path: Path) -> None:
    ran = subprocess.run(
        [str(bundle / program), "--self-test"],
        env=frozen_env(tmp_path), cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout[-4000:] + ran.stderr[-4000:]
    assert "self-test passed" in ran.stdout


@pytest.mark.parametrize("program", ["omix-server", "omix-desktop"])
def test_version_comes_from_the_package_metadata(bundle: Path, program: str, tmp_path) -> None:
    from importlib.metadata import version

    ran = subprocess.run(
        [str(bundle / program), "--version"], env=frozen_env(tmp_path),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == f"{program} {version('omix-desktop')}"
