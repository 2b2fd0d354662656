"""Export a run folder's prediction network as a TensorFlow SavedModel or a TFLite model.

The exported network is the one :func:`tfcorrect.inference.predict.load_network` rebuilds (for pix2pix the
generator, with its pre-normalisation and gain head), traced with TensorFlow and written with
Keras's :class:`keras.export.ExportArchive`; TFLite files come from TensorFlow's own converter.
Beside the model, ``export.json`` says what :func:`predictor_from_model` (and any other runtime)
needs: input range, tile size and multiple, channels, precision and the run's parameters.

An export is written into a hidden folder beside ``OUT_DIR`` and renamed onto it at the end, so
an interrupted or failed export leaves nothing half-written.
"""

import datetime
import json
import os
import pathlib
import shutil
import tempfile

import numpy as np

from tfcorrect.errors import ImageError, UserError
from tfcorrect.inference.backends import EXPORT_JSON, FORMATS, INPUT_NAME, QUANTIZE, SIGNATURE
from tfcorrect.inference.predict import load_network
from tfcorrect.inference.tiling import pad_to, to_channels
from tfcorrect.io.images import list_images, read_image
from tfcorrect.methods import get_method
from tfcorrect.params import resolved_rows

FILES = {"savedmodel": "saved_model", "tflite": "model.tflite"}
CALIBRATION_TILES = 32


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
    params, network = load_network(run_dir)
    multiple = get_method(params.model).size_multiple(params)
    tile = tile or params.tile or params.resol
    if tile % multiple:
        raise UserError(f"--tile {tile} must be a multiple of {multiple} for this model")
    calibration_tiles = _calibration_tiles(calibration, tile, network.input_shape[-1]) if quantize == "int8" else None
    try:
        get_method(params.model).check_export(params, quantize)
    except UserError as err:
        raise UserError(f"{run_dir}: {err}") from None
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
    """Refuse to replace anything but an empty folder or a previous export holding only what tfcorrect wrote.

    A previous export is a folder whose ``export.json`` is one tfcorrect wrote (JSON naming a known
    format and its model file) and which holds nothing else but that model file: a folder with any
    other file in it is the user's, and is left alone.
    """
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"{out_dir}: is a file, not a folder; choose another OUT_DIR")
    if not out_dir.is_dir() or not any(out_dir.iterdir()):
        return
    if not (out_dir / EXPORT_JSON).is_file():
        raise UserError(f"{out_dir}: exists and is not an export (no {EXPORT_JSON}); choose another OUT_DIR")
    try:
        info = json.loads((out_dir / EXPORT_JSON).read_text(encoding="utf-8"))
        model_file = FILES[info["format"]] if info.get("file") == FILES[info["format"]] else None
    except (ValueError, KeyError, TypeError, AttributeError):
        model_file = None
    if model_file is None:
        raise UserError(f"{out_dir}: its {EXPORT_JSON} is not one tfcorrect-export wrote; "
                        "not replacing the folder (choose another OUT_DIR)")
    others = sorted(p.name for p in out_dir.iterdir() if p.name not in (EXPORT_JSON, model_file))
    if others:
        raise UserError(f"{out_dir}: holds files a previous export did not write ({', '.join(others[:3])}"
                        f"{', ...' if len(others) > 3 else ''}); not replacing the folder (choose another OUT_DIR)")


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
    import tensorflow as tf

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
        # Every option of the run: what the exported network does, and how its method predicts with it.
        "params": {row.name: row.value for row in resolved_rows(params)},
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
        padded = pad_to(pixels, tile, tile)
        top, left = (padded.shape[0] - tile) // 2, (padded.shape[1] - tile) // 2
        tiles.append((padded[top:top + tile, left:left + tile] * 2 - 1).astype(np.float32))
    if not tiles:
        raise UserError(f"--calibration {folder}: no readable image to calibrate on")
    return tiles
