"""A process that downloads segmented until it kills itself with SIGKILL mid-way.

Usage: python -m tests.transfer.download_crash_child URL DESTINATION SIZE MD5

Once 2 MiB are on disk it slows down (each block waits a little) until the
journal on disk names at least that much, then sends itself SIGKILL: what a
crash leaves is exactly a part, its journal, and no clean-up.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import requests

from omix_desktop.transfer import range_journal
from omix_desktop.transfer.http_download import Download
from omix_desktop.transfer.range_journal import Journal
from omix_desktop.transfer.segmented_download import RangePolicy, fetch_segmented

MiB = 1024 * 1024


def main(url: str, destination: Path, size: int, md5: str) -> None:
    job = Download(url, destination, md5, size)

    def progress(done: int, _total: int) -> None:
        if done < 2 * MiB:
            return
        journal = Journal.load(job.part)
        if journal is not None and range_journal.total(journal.done) >= 2 * MiB:
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(0.02)  # let the journal catch up

    policy = RangePolicy(threshold=MiB, chunk_min=256 * 1024, chunk_max=MiB, journal_every=0.0)
    fetch_segmented(requests.Session(), job, policy=policy, progress=progress)
    print("finished without being killed", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
