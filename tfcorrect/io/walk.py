"""Walking a folder tree: hidden names skipped, symlinked folders followed, links back up the tree named.

A symlinked folder below the root is walked like any other, under the link's name (a folder linked
twice is listed under both names). A link back to a folder above it, or to itself, would never end:
it is named once, as a warning, and not followed.
"""

import os
import pathlib
import warnings

from tfcorrect.errors import ImageError


def walk_files(root):
    """The paths of the files below the folder ``root``, each starting with ``root`` as given.

    Files and folders whose names start with '.' are skipped (not ``root`` itself). A symlink to a
    file, or a broken one, is listed as a file.

    Raises:
        ImageError: a folder cannot be listed.
    """
    root = pathlib.Path(root)
    yield from _walk(root, (_identity(root),))


def _identity(folder):
    try:
        stat = folder.stat()
    except OSError as err:
        raise ImageError(f"{folder}: {err.strerror or err}") from err
    return stat.st_dev, stat.st_ino


def _walk(folder, above):
    """Files below ``folder``; ``above`` holds the identities of ``folder`` and of the folders above it."""
    try:
        with os.scandir(folder) as scan:
            entries = sorted((entry.name, entry.is_dir()) for entry in scan if not entry.name.startswith("."))
    except OSError as err:
        raise ImageError(f"{err.filename or folder}: {err.strerror or err}") from err
    for name, is_dir in entries:
        path = folder / name
        if not is_dir:
            yield path
            continue
        identity = _identity(path)
        if identity in above:
            warnings.warn(f"{path}: a link back to {os.path.realpath(path)}, which holds it; not followed",
                          stacklevel=3)
            continue
        yield from _walk(path, above + (identity,))
