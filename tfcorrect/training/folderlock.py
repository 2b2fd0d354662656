"""One writer per run folder, and what a killed writer left behind in it."""

import contextlib
import os
import pathlib
import re

from tfcorrect.errors import UserError

try:
    import fcntl
except ImportError:  # not on Windows: run folders are then not locked
    fcntl = None

# The hidden temporary files of tfcorrect.io.atomic.atomic_path: ".<stem>.tmp-<random><suffixes>".
LEFTOVER = re.compile(r"^\..+\.tmp-[A-Za-z0-9_]+")


@contextlib.contextmanager
def locked(run_dir):
    """Hold the run folder's lock while the block runs: a second training of the same folder stops at once.

    The lock is the kernel's ``flock`` on the folder itself, so no lock file is left behind and a
    process that is killed releases it with its last file descriptor.

    Raises:
        UserError: another process (a second ``tfcorrect-train`` of the same ``--run-dir``, or a
            second ``--resume``) holds the lock.
    """
    if fcntl is None:
        yield
        return
    fd = os.open(run_dir, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(f"{run_dir}: another training is writing this run folder; wait for it to end "
                            "or choose another --run-dir") from None
        yield
    finally:
        os.close(fd)


def remove_leftovers(run_dir):
    """Delete the temporary files a killed writer left (``.loss.tmp-*.png``, ...); returns their count.

    Only called while :func:`locked` is held, so no write in progress is touched.
    """
    removed = 0
    for path in pathlib.Path(run_dir).rglob(".*"):
        if path.is_file() and LEFTOVER.match(path.name):
            path.unlink()
            removed += 1
    return removed
