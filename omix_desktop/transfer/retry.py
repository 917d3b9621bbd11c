"""When a failed upload is tried again: backoff with jitter, and queue-wide stops.

Failures are retried with exponential backoff and jitter; the count resets
whenever an attempt got further than the one before, so a flaky line that
cuts every few minutes still finishes a 20 GB file without restarting it.
Failures about the server or the account (a refused sign-in, no TLS, an
untrusted certificate) pause the whole queue: every other file would fail
the same way. Such a pause is lifted by the next retry, new files or new
settings, so it never leaves the queue stuck.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass

from omix_desktop.transfer.events import (
    Notice,
)
from omix_desktop.transfer.queue_store import ItemState
from omix_desktop.transfer.reasons import FailureReason, TransferError
from omix_desktop.transfer.run_state import QueueCore, Run

log = logging.getLogger(__name__)

QUEUE_WIDE = {
    FailureReason.LOGIN_FAILED,
    FailureReason.TLS_NOT_SUPPORTED,
    FailureReason.TLS_FAILED,
}
"""Failures that are about the server or account, not the file: pause everything."""


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, and how many failures in a row are allowed."""

    max_failures: int = 6
    """Consecutive failed attempts without progress before an item is ``failed``."""
    base_delay: float = 2.0
    max_delay: float = 300.0
    jitter: float = 0.5
    """Delay is multiplied by a random factor in ``[1 - jitter, 1 + jitter]``."""

    def delay(self, failures: int) -> float:
        raw = min(self.max_delay, self.base_delay * 2.0 ** max(0, failures - 1))
        return float(raw * random.uniform(1 - self.jitter, 1 + self.jitter))


class FailureHandling(QueueCore):
    """What happens to an item after a failed attempt."""

    retry_policy: RetryPolicy

    def _handle_failure(self, run: Run, error: TransferError) -> None:
        item = self.store.get(run.item_id)
        if item is None:
            return
        if run.intent is not None:  # stopped on purpose while the error happened
            self._after_stop(run)
            return
        progressed = run.progressed
        failures = 1 if progressed else item.failures_in_row + 1
        storage = error.reason is FailureReason.SERVER_ERROR and error.params.get("code") == "451"
        if storage and not progressed and item.failures_in_row:
            # the server keeps failing to write at the same offset: its disk is full
            error = TransferError(FailureReason.SERVER_DISK_FULL, dict(error.params))
        if error.reason in QUEUE_WIDE:
            self._fail(item.id, error)
            self.pause_all(by="error")
            self.events.emit(Notice(item.id, "queue_paused_by_error", {"reason": error.reason}))
            return
        if error.retryable and failures < self.retry_policy.max_failures:
            delay = self.retry_policy.delay(failures)
            self._set(
                item.id,
                state=ItemState.QUEUED,
                failures_in_row=failures,
                next_attempt_at=time.time() + delay,
                reason=str(error.reason),
                reason_params=error.params,
            )
            self.events.emit(
                Notice(
                    item.id,
                    "retry_scheduled",
                    {"delay": delay, "failures": failures, "reason": str(error.reason)},
                )
            )
            return
        self._set(item.id, failures_in_row=failures)
        self._fail(item.id, error)
