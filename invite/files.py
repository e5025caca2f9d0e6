"""Every file `invite` writes goes through here: atomic, durable, never through a planted link.

The data folder holds personal data, and a link someone planted in it (at a temporary name, a
backup name, a Maildir sub-folder) must never make `invite` write — or leave — that data
outside. So:

- ``write_atomic``: the new content goes into a temporary file created *exclusively*
  (``mkstemp``: ``O_CREAT | O_EXCL``, which never follows a link) in the target's own folder,
  is flushed and fsynced, then renamed over the target. A rename replaces a link at the target
  name by the file itself; it never writes into what the link points to. On POSIX the folder
  is fsynced too, so the rename survives a power cut.
- ``copy_exclusive``: backups and copies are created the same way (``O_EXCL``, plus
  ``O_NOFOLLOW`` where the system has it) and never overwrite anything.
- ``real_folder``: a folder the tool owns (Maildir ``tmp/``/``new/``) that turns out to be a
  link is replaced by a real, empty folder — the link is removed, its target left alone.
- ``storage_error``: the one translation of an ``OSError``/``sqlite3`` error on our own files
  into the German message naming the cause staff can fix (full disk, no permission, a folder
  where a file belongs).
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from invite.errors import EXIT_USAGE, InviteError

NEW_FILE_MODE = 0o600  # personal data: owner only
FOLDER_MODE = 0o700
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # POSIX; Windows links need admin rights to plant
_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation


# -- errors ----------------------------------------------------------------------------------


def _read_only(folder: Path) -> bool:
    try:
        if hasattr(os, "statvfs") and os.statvfs(folder).f_flag & os.ST_RDONLY:  # POSIX only
            return True
        return not os.access(folder, os.W_OK)
    except OSError:
        return False


FULL, DENIED, FOLDER, OTHER = "full", "denied", "folder", "other"


def storage_cause(exc: BaseException, folder: Path | None = None) -> str:
    """Which fixable cause an error on our own files has: ``FULL`` (disk or quota),
    ``DENIED`` (no permission, read-only folder or medium, file open elsewhere), ``FOLDER`` (a
    folder where a file belongs) or ``OTHER``. ``folder``: where the write went, looked at
    when SQLite's message does not say why."""
    code = exc.errno if isinstance(exc, OSError) else None
    text = str(exc).lower()
    if isinstance(exc, IsADirectoryError):
        return FOLDER
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)) or "full" in text:
        return FULL
    if (
        isinstance(exc, PermissionError)
        or code in (errno.EACCES, errno.EPERM, errno.EROFS)
        or "readonly" in text
        or "read-only" in text
        or (folder is not None and _read_only(folder))
    ):
        return DENIED
    return OTHER


def storage_error(
    path: Path,
    exc: BaseException,
    *,
    name: str | None = None,
    reading: bool = False,
    retry: str | None = None,
) -> InviteError:
    """Name the cause staff can fix: a full disk, a read-only folder or a file open elsewhere,
    a folder where a file belongs. ``name`` says what the file is („Die Rückmeldeliste „…““);
    ``retry`` names the command to run again once the file is closed (for files staff open in
    Excel). Always an operator's matter (exit 2): the data are fine, the disk or folder is not."""
    label = name or str(path)
    cause = storage_cause(exc, path.parent)
    if cause == FOLDER:
        message = f"„{path}“ ist ein Ordner. Bitte mit --out einen Dateinamen angeben."
    elif cause == FULL:
        message = f"{label}: Der Datenträger ist voll."
    elif cause == DENIED and retry:
        verb = "lesen" if reading else "überschreiben"
        message = (
            f"{label} lässt sich nicht {verb}: Sie ist gerade geöffnet (z. B. in Excel) "
            f"oder schreibgeschützt. Bitte schließen Sie die Datei und starten Sie "
            f"„{retry}“ erneut."
        )
    elif cause == DENIED:
        message = f"{label}: Keine Schreibberechtigung (schreibgeschützt?)."
    else:
        strerror = getattr(exc, "strerror", None) or exc
        message = f"{label}: Fehler beim {'Lesen' if reading else 'Schreiben'} ({strerror})."
    return InviteError(f"{message} Es wurde nichts verändert.", exit_code=EXIT_USAGE)


def storage_message(exc: BaseException) -> str | None:
    """German words for a full disk or a write-protected data folder met somewhere in a run
    (the CLI's last resort); None for anything else."""
    filename = getattr(exc, "filename", None)
    where = f" ({filename})" if filename else ""
    retry = " Bereits Erledigtes bleibt gespeichert; danach den Befehl einfach erneut starten."
    cause = storage_cause(exc)
    if cause == FULL:
        return f"Der Datenträger ist voll{where}. Bitte Platz schaffen.{retry}"
    if cause == DENIED:
        return f"Keine Schreibberechtigung{where} (Ordner schreibgeschützt?).{retry}"
    return None


# -- writing ---------------------------------------------------------------------------------


def _fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; Windows cannot open a folder for this)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_folder(folder: Path) -> None:
    """Create ``folder`` (owner only) with its parents; an existing one is left as it is."""
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)


def real_folder(folder: Path) -> Path:
    """``folder`` as a real folder of ours: a link found there is removed (its target is left
    alone) and a real folder made in its place."""
    if folder.is_symlink():
        folder.unlink()
    make_folder(folder)
    return folder


def write_atomic(
    path: Path, data: bytes, *, name: str | None = None, retry: str | None = None
) -> None:
    """Replace ``path`` by ``data`` so that a reader sees the old or the new file, never half
    of one, and nothing is written through a link planted at any name involved. A file that
    existed keeps its permissions; a new one is owner-only. Failures become ``storage_error``
    (``name``/``retry`` as there); the old file is then unchanged."""
    tmp_name: str | None = None
    try:
        make_folder(path.parent)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileNotFoundError):
            if not path.is_symlink():
                os.chmod(tmp_name, path.stat().st_mode & 0o777)  # keep the mode staff chose
        os.replace(tmp_name, path)
        tmp_name = None
        _fsync_folder(path.parent)
    except OSError as exc:
        raise storage_error(path, exc, name=name, retry=retry) from None
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


def create_exclusive(path: Path, data: bytes) -> None:
    """Write ``data`` to the new file ``path`` (owner only); refuse (``FileExistsError``) when
    anything — a file or a link, even a dangling one — is already there."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _BINARY, NEW_FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            fd = -1
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        if fd >= 0:
            os.close(fd)
        with contextlib.suppress(OSError):
            path.unlink()
        raise
    _fsync_folder(path.parent)


def copy_exclusive(source: Path, target: Path) -> None:
    """Copy ``source`` to the new file ``target`` (owner only), never through a link and never
    over an existing file; the copy keeps the source's modification time."""
    data = source.read_bytes()
    create_exclusive(target, data)
    with contextlib.suppress(OSError):
        stat = source.stat()
        os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def refuse_links(*paths: Path) -> None:
    """Refuse to open files through links (the database and its side files, which SQLite
    opens itself): a link in the data folder could send personal data elsewhere."""
    for path in paths:
        if path.is_symlink():
            raise InviteError(
                f"„{path}“ ist eine Verknüpfung (Link) und keine Datei. `invite` schreibt "
                "keine Daten durch Verknüpfungen; bitte entfernen Sie sie. Es wurde nichts "
                "verändert.",
                exit_code=EXIT_USAGE,
            )
