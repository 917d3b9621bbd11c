"""The line format of ``--self-test`` (``omix-server`` and ``omix-desktop`` alike).

One line per step: ``ok      <step> (<result>)`` or ``FAILED  <step>: <error>``
followed by the traceback; the packaging tests read these lines from both
executables.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def step(name: str, action: Callable[[], T]) -> T:
    """Run one step and print its line; the error is re-raised after it is printed."""
    try:
        result = action()
    except Exception as error:
        print(f"FAILED  {name}: {error}", flush=True)
        traceback.print_exc()
        raise
    print(f"ok      {name}{f' ({result})' if result else ''}", flush=True)
    return result
