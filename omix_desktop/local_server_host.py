"""The local server's process: one per data folder, and it ends when its app ends.

``python -m omix_desktop.local_server_host SERVER-ARGS…`` is how the app runs
``omix-server`` (see :mod:`omix_desktop.local_server`). Before serving it

* takes an exclusive lock on ``server.lock`` in the data folder (held for
  as long as the process lives; the system releases it however the process
  ends) and writes where it serves to ``server.json`` beside it, so a second
  app on the same profile finds it and reuses it instead of opening the same
  SQLite folder a second time; when the lock is taken it exits with
  :data:`ALREADY_RUNNING`;
* watches its parent: the app keeps the write end of a pipe on this
  process's stdin, which the system closes when the app ends, by a clean
  quit, SIGTERM, SIGKILL or a crash. End of file there (or a new parent
  process id) stops the server cleanly, as SIGTERM does.

No Qt. Standard library only, plus ``server_stub`` to serve.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

UNDER_APP = "--under-app"
"""First argument of the frozen ``omix-server`` when the app starts it: run this host."""
LOCK_NAME = "server.lock"
ADDRESS_NAME = "server.json"
ALREADY_RUNNING = 75
"""Exit code when another process holds the data folder's lock."""
STOP_GRACE = 15.0
"""Seconds for a clean stop after the parent went away, then the process exits anyway."""


def try_lock(path: Path) -> IO[bytes] | None:
    """``path`` opened and exclusively locked, or ``None`` when someone holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+b")
    try:
        if os.name == "nt":
            import msvcrt

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


def is_locked(data_dir: Path) -> bool:
    """True while a local server holds ``data_dir``'s lock."""
    handle = try_lock(data_dir / LOCK_NAME)
    if handle is None:
        return True
    handle.close()  # closing releases the lock
    return False


def read_address(data_dir: Path) -> dict[str, Any] | None:
    """What the running server wrote about itself (url, ports, pid), or ``None``."""
    try:
        value = json.loads((data_dir / ADDRESS_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1] if name in argv else ""


def write_address(data_dir: Path, argv: list[str]) -> None:
    host = _option(argv, "--host") or "127.0.0.1"
    http_port = int(_option(argv, "--http-port") or 0)
    address = {
        "pid": os.getpid(),
        "url": f"http://{host}:{http_port}",
        "host": host,
        "http_port": http_port,
        "ftp_port": int(_option(argv, "--ftp-port") or 0),
        "public_ftp_port": int(_option(argv, "--public-ftp-port") or 0),
        "started": time.time(),
    }
    temporary = data_dir / f"{ADDRESS_NAME}.{os.getpid()}.tmp"
    temporary.write_text(json.dumps(address), encoding="utf-8")
    os.replace(temporary, data_dir / ADDRESS_NAME)


def _stop_self() -> None:
    """Stop the server as SIGTERM does; exit anyway if that takes too long."""
    threading.Timer(STOP_GRACE, lambda: os._exit(0)).start()
    if os.name == "nt":
        import _thread

        _thread.interrupt_main()
    else:
        os.kill(os.getpid(), signal.SIGTERM)


def watch_parent(stream: IO[bytes], parent: int) -> threading.Thread:
    """Stop when ``stream`` (the app's pipe) closes or the parent process changes."""

    def read_until_closed() -> None:
        while stream.read(1024):
            pass
        _stop_self()

    def poll_parent() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        _stop_self()

    reader = threading.Thread(target=read_until_closed, name="parent-pipe", daemon=True)
    reader.start()
    if os.name != "nt":
        threading.Thread(target=poll_parent, name="parent-pid", daemon=True).start()
    return reader


def _first_word(argv: list[str]) -> str:
    """The subcommand, if any: the first argument that is neither an option nor its value."""
    words = iter(argv)
    for word in words:
        if word.startswith("--"):
            if "=" not in word:
                next(words, None)
            continue
        return word
    return ""


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if _first_word(args) == "admin":  # a one-off command (make-curator…) beside a server
        from server_stub.cli import main as run_command

        return int(run_command(args) or 0)
    data_dir = Path(_option(args, "--data-dir") or ".")
    lock = try_lock(data_dir / LOCK_NAME)
    if lock is None:
        print(f"another local server holds {data_dir / LOCK_NAME}", file=sys.stderr)
        return ALREADY_RUNNING
    try:
        write_address(data_dir, args)
        watch_parent(sys.stdin.buffer, os.getppid())
        from server_stub.cli import main as serve

        return int(serve(args) or 0)
    finally:
        (data_dir / ADDRESS_NAME).unlink(missing_ok=True)
        lock.close()


if __name__ == "__main__":
    sys.exit(main())
