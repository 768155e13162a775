"""Writing files so that nothing half-written is ever left behind.

Patient handouts are personal health information: files are created readable
by the owner only, written to a temporary name in the same folder, flushed,
and renamed into place in one step.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path


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
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
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
