"""Writing files so that a reader, or a crash, never sees half of one."""

import contextlib
import os
import pathlib
import tempfile


@contextlib.contextmanager
def atomic_path(target):
    """Yield a temporary path beside ``target``; on success it is renamed onto ``target``.

    The temporary name keeps ``target``'s suffixes (Keras insists on ``.weights.h5``). On an
    exception the temporary file is removed and ``target`` is left as it was.
    """
    target = pathlib.Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    suffix = "".join(target.suffixes)
    stem = target.name[: len(target.name) - len(suffix)] if suffix else target.name
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{stem}.tmp-", suffix=suffix)
    os.close(fd)
    try:
        yield pathlib.Path(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
