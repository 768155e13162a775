"""Writing files so that nothing half-written is ever left behind, and nothing else is touched.

Patient handouts are personal health information: files are created readable
by the owner only, written to a temporary name in the same folder, flushed,
and renamed into place in one step. The temporary name carries the writer's
process id, so a later run can tell a file left by a killed run (removed: it
holds patient data) from one another run is still writing.

What is already at an output path decides how it is written: a regular file
is replaced as above; a device or a FIFO (``-o /dev/null``, a pipe) is
written to directly and never replaced; a symbolic link to a file or a
folder is refused, so a planted link can never redirect a handout.
"""

from __future__ import annotations

import errno
import os
import re
import signal
import stat
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputError, Problem

_PART = re.compile(r"\..*\.(\d+)-[a-z0-9_]{8}\.part")       # .NAME.PID-RANDOM.part
_OLD_PART = re.compile(r"\..*\.[a-z0-9_]{8}\.part")           # written before the PID was in the name
_OLD_PART_AGE = 3600                                            # seconds


@contextmanager
def atomic_file(path: Path | str, overwrite: bool = True, durable: bool = True):
    """A binary file handle that becomes ``path`` (mode 0600) only if the block ends normally.

    On any exception, including Ctrl-C, the temporary file is removed and
    ``path`` is untouched. ``overwrite=False`` makes an existing file an
    error (FileExistsError), atomically. ``durable`` also flushes to disk
    before the rename.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:100]}.{os.getpid()}-", suffix=".part", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        if overwrite:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails if path exists, atomically
            os.unlink(tmp)
    except BaseException:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)
        raise


@contextmanager
def _uninterrupted():
    """Hold Ctrl-C and kill signals until a short write is finished (or cleaned up)."""
    held = {signal.SIGINT, signal.SIGTERM}
    can_hold = hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread()
    if can_hold:
        signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        if can_hold:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, held)


def write_atomic(path: Path | str, data: bytes, overwrite: bool = True, durable: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically with mode 0600; a signal waits until it is done."""
    with _uninterrupted(), atomic_file(path, overwrite, durable) as handle:
        handle.write(data)
    return Path(path)


def write_stdout(data: bytes) -> None:
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def kind(path: Path | str) -> str:
    """What is at ``path``: missing, file, folder, special (device, FIFO, socket, or a link to one) or link."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return "missing"
    if stat.S_ISLNK(info.st_mode):
        try:
            info = os.stat(path)
        except OSError:
            return "link"
        return "link" if stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode) else "special"
    if stat.S_ISREG(info.st_mode):
        return "file"
    return "folder" if stat.S_ISDIR(info.st_mode) else "special"


def check_target(path: Path | str) -> str:
    """The kind of an output path the user named; raises OutputError for a link or a folder."""
    found = kind(path)
    if found == "link":
        raise _error(path, "is a symbolic link; handouts are never written through a link",
                     "give the path of the file itself, or remove the link")
    if found == "folder":
        raise _error(path, "is a folder", "give a file name")
    return found


def not_an_input(target: Path | str | None, inputs, suffixes: tuple[str, ...] = ()) -> None:
    """Refuse an output that would replace one of the run's own inputs.

    ``-o rx.yaml`` once replaced the prescription with its handout, and
    ``--report patients.csv`` the manifest with the report. ``inputs`` are the
    files and folders named on the command line; a folder counts for the files
    a batch would read from it (``suffixes``).
    """
    if not target:
        return
    target = Path(target)
    for item in inputs:
        if not item or str(item) == "-":
            continue
        item = Path(item)
        if item.is_dir():
            inside = os.path.commonpath([os.path.realpath(target), os.path.realpath(item)]) == os.path.realpath(item)
            same = inside and target.name.lower().endswith(suffixes) if suffixes else False
        else:
            same = _same_file(target, item)
        if same:
            raise _error(target, f"is an input of this run ({item}); writing it would replace it",
                         "give another output file name")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


@contextmanager
def output_file(path: Path | str, durable: bool = True):
    """A binary handle for an output the user named: a device or FIFO directly, anything else atomically."""
    if check_target(path) == "special":
        with _special(path) as handle:
            yield handle
        return
    with atomic_file(path, durable=durable) as handle:
        yield handle


def write_output(path: Path | str, data: bytes) -> Path:
    """``data`` to an output the user named (``generate -o``); a signal waits until it is done."""
    with _uninterrupted(), output_file(path) as handle:
        handle.write(data)
    return Path(path)


@contextmanager
def _special(path):
    fd = os.open(path, os.O_WRONLY | os.O_NOCTTY)
    if stat.S_ISREG(os.fstat(fd).st_mode):      # replaced by a regular file since we looked
        os.close(fd)
        raise _error(path, "changed while it was being opened", "run the command again")
    with os.fdopen(fd, "wb") as handle:
        yield handle


def prepare_folder(folder: Path) -> None:
    """Make sure handouts can be written in ``folder`` before any work; remove what killed runs left."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=f".probe.{os.getpid()}-", suffix=".part", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except FileExistsError:
        raise _error(folder, "is a file, not a folder", "give a folder for the handouts") from None
    except OSError as error:
        raise io_error(folder, error) from None
    remove_stale_parts(folder)


def remove_stale_parts(folder: Path | str) -> int:
    """Remove the temporary files of runs that were killed; a live run's files are left alone."""
    removed = 0
    try:
        listing = os.scandir(folder or ".")
    except OSError:
        return 0
    now = time.time()
    with listing:
        for entry in listing:
            name = entry.name
            if not (name.startswith(".") and name.endswith(".part")) or not entry.is_file(follow_symlinks=False):
                continue
            match = _PART.fullmatch(name)
            if match:
                stale = not _alive(int(match.group(1)))
            else:
                stale = bool(_OLD_PART.fullmatch(name)) and now - entry.stat().st_mtime > _OLD_PART_AGE
            if stale:
                try:
                    os.unlink(entry.path)
                    removed += 1
                except OSError:
                    pass
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True        # it exists, run by someone else
    return True


def io_error(path: Path | str, error: OSError) -> OutputError:
    """A clean message for a file or folder that cannot be written."""
    why = error.strerror or str(error)
    fixes = {errno.ENOSPC: "free some disk space, or write to another disk",
             errno.EDQUOT: "free some space (the disk quota is full), or write to another disk",
             errno.EACCES: "choose a folder you can write to, or ask for write permission",
             errno.EPERM: "choose a folder you can write to, or ask for write permission",
             errno.EROFS: "the disk is read-only: choose another folder"}
    return _error(path, f"cannot be written ({why})", fixes.get(error.errno, "check the path and the disk"))


def _error(path, message: str, fix: str) -> OutputError:
    return OutputError([Problem(str(path), None, "", message, fix)])
