"""The prediction module: a run folder's prediction network applied to images of any size and kind.

It is separate from training (seed 004): it rebuilds the network its method names for
prediction (pix2pix: the generator) from ``params.csv``, loads ``<network>.weights.h5`` and
corrects files. Large images are cut into overlapping tiles that
are run in batches and blended back with weights that fall off towards each tile's edges, so
memory follows the tile batch, not the image, and no seam shows.
"""

import dataclasses
import pathlib
import warnings

import keras
import numpy as np
import tensorflow as tf

from tfcorrect import exposure, runfolder
from tfcorrect.errors import TableError, UserError
from tfcorrect.folders import mirror_paths, run_per_file
from tfcorrect.imageio import read_image, shrink_to, write_image
from tfcorrect.methods import build_network, get_method
from tfcorrect.params import load_params

DEFAULT_RUN = pathlib.Path(__file__).resolve().parent.parent / "saved_models" / "exposure_default"
DEFAULT_BATCH = 4


def load_network(run_dir, name=None):
    """``(params, network)`` of a run folder, the network with its trained weights.

    Args:
        run_dir: a run folder.
        name: which network; ``None`` is the one its method runs for prediction.

    Raises:
        UserError: the folder lacks its files, or the weights do not fit its ``params.csv``.
    """
    run_dir = pathlib.Path(run_dir)
    if not (run_dir / runfolder.PARAMS).is_file():
        raise UserError(f"{run_dir}: not a run folder (no {runfolder.PARAMS})")
    try:
        params = load_params(run_dir / runfolder.PARAMS)
    except TableError as err:
        raise UserError(f"{run_dir}: unusable params.csv: {err}") from None
    name = name or get_method(params.model).predict_network
    weights = run_dir / runfolder.weights_file(name)
    if not weights.is_file():
        raise UserError(f"{run_dir}: not a complete run folder (no {weights.name})")
    network = build_network(params, name)
    try:
        # Keras only warns when it skips weights it cannot place, leaving random ones: refuse.
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            network.load_weights(weights)
    except (ValueError, KeyError, OSError, Warning) as err:
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise UserError(f"{weights}: does not fit {run_dir / runfolder.PARAMS} ({reason})") from None
    return params, network


def _window(side, overlap):
    """Blending weights of one tile: 1 inside, falling linearly to near 0 across the overlap."""
    ramp = np.minimum(1.0, (np.arange(side) + 0.5) / max(overlap, 1))
    edge = np.minimum(ramp, ramp[::-1]).astype(np.float32)
    return np.outer(edge, edge)[..., None]


def tile_starts(length, tile, stride):
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


def to_channels(pixels, channels):
    """An ``HxWxC`` image with the ``channels`` a network takes (gray to RGB by repeating, RGB to gray by luma)."""
    if pixels.shape[-1] == channels:
        return pixels
    if channels == 1:
        return tf.image.rgb_to_grayscale(pixels).numpy()
    return np.repeat(pixels, 3, axis=-1)


@dataclasses.dataclass
class Predictor:
    """Applies an image-to-image network to whole images, tile by tile.

    Args:
        generator: maps ``(b, tile, tile, in)`` in [-1, 1] to ``(b, tile, tile, out)``: a ``keras.Model``
            or a backend (a callable on float32 numpy batches with an ``in_channels`` attribute, such
            as :class:`tfcorrect.export.SavedModelBackend` or :class:`tfcorrect.export.TFLiteBackend`).
        tile: tile side, a multiple of the network's size multiple.
        overlap: pixels shared by neighbouring tiles; blending happens there.
        batch_size: tiles run at once; peak memory grows with it.
        global_gain: a :class:`~tfcorrect.methods.base.GlobalGain` when the network's correction is
            one gain per image: the network then runs once, on the whole picture downscaled to fit
            one tile, and that gain is applied at full resolution (see :meth:`photo_gain`).
    """

    generator: object
    tile: int
    overlap: int
    batch_size: int = DEFAULT_BATCH
    global_gain: object = None

    def __post_init__(self):
        if not 0 <= self.overlap < self.tile:
            raise UserError(f"--overlap must be in [0, {self.tile}), got {self.overlap}")
        if self.batch_size < 1:
            raise UserError(f"--batch-size must be at least 1, got {self.batch_size}")
        if isinstance(self.generator, keras.Model):
            self.in_channels = self.generator.input_shape[-1]
            run = tf.function(lambda x: self.generator(x, training=False), reduce_retracing=True)
            self._run = lambda batch: run(tf.constant(batch, tf.float32)).numpy()
        else:
            self.in_channels = self.generator.in_channels
            self._run = self.generator

    def __call__(self, pixels):
        """Correct one image: float32 ``HxWxC`` in [0, 1] -> ``HxWxC'`` in [0, 1], same H and W."""
        height, width, channels = pixels.shape
        image = to_channels(pixels, self.in_channels)
        if self.global_gain is not None:
            return self._apply_global_gain(pixels, self.photo_gain(image))
        padded = _pad_to(image, self.tile, self.tile)
        out = self._tiled(padded)[:height, :width]
        if channels == 1 and out.shape[-1] == 3 and self.in_channels == 3:
            out = out.mean(axis=-1, keepdims=True)  # a gray photo stays gray
        return np.clip(out, 0.0, 1.0)

    def _apply_global_gain(self, pixels, gain):
        linear = exposure.srgb_to_linear(pixels)
        fill = self.global_gain.highlight_fill
        if fill:
            width = fill * min(pixels.shape[:2])
            gained = exposure.fill_highlights(linear.numpy(), exposure.clipped_mask(pixels), gain, width)
        else:
            gained = exposure.apply_gain(linear, gain, self.global_gain.highlight_rolloff)
        return exposure.linear_to_srgb(gained).numpy()

    def photo_gain(self, image):
        """The linear gain the network applies to ``image`` (``HxWxC`` in [0, 1]) as a whole.

        The picture is shrunk (area averaging) to fit one tile, mirror-padded to the tile and run
        once. The gain is the median of output over input in linear light on the mid-tones: values
        between 1 % and 35 % of white in the input that the output has not clipped, where a
        highlight roll-off has no measurable effect. A picture without such values gets 1.
        """
        small = shrink_to(image, self.tile)
        padded = _pad_to(small, self.tile, self.tile)[:self.tile, :self.tile]
        out = (self._run((padded[None] * 2 - 1).astype(np.float32))[0] + 1) / 2
        out = out[:small.shape[0], :small.shape[1]]
        before, after = exposure.srgb_to_linear(small).numpy(), exposure.srgb_to_linear(out).numpy()
        usable = (before > 0.01) & (before < 0.35) & (out < 0.999)
        if usable.sum() < 16:
            usable = (before > 0.001) & (out < 0.999)
        return float(np.median(after[usable] / before[usable])) if usable.sum() else 1.0

    def _tiled(self, image):
        height, width = image.shape[:2]
        stride = self.tile - self.overlap
        boxes = [(y, x) for y in tile_starts(height, self.tile, stride) for x in tile_starts(width, self.tile, stride)]
        window = _window(self.tile, self.overlap)
        total, weight = None, np.zeros((height, width, 1), np.float32)
        for first in range(0, len(boxes), self.batch_size):
            chunk = boxes[first:first + self.batch_size]
            batch = np.stack([image[y:y + self.tile, x:x + self.tile] for y, x in chunk]) * 2 - 1
            outputs = (self._run(batch.astype(np.float32)) + 1) / 2
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
    params, network = load_network(run_dir)
    tile = tile or params.tile or params.resol
    multiple = get_method(params.model).size_multiple(params)
    if tile % multiple:
        raise UserError(f"--tile {tile} must be a multiple of {multiple} for this model")
    overlap = tile // 4 if overlap is None else overlap
    return Predictor(network, tile, overlap, batch_size, get_method(params.model).global_gain(params))


def predictor_from_model(model_dir, *, tile=None, overlap=None, batch_size=DEFAULT_BATCH):
    """A :class:`Predictor` for an export folder of ``tfcorrect-export`` (SavedModel or TFLite).

    Raises:
        UserError: not an export folder, or a ``tile`` the exported model cannot take.
    """
    from tfcorrect.export import load_backend

    info, backend = load_backend(model_dir)
    exported, multiple = int(info["tile"]), int(info["size_multiple"])
    tile = tile or exported
    if info["format"] == "tflite" and tile != exported:
        raise UserError(f"--tile {tile}: {model_dir} is a TFLite model for {exported}-px tiles only")
    if tile % multiple:
        raise UserError(f"--tile {tile} must be a multiple of {multiple} for this model")
    overlap = tile // 4 if overlap is None else overlap
    from tfcorrect.methods.base import GlobalGain

    global_gain = GlobalGain(**info["global_gain"]) if info.get("global_gain") else None
    return Predictor(backend, tile, overlap, batch_size, global_gain)


def correct_file(predictor, source, target):
    """Read, correct and atomically write one image, keeping size, bit depth and alpha."""
    image = read_image(source)
    corrected = predictor(image.pixels)
    write_image(target, corrected, alpha=image.alpha, bit_depth=image.bit_depth)


def predict(source, output_dir, *, run_dir=None, model_dir=None, tile=None, overlap=None, batch_size=DEFAULT_BATCH,
            progress=True):
    """Correct an image or every image below a folder into ``output_dir``.

    The model is ``model_dir`` (an export folder) when given, else the run folder ``run_dir``.

    A file that fails is named on stderr and skipped; the others are still written.

    Returns:
        ``(written, failed)`` counts.

    Raises:
        UserError: a problem with the arguments or the run folder, found before any file is read.
    """
    pairs = mirror_paths(source, output_dir)
    if model_dir is not None:
        if run_dir is not None:
            raise UserError("give --run or --model, not both")
        predictor = predictor_from_model(model_dir, tile=tile, overlap=overlap, batch_size=batch_size)
    elif (predict_folder := _method_predict_folder(run_dir)) is not None:
        return predict_folder(run_dir, pairs, output_dir, progress=progress)
    else:
        predictor = predictor_from_run(run_dir, tile=tile, overlap=overlap, batch_size=batch_size)
    return run_per_file(pairs, lambda src, dst: correct_file(predictor, src, dst), progress=progress)


def _method_predict_folder(run_dir):
    """The run's own ``Method.predict_folder`` (e.g. illum_da's white balance), or None: tile by tile."""
    if run_dir is None or not (pathlib.Path(run_dir) / runfolder.PARAMS).is_file():
        return None  # predictor_from_run names the problem
    try:
        params = load_params(pathlib.Path(run_dir) / runfolder.PARAMS)
    except TableError:
        return None
    return get_method(params.model).predict_folder
