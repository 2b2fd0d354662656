"""Writing files so that a reader, or a crash, never sees half of one."""

import contextlib
import os
import pathlib
import tempfile


def _current_umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# Read once at import: os.umask can only be read by setting it, which is not thread-safe.
_FILE_MODE = 0o666 & ~_current_umask()


@contextlib.contextmanager
def atomic_path(target):
    """Yield a temporary path beside ``target``; on success it is renamed onto ``target``.

    The temporary name is hidden and keeps ``target``'s suffixes (Keras insists on
    ``.weights.h5``); the file gets the usual permissions, not mkstemp's 0600. On an exception
    the temporary file is removed and ``target`` is left as it was.
    """
    target = pathlib.Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    suffix = "".join(target.suffixes)
    stem = target.name[: len(target.name) - len(suffix)] if suffix else target.name
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{stem}.tmp-", suffix=suffix)
    os.close(fd)
    try:
        yield pathlib.Path(tmp)
        os.chmod(tmp, _FILE_MODE)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_bytes(target, data):
    """Write ``data`` to ``target`` atomically, synced to disk before the rename."""
    with atomic_path(target) as tmp, open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
