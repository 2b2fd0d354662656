"""The prediction module: a run folder's generator applied to images of any size and kind.

It is separate from training (seed 004): it rebuilds the generator from ``params.csv``, loads
``generator.weights.h5`` and corrects files. Large images are cut into overlapping tiles that
are run in batches and blended back with weights that fall off towards each tile's edges, so
memory follows the tile batch, not the image, and no seam shows.
"""

import dataclasses
import pathlib
import sys
import warnings

import keras
import numpy as np
import tensorflow as tf

from tfcorrect import runfolder
from tfcorrect.errors import TableError, UserError
from tfcorrect.imageio import list_images, read_image, write_image
from tfcorrect.models import build_generator
from tfcorrect.params import load_params

DEFAULT_RUN = pathlib.Path(__file__).resolve().parent.parent / "saved_models" / "exposure_default"
DEFAULT_BATCH = 4


def load_generator(run_dir):
    """``(params, generator)`` of a run folder, the generator with its trained weights.

    Raises:
        UserError: the folder lacks its files, or its weights do not fit its ``params.csv``.
    """
    run_dir = pathlib.Path(run_dir)
    weights = run_dir / runfolder.GENERATOR_WEIGHTS
    for path in (run_dir / runfolder.PARAMS, weights):
        if not path.is_file():
            raise UserError(f"{run_dir}: not a run folder (no {path.name})")
    try:
        params = load_params(run_dir / runfolder.PARAMS)
    except TableError as err:
        raise UserError(f"{run_dir}: unusable params.csv: {err}") from None
    generator = build_generator(params)
    try:
        # Keras only warns when it skips weights it cannot place, leaving random ones: refuse.
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            generator.load_weights(weights)
    except (ValueError, KeyError, OSError, Warning) as err:
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise UserError(f"{weights}: does not fit {run_dir / runfolder.PARAMS} ({reason})") from None
    return params, generator


def _window(side, overlap):
    """Blending weights of one tile: 1 inside, falling linearly to near 0 across the overlap."""
    ramp = np.minimum(1.0, (np.arange(side) + 0.5) / max(overlap, 1))
    edge = np.minimum(ramp, ramp[::-1]).astype(np.float32)
    return np.outer(edge, edge)[..., None]


def _starts(length, tile, stride):
    """Tile offsets along one axis: regular steps, the last one flush with the far edge."""
    if length <= tile:
        return [0]
    starts = list(range(0, length - tile, stride))
    return starts + [length - tile]


def _pad_to(pixels, height, width):
    """Mirror-pad an image at the bottom and right up to at least ``height`` x ``width``."""
    # Symmetric padding adds at most the image's own size per step, so tiny images take a few.
    while pixels.shape[0] < height or pixels.shape[1] < width:
        pad_h = min(max(height - pixels.shape[0], 0), pixels.shape[0])
        pad_w = min(max(width - pixels.shape[1], 0), pixels.shape[1])
        pixels = np.pad(pixels, ((0, pad_h), (0, pad_w), (0, 0)), mode="symmetric")
    return pixels


@dataclasses.dataclass
class Predictor:
    """Applies a generator to whole images, tile by tile.

    Args:
        generator: maps ``(b, tile, tile, in)`` in [-1, 1] to ``(b, tile, tile, out)``.
        tile: tile side, a multiple of ``2**depth`` of the U-Net.
        overlap: pixels shared by neighbouring tiles; blending happens there.
        batch_size: tiles run at once; peak memory grows with it.
    """

    generator: keras.Model
    tile: int
    overlap: int
    batch_size: int = DEFAULT_BATCH

    def __post_init__(self):
        if not 0 <= self.overlap < self.tile:
            raise UserError(f"--overlap must be in [0, {self.tile}), got {self.overlap}")
        if self.batch_size < 1:
            raise UserError(f"--batch-size must be at least 1, got {self.batch_size}")
        self.in_channels = self.generator.input_shape[-1]
        self._run = tf.function(lambda x: self.generator(x, training=False), reduce_retracing=True)

    def __call__(self, pixels):
        """Correct one image: float32 ``HxWxC`` in [0, 1] -> ``HxWxC'`` in [0, 1], same H and W."""
        height, width, channels = pixels.shape
        image = self._model_channels(pixels)
        padded = _pad_to(image, self.tile, self.tile)
        out = self._tiled(padded)[:height, :width]
        if channels == 1 and out.shape[-1] == 3 and self.in_channels == 3:
            out = out.mean(axis=-1, keepdims=True)  # a gray photo stays gray
        return np.clip(out, 0.0, 1.0)

    def _model_channels(self, pixels):
        if pixels.shape[-1] == self.in_channels:
            return pixels
        if self.in_channels == 1:
            return tf.image.rgb_to_grayscale(pixels).numpy()
        return np.repeat(pixels, 3, axis=-1)

    def _tiled(self, image):
        height, width = image.shape[:2]
        stride = self.tile - self.overlap
        boxes = [(y, x) for y in _starts(height, self.tile, stride) for x in _starts(width, self.tile, stride)]
        window = _window(self.tile, self.overlap)
        total, weight = None, np.zeros((height, width, 1), np.float32)
        for first in range(0, len(boxes), self.batch_size):
            chunk = boxes[first:first + self.batch_size]
            batch = np.stack([image[y:y + self.tile, x:x + self.tile] for y, x in chunk]) * 2 - 1
            outputs = (self._run(tf.constant(batch, tf.float32)).numpy() + 1) / 2
            if total is None:
                total = np.zeros((height, width, outputs.shape[-1]), np.float32)
            for (y, x), out in zip(chunk, outputs):
                total[y:y + self.tile, x:x + self.tile] += out * window
                weight[y:y + self.tile, x:x + self.tile] += window
        return total / weight


def predictor_from_run(run_dir=None, *, tile=None, overlap=None, batch_size=DEFAULT_BATCH):
    """A :class:`Predictor` for a run folder (the shipped default model when ``run_dir`` is None)."""
    if run_dir is None:
        if not DEFAULT_RUN.is_dir():
            raise UserError(f"no default model at {DEFAULT_RUN}; pass --run DIR")
        run_dir = DEFAULT_RUN
    params, generator = load_generator(run_dir)
    tile = tile or params.tile or params.resol
    if tile % 2 ** params.depth:
        raise UserError(f"--tile {tile} must be a multiple of {2 ** params.depth} for this model")
    overlap = tile // 4 if overlap is None else overlap
    return Predictor(generator, tile, overlap, batch_size)


def _targets(source, output_dir):
    """``(input, output)`` path pairs; outputs mirror the inputs' paths relative to ``source``."""
    source, output_dir = pathlib.Path(source), pathlib.Path(output_dir)
    if not source.exists():
        raise UserError(f"{source}: no such file or folder")
    if source.is_dir():
        src, out = source.resolve(), output_dir.resolve()
        if out == src or src in out.parents:
            raise UserError(f"{output_dir}: the output folder must not be {source} or inside it")
        return [(p, output_dir / p.relative_to(source)) for p in list_images(source)]
    if (output_dir / source.name).resolve() == source.resolve():
        raise UserError(f"{output_dir}: writing there would overwrite the input {source}")
    return [(p, output_dir / p.name) for p in list_images(source)]


def correct_file(predictor, source, target):
    """Read, correct and atomically write one image, keeping size, bit depth and alpha."""
    image = read_image(source)
    corrected = predictor(image.pixels)
    write_image(target, corrected, alpha=image.alpha, bit_depth=image.bit_depth)


def predict(source, output_dir, *, run_dir=None, tile=None, overlap=None, batch_size=DEFAULT_BATCH,
            progress=True):
    """Correct an image or every image below a folder into ``output_dir``.

    A file that fails is named on stderr and skipped; the others are still written.

    Returns:
        ``(written, failed)`` counts.

    Raises:
        UserError: a problem with the arguments or the run folder, found before any file is read.
    """
    pairs = _targets(source, output_dir)
    if not pairs:
        raise UserError(f"{source}: no PNG, JPEG, BMP or TIFF images found")
    predictor = predictor_from_run(run_dir, tile=tile, overlap=overlap, batch_size=batch_size)
    bar = keras.utils.Progbar(len(pairs), unit_name="image") if progress else None
    written = failed = 0
    for i, (src, dst) in enumerate(pairs):
        try:
            correct_file(predictor, src, dst)
            written += 1
        except Exception as err:  # one bad file must not stop the folder
            message = str(err) if isinstance(err, UserError) else f"{src}: {type(err).__name__}: {err}"
            print(f"\nfailed: {message.splitlines()[0]}", file=sys.stderr, flush=True)
            failed += 1
        if bar:
            bar.update(i + 1)
    print(f"{written} written, {failed} failed")
    return written, failed
