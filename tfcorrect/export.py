"""Export a run folder's prediction network as a TensorFlow SavedModel or a TFLite model.

The exported network is the one :func:`tfcorrect.predict.load_network` rebuilds (for pix2pix the
generator, with its pre-normalisation and gain head), traced with TensorFlow and written with
Keras's :class:`keras.export.ExportArchive`; TFLite files come from TensorFlow's own converter.
Beside the model, ``export.json`` says what :func:`predictor_from_model` (and any other runtime)
needs: input range, tile size and multiple, channels, precision and the run's parameters.

An export is written into a hidden folder beside ``OUT_DIR`` and renamed onto it at the end, so
an interrupted or failed export leaves nothing half-written.
"""

import datetime
import dataclasses
import json
import os
import pathlib
import shutil
import tempfile

import numpy as np

from tfcorrect.errors import ImageError, UserError
from tfcorrect.imageio import list_images, read_image

FORMATS = ("savedmodel", "tflite")
QUANTIZE = ("none", "float16", "dynamic", "int8")
EXPORT_JSON = "export.json"
FILES = {"savedmodel": "saved_model", "tflite": "model.tflite"}
SIGNATURE = "serve"
INPUT_NAME = "image"
CALIBRATION_TILES = 32
# The run's parameters that say what the exported network does and how prediction tiles it.
PREDICT_PARAMS = ("MODEL", "DATASET", "RESOL", "TILE", "DEPTH", "NGF", "G_OUTPUT", "G_PRENORM", "HIGHLIGHT_ROLLOFF",
                  "HIGHLIGHT_FILL", "TEST_DROPOUT")


def export_run(run_dir, out_dir, *, fmt, quantize="none", tile=None, calibration=None):
    """Export the prediction network of ``run_dir`` into ``out_dir``.

    Args:
        run_dir: a run folder (``params.csv`` and ``<network>.weights.h5``).
        out_dir: the folder to create; an existing one must be empty or a previous export.
        fmt: ``"savedmodel"`` (any tile size that is a multiple of the model's) or ``"tflite"``
            (fixed tile side, any batch size).
        quantize: TFLite precision: ``"none"`` (float32), ``"float16"`` weights, ``"dynamic"``
            (int8 weights) or ``"int8"`` (int8 weights and activations, calibrated on ``calibration``).
        tile: tile side the model is exported for; default the run's ``TILE`` or ``RESOL``.
        calibration: a folder of real photos for ``int8``.

    Returns:
        The export's description, as written to ``export.json``.

    Raises:
        UserError: bad arguments, a folder that is not a usable run, or an unusable calibration folder.
    """
    out_dir = pathlib.Path(out_dir)
    _check_arguments(fmt, quantize, calibration)
    _check_target(out_dir)
    from tfcorrect.methods import get_method
    from tfcorrect.predict import load_network

    params, network = load_network(run_dir)
    multiple = get_method(params.model).size_multiple(params)
    tile = tile or params.tile or params.resol
    if tile % multiple:
        raise UserError(f"--tile {tile} must be a multiple of {multiple} for this model")
    calibration_tiles = _calibration_tiles(calibration, tile, network.input_shape[-1]) if quantize == "int8" else None
    if quantize == "int8" and (params.g_prenorm != "none" or params.g_output != "image"):
        # Measured on the shipped default: 21 dB against Keras, and a 12 MP photo stopped the LiteRT
        # interpreter ("div.cc: data[i] != zero_point": a white-point level quantised to zero).
        raise UserError(f"{run_dir}: --quantize int8 cannot represent this generator's exposure layers "
                        f"(G_PRENORM={params.g_prenorm}, G_OUTPUT={params.g_output}); use float16 or dynamic")
    info = _description(run_dir, params, network, fmt=fmt, quantize=quantize, tile=tile, multiple=multiple)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = pathlib.Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.tmp-"))
    try:
        if fmt == "savedmodel":
            _write_saved_model(network, staging / FILES[fmt], [None, None, None])
        else:
            (staging / FILES[fmt]).write_bytes(_tflite_bytes(network, tile, quantize, calibration_tiles, staging))
        (staging / EXPORT_JSON).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        os.chmod(staging, 0o777 & ~_umask())
        _replace_dir(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return info


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _check_arguments(fmt, quantize, calibration):
    if fmt not in FORMATS:
        raise UserError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if quantize not in QUANTIZE:
        raise UserError(f"--quantize must be one of {', '.join(QUANTIZE)}, got {quantize!r}")
    if fmt == "savedmodel" and quantize != "none":
        raise UserError(f"--quantize {quantize} needs --format tflite (a SavedModel is exported in float32)")
    if quantize == "int8" and calibration is None:
        raise UserError("--quantize int8 needs --calibration DIR, a folder of real photos to calibrate on")
    if calibration is not None and quantize != "int8":
        raise UserError("--calibration is only used with --quantize int8")


def _check_target(out_dir):
    """Refuse to replace anything but an empty folder or a previous export."""
    if out_dir.is_file():
        raise UserError(f"{out_dir}: is a file, not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / EXPORT_JSON).is_file():
        raise UserError(f"{out_dir}: exists and is not an export (no {EXPORT_JSON}); choose another OUT_DIR")


def _replace_dir(staging, out_dir):
    """Rename ``staging`` onto ``out_dir``; a previous export there is removed only after that."""
    old = None
    if out_dir.exists():
        old = pathlib.Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.old-"))
        os.replace(out_dir, old / "export")
    try:
        os.replace(staging, out_dir)
    except OSError:
        if old is not None:
            os.replace(old / "export", out_dir)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _description(run_dir, params, network, *, fmt, quantize, tile, multiple):
    """The content of ``export.json``."""
    from tfcorrect.methods import get_method
    from tfcorrect.params import resolved_rows

    import tensorflow as tf

    values = {row.name: row.value for row in resolved_rows(params)}
    global_gain = get_method(params.model).global_gain(params)
    return {
        "format": fmt,
        "file": FILES[fmt],
        "precision": "float32" if quantize == "none" else quantize,
        "signature": SIGNATURE,
        "input_range": [-1.0, 1.0],
        "output_range": [-1.0, 1.0],
        "in_channels": int(network.input_shape[-1]),
        "out_channels": int(network.output_shape[-1]),
        "tile": tile,
        "size_multiple": multiple,
        "spatial_size": "any multiple of size_multiple" if fmt == "savedmodel" else "tile x tile",
        "batch_size": "any",
        "run": str(pathlib.Path(run_dir).resolve()),
        "params": {name: values[name] for name in PREDICT_PARAMS if name in values},
        # One gain per photo (see tfcorrect.methods.base.Method.global_gain): how to apply it.
        "global_gain": dataclasses.asdict(global_gain) if global_gain else None,
        "tensorflow": tf.__version__,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def _write_saved_model(network, path, spatial):
    """Write ``network`` (inference mode) as a SavedModel with one signature, :data:`SIGNATURE`."""
    import keras
    import tensorflow as tf

    archive = keras.export.ExportArchive()
    archive.track(network)
    spec = tf.TensorSpec([None, *spatial[:2], network.input_shape[-1]], tf.float32, name=INPUT_NAME)
    archive.add_endpoint(SIGNATURE, lambda image: network(image, training=False), input_signature=[spec])
    archive.write_out(str(path), verbose=False)


def _tflite_bytes(network, tile, quantize, calibration_tiles, scratch):
    """A TFLite flatbuffer of ``network`` for ``tile`` x ``tile`` inputs, in the precision ``quantize`` names."""
    import tensorflow as tf

    fixed = scratch / ".fixed_saved_model"
    _write_saved_model(network, fixed, [tile, tile])
    converter = tf.lite.TFLiteConverter.from_saved_model(str(fixed), signature_keys=[SIGNATURE])
    if quantize != "none":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantize == "float16":
        converter.target_spec.supported_types = [tf.float16]
    if quantize == "int8":
        converter.representative_dataset = lambda: ([tile_[None]] for tile_ in calibration_tiles)
        # Ops without an int8 kernel (the exposure layers' POW, TOPK) stay in float; input and output stay float32.
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8, tf.lite.OpsSet.TFLITE_BUILTINS]
    try:
        return converter.convert()
    finally:
        shutil.rmtree(fixed, ignore_errors=True)


def _calibration_tiles(folder, tile, channels):
    """Up to :data:`CALIBRATION_TILES` tiles in [-1, 1] cut from the photos below ``folder``.

    Each photo gives its centre tile (mirror-padded when smaller); unreadable files are skipped.

    Raises:
        UserError: ``folder`` is missing or holds no readable image.
    """
    from tfcorrect.predict import _pad_to, to_channels

    folder = pathlib.Path(folder)
    if not folder.is_dir():
        raise UserError(f"--calibration {folder}: not a folder")
    try:
        paths = list_images(folder)
    except ImageError as err:
        raise UserError(f"--calibration {err}") from None
    tiles = []
    for path in paths[:CALIBRATION_TILES]:
        try:
            pixels = to_channels(read_image(path).pixels, channels)
        except ImageError:
            continue
        padded = _pad_to(pixels, tile, tile)
        top, left = (padded.shape[0] - tile) // 2, (padded.shape[1] - tile) // 2
        tiles.append((padded[top:top + tile, left:left + tile] * 2 - 1).astype(np.float32))
    if not tiles:
        raise UserError(f"--calibration {folder}: no readable image to calibrate on")
    return tiles


def read_export(model_dir):
    """``export.json`` of an export folder, with the model file checked.

    Raises:
        UserError: the folder is not an export or its model file is missing.
    """
    model_dir = pathlib.Path(model_dir)
    path = model_dir / EXPORT_JSON
    if not path.is_file():
        from tfcorrect.runfolder import PARAMS

        hint = " (a run folder: use --run)" if (model_dir / PARAMS).is_file() else ""
        raise UserError(f"{model_dir}: not an export folder (no {EXPORT_JSON}){hint}")
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        fmt, name = info["format"], info["file"]
    except (ValueError, KeyError, TypeError) as err:
        raise UserError(f"{path}: unusable ({type(err).__name__}: {err})") from None
    if fmt not in FORMATS:
        raise UserError(f"{path}: unknown format {fmt!r}")
    if not (model_dir / name).exists():
        raise UserError(f"{model_dir}: incomplete export (no {name})")
    return info


class SavedModelBackend:
    """Runs an exported SavedModel: ``(b, h, w, in)`` float32 in [-1, 1] -> ``(b, h, w, out)``."""

    def __init__(self, path, in_channels):
        import tensorflow as tf

        self._tf = tf
        self.in_channels = in_channels
        self._serve = tf.saved_model.load(str(path)).signatures[SIGNATURE]

    def __call__(self, batch):
        outputs = self._serve(**{INPUT_NAME: self._tf.constant(batch, self._tf.float32)})
        return next(iter(outputs.values())).numpy()


class TFLiteBackend:
    """Runs a ``.tflite`` file with the LiteRT interpreter (``ai-edge-litert``); the batch size may vary."""

    def __init__(self, path, in_channels, num_threads=None):
        from ai_edge_litert.interpreter import Interpreter

        self.in_channels = in_channels
        self._interpreter = Interpreter(model_path=str(path), num_threads=num_threads or os.cpu_count())
        self._input = self._interpreter.get_input_details()[0]["index"]
        self._output = self._interpreter.get_output_details()[0]["index"]
        self._batch = None

    def __call__(self, batch):
        if batch.shape[0] != self._batch:
            self._interpreter.resize_tensor_input(self._input, list(batch.shape))
            self._interpreter.allocate_tensors()
            self._batch = batch.shape[0]
        self._interpreter.set_tensor(self._input, np.ascontiguousarray(batch, np.float32))
        self._interpreter.invoke()
        return self._interpreter.get_tensor(self._output)


def load_backend(model_dir):
    """``(info, backend)`` of an export folder: its ``export.json`` and a callable that runs it."""
    info = read_export(model_dir)
    path = pathlib.Path(model_dir) / info["file"]
    backend = SavedModelBackend if info["format"] == "savedmodel" else TFLiteBackend
    return info, backend(path, int(info["in_channels"]))
