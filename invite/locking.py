"""Cross-platform "only one at a time" locks on files in the data folder.

filelock takes an OS lock on the file (``flock`` on POSIX, ``msvcrt.locking`` on Windows); the
operating system releases it when the holder exits, even when killed, so a crash never leaves
a stale lock behind. Who holds a lock is written to a separate small file, because Windows
does not let another process read a locked file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from invite.files import refuse_links

if TYPE_CHECKING:
    from filelock import FileLock

HOLDER_SUFFIX = ".holder"


class Busy(Exception):
    """Another process holds the lock; ``holder`` says who, as far as it wrote it down."""

    def __init__(self, holder: str) -> None:
        super().__init__(holder)
        self.holder = holder


def acquire(path: Path, holder: str = "") -> FileLock:
    """Take the lock on ``path`` without waiting (release it with ``.release()``).

    Raises :class:`Busy` if another process holds it.
    """
    from filelock import FileLock, Timeout  # on first use: commands that lock nothing start faster

    refuse_links(path, _holder_file(path))  # the lock file is opened for writing (truncated)
    lock = FileLock(str(path), timeout=0, mode=0o600)
    try:
        lock.acquire()
    except Timeout:
        raise Busy(_read_holder(path)) from None
    if holder:
        try:
            _write_holder(path, holder)
        except OSError:
            lock.release()
            raise
    return lock


def _holder_file(path: Path) -> Path:
    return path.with_name(path.name + HOLDER_SUFFIX)


def _write_holder(path: Path, text: str) -> None:
    flags = os.O_CREAT | os.O_WRONLY | os.O_TRUNC | getattr(os, "O_BINARY", 0)
    flags |= getattr(os, "O_NOFOLLOW", 0)  # never through a link (POSIX)
    fd = os.open(_holder_file(path), flags, 0o600)
    try:
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)


def _read_holder(path: Path) -> str:
    try:
        return _holder_file(path).read_text("utf-8", "replace").strip()[:200]
    except OSError:
        return ""
