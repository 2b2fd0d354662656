"""Folder jobs: one function applied to every image below a folder, mirrored into another.

``tfcorrect-predict`` (and the data and evaluation commands) share this: outputs mirror the
inputs' relative paths, the output folder may not be the input folder or inside it, a file that
fails is named on stderr and skipped, a progress bar shows the work, and the job ends with
``N written, M failed``. The work function writes its output with the atomic writers of
:mod:`tfcorrect.io.images` / :mod:`tfcorrect.io.atomic`, so a failure never leaves a partial file.
"""

import pathlib
import sys

import keras

from tfcorrect.errors import UserError
from tfcorrect.io.images import list_images


def mirror_paths(source, output_dir, *, suffix=None):
    """``(input, output)`` pairs for an image or every image below a folder.

    Args:
        source: an image file, or a folder searched recursively.
        output_dir: where outputs go, at the inputs' paths relative to ``source``.
        suffix: replace each output's suffix (e.g. ``".png"``); ``None`` keeps the input's.

    Raises:
        UserError: ``source`` does not exist or holds no image, or an output would land on an
            input (``output_dir`` is ``source`` or inside it).
    """
    source, output_dir = pathlib.Path(source), pathlib.Path(output_dir)
    if not source.exists():
        raise UserError(f"{source}: no such file or folder")
    if source.is_dir():
        src, out = source.resolve(), output_dir.resolve()
        if out == src or src in out.parents:
            raise UserError(f"{output_dir}: the output folder must not be {source} or inside it")
        pairs = [(p, output_dir / p.relative_to(source)) for p in list_images(source)]
    else:
        pairs = [(p, output_dir / p.name) for p in list_images(source)]
    if suffix is not None:
        pairs = [(p, out.with_suffix(suffix)) for p, out in pairs]
    if any(out.resolve() == p.resolve() for p, out in pairs):
        raise UserError(f"{output_dir}: writing there would overwrite the input {source}")
    if not pairs:
        raise UserError(f"{source}: no PNG, JPEG, BMP or TIFF images found")
    return pairs


def run_per_file(pairs, work, *, progress=True):
    """Call ``work(input, output)`` for every pair; a failure is named and the others go on.

    Returns:
        ``(written, failed)`` counts, also printed as ``N written, M failed``.
    """
    bar = keras.utils.Progbar(len(pairs), unit_name="image") if progress else None
    written = failed = 0
    for i, (src, dst) in enumerate(pairs):
        try:
            work(src, dst)
            written += 1
        except Exception as err:  # one bad file must not stop the folder
            message = str(err) if isinstance(err, UserError) else f"{src}: {type(err).__name__}: {err}"
            print(f"\nfailed: {message.splitlines()[0]}", file=sys.stderr, flush=True)
            failed += 1
        if bar:
            bar.update(i + 1)
    print(f"{written} written, {failed} failed")
    return written, failed
