"""The tiled predictor: an image-to-image network applied to whole images of any size.

Large images are cut into overlapping tiles that are run in batches and blended back with
weights that fall off towards each tile's edges, so memory follows the tile batch, not the
image, and no seam shows. A method whose prediction is not tile by tile (one gain per picture)
subclasses :class:`Predictor` in its own folder.
"""

import dataclasses
import pathlib
import time
import warnings

import keras
import numpy as np
import tensorflow as tf

from tfcorrect.errors import UserError
from tfcorrect.inference.tiling import pad_to, tile_starts, to_channels, window

DEFAULT_BATCH = 4


def load_weights(network, weights, run_dir):
    """Load a run folder's weights file into ``network``, refusing weights that do not fit.

    Raises:
        UserError: the file is missing or does not fit ``network`` (Keras would only warn and
            leave random weights).
    """
    weights = pathlib.Path(weights)
    if not weights.is_file():
        raise UserError(f"{run_dir}: not a complete run folder (no {weights.name})")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            network.load_weights(weights)
    except (ValueError, KeyError, OSError, Warning) as err:
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise UserError(f"{weights}: does not fit {pathlib.Path(run_dir) / 'params.csv'} ({reason})") from None
    return network


@dataclasses.dataclass
class Predictor:
    """Applies an image-to-image network to whole images, tile by tile.

    Args:
        generator: maps ``(b, tile, tile, in)`` in [-1, 1] to ``(b, tile, tile, out)``: a ``keras.Model``
            or a backend (a callable on float32 numpy batches with an ``in_channels`` attribute, such
            as :class:`tfcorrect.inference.export.SavedModelBackend` or :class:`tfcorrect.inference.export.TFLiteBackend`).
        tile: tile side, a multiple of the network's size multiple.
        overlap: pixels shared by neighbouring tiles; blending happens there.
        batch_size: tiles run at once; peak memory grows with it.
    """

    generator: object
    tile: int
    overlap: int
    batch_size: int = DEFAULT_BATCH

    def __post_init__(self):
        if not 0 <= self.overlap < self.tile:
            raise UserError(f"--overlap must be in [0, {self.tile}), got {self.overlap}")
        if self.batch_size < 1:
            raise UserError(f"--batch-size must be at least 1, got {self.batch_size}")
        self.network_seconds = 0.0  # wall time spent in the network so far (benchmarks read it)
        self.network_tiles = 0  # tiles run through the network so far (benchmarks count FLOPs with it)
        self._function = None
        if isinstance(self.generator, keras.Model):
            self.in_channels = self.generator.input_shape[-1]
            self._function = tf.function(lambda x: self.generator(x, training=False), reduce_retracing=True)
            self._run = lambda batch: self._function(tf.constant(batch, tf.float32)).numpy()
        else:
            self.in_channels = self.generator.in_channels
            self._run = self.generator

    def run_network(self, batch):
        """The network on one float32 batch ``(b, tile, tile, in)`` in [-1, 1], timed into ``network_seconds``.

        The batch's tiles are counted into ``network_tiles``.
        """
        start = time.perf_counter()
        try:
            return self._run(batch)
        finally:
            self.network_seconds += time.perf_counter() - start
            self.network_tiles += len(batch)

    def traces(self):
        """How often the network's ``tf.function`` has been traced, or ``None`` for an exported backend."""
        return None if self._function is None else self._function.experimental_get_tracing_count()

    def __call__(self, pixels):
        """Correct one image: float32 ``HxWxC`` in [0, 1] -> ``HxWxC'`` in [0, 1], same H and W."""
        height, width, channels = pixels.shape
        image = to_channels(pixels, self.in_channels)
        padded = pad_to(image, self.tile, self.tile)
        out = self._tiled(padded)[:height, :width]
        if channels == 1 and out.shape[-1] == 3 and self.in_channels == 3:
            out = out.mean(axis=-1, keepdims=True)  # a gray photo stays gray
        return np.clip(out, 0.0, 1.0, out=out)  # in place: the image's float copies are what takes memory

    def _tiled(self, image):
        height, width = image.shape[:2]
        stride = self.tile - self.overlap
        boxes = [(y, x) for y in tile_starts(height, self.tile, stride) for x in tile_starts(width, self.tile, stride)]
        weights = window(self.tile, self.overlap)
        total, weight = None, np.zeros((height, width, 1), np.float32)
        for first in range(0, len(boxes), self.batch_size):
            chunk = boxes[first:first + self.batch_size]
            batch = np.stack([image[y:y + self.tile, x:x + self.tile] for y, x in chunk]) * 2 - 1
            outputs = (self.run_network(batch.astype(np.float32)) + 1) / 2
            if total is None:
                total = np.zeros((height, width, outputs.shape[-1]), np.float32)
            for (y, x), out in zip(chunk, outputs):
                total[y:y + self.tile, x:x + self.tile] += out * weights
                weight[y:y + self.tile, x:x + self.tile] += weights
        return np.divide(total, weight, out=total)
