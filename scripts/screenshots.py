"""Render every screen of the desktop app in English and Chinese into docs/screenshots/.

Files are ``desktop-<screen>.<en|zh>.png`` (the web pages' screenshots sit beside
them with the same language suffixes).

    QT_QPA_PLATFORM=offscreen python scripts/screenshots.py [--out docs/screenshots]

Runs without a display (offscreen) and without a server: the app's folders
go to a temporary directory, so the developer's profile is never touched.
Chinese needs a CJK font (Debian: fonts-noto-cjk).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--size", default="1100x720", help="window size, WIDTHxHEIGHT")
    parser.add_argument(
        "--empty", action="store_true", help="no sample data (default: a seeded local server)"
    )
    args = parser.parse_args(argv)
    width, height = (int(part) for part in args.size.split("x"))

    import qasync
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication

    from omix_desktop.paths import AppPaths
    from omix_desktop.ui.application import build_context
    from omix_desktop.ui.main_window import MainWindow

    app = QApplication([sys.argv[0]])
    app.setFont(QFont("Noto Sans CJK SC", 10))
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as home, contextlib.ExitStack() as stack:
        context = build_context(AppPaths.under(Path(home)).create(), loop, language="en")
        if not args.empty:
            seeded = stack.enter_context(seeded_server(Path(home) / "seed"))
            context.settings.server_url = seeded.server.url
            context.settings.ftp_port = seeded.server.ftp_port
        window = MainWindow(context)
        window.resize(width, height)
        window.show()
        if not args.empty:
            loop.run_until_complete(populate(window, context, seeded))
        for language, suffix in (("en", "en"), ("zh_CN", "zh")):
            context.translator.set_language(language)
            for key in window.screens:
                window.show_screen(key)
                for _round in range(20):  # let the screen's requests land (bounded)
                    loop.run_until_complete(asyncio.sleep(0.05))
                path = args.out / f"desktop-{key}.{suffix}.png"
                window.grab().save(str(path))
                print(path)
            window.show_screen("sign_in")
            dialog = window.sign_in.open_register()
            app.processEvents()
            path = args.out / f"desktop-register.{suffix}.png"
            dialog.grab().save(str(path))
            dialog.reject()
            print(path)
        window.close()
        loop.run_until_complete(context.shutdown())
        loop.close()  # joins the worker threads of asyncio.to_thread before Qt goes
    return 0


class Seeded:
    """A local reference server with one account, files and datasets in each state."""

    def __init__(self, server: object, email: str, password: str, accessions: list[str]) -> None:
        self.server = server
        self.email = email
        self.password = password
        self.accessions = accessions


@contextlib.contextmanager
def seeded_server(folder: Path):  # type: ignore[no-untyped-def]
    """Start a local server and fill it the way a lab's first week looks."""
    import ftplib
    import hashlib
    import io
    import subprocess
    from datetime import date, timedelta

    from omix_desktop.api import ApiClient
    from omix_desktop.api.models import Registration
    from omix_desktop.local_server import LocalServer

    password = "screenshots-password-1"
    with LocalServer(folder / "data", log_path=folder / "server.log") as server:
        api = ApiClient(server.url)
        people = {}
        for email, first in (
            ("zhang.sisi@lab.example.org", "Sisi"),
            ("curator@lab.example.org", "Li"),
        ):
            api.register(Registration(
                email=email, password=password, first_name=first, last_name="Zhang",
                street_address="1 Datun Road", city="Beijing", postal_code="100101",
                country_region="China", organization="Beijing Institute of Genomics",
                department="National Genomics Data Center",
            ))  # fmt: skip
            people[email] = ApiClient(server.url)
            people[email].login(email, password)
        subprocess.run(
            [*server.command, "--data-dir", str(server.data_dir), "admin", "make-curator",
             "curator@lab.example.org"], check=True, capture_output=True,
        )  # fmt: skip
        owner = people["zhang.sisi@lab.example.org"]
        curator = people["curator@lab.example.org"]
        files = {
            "rice_leaf_drought/leaf_ctrl_rep1.fq.gz": b"@r1\nACGT\n+\nIIII\n" * 4000,
            "rice_leaf_drought/leaf_drought_rep1.fq.gz": b"@r2\nTTGA\n+\nIIII\n" * 5000,
            "rice_leaf_drought/expression_matrix.tsv": b"gene\tctrl\tdrought\n" * 3000,
        }
        with ftplib.FTP() as ftp:
            ftp.connect("127.0.0.1", server.ftp_port, timeout=30)
            ftp.login("zhang.sisi@lab.example.org", password)
            ftp.mkd("rice_leaf_drought")
            for path, data in files.items():
                ftp.storbinary(f"STOR {path}", io.BytesIO(data))
        project = owner.create_bioproject("Rice responses to drought stress").accession
        accessions = []
        for index, (path, title, release) in enumerate((
            ("rice_leaf_drought/expression_matrix.tsv", "Leaf transcriptome under drought", 0),
            ("rice_leaf_drought/leaf_ctrl_rep1.fq.gz", "Control leaves, replicate 1", 90),
        )):  # fmt: skip
            dataset = owner.create_dataset({
                "title": title, "description": "RNA-seq of rice leaves under drought stress.",
                "organism": "Oryza sativa", "data_type": "Transcriptome",
                "data_subtype": "Gene expression matrix", "access": "open",
                "bioproject": project, "terms_accepted": True,
                "release_date": date.today() + timedelta(days=release),
                "files": [{"source": "ftp", "path": path, "title": title, "samples": 2,
                           "md5": hashlib.md5(files[path]).hexdigest() if index == 0 else "0" * 32,
                           "data_type": "Transcriptome"}],
            })  # fmt: skip
            accessions.append(dataset.accession)
        for _round in range(100):  # bounded wait for the archive's checks
            if owner.dataset(accessions[0]).status == "Archived":
                break
            time.sleep(0.1)
        curator.approve_curation(accessions[0])
        yield Seeded(server, "zhang.sisi@lab.example.org", password, accessions)


async def populate(window, context, seeded: Seeded) -> None:  # type: ignore[no-untyped-def]
    """Sign in and let each screen load what a user would see."""
    await context.session.sign_in(seeded.email, seeded.password)
    for _round in range(50):  # the release of the first dataset (bounded)
        rows = await asyncio.to_thread(context.session.api.my_datasets)
        if any(row.status == "Released" for row in rows):
            break
        await asyncio.sleep(0.1)
    submissions = window.screens["submissions"]
    await submissions.refresh()
    await submissions.open(seeded.accessions[1])
    released = window.screens["released"]
    await released.load()
    await released.open(seeded.accessions[0])
    new_dataset = window.screens["new_dataset"]
    await new_dataset.load()


if __name__ == "__main__":
    sys.exit(main())
