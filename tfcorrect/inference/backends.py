"""Running an export folder of ``tfcorrect-export``: its ``export.json`` and a SavedModel or LiteRT backend."""

import json
import os
import pathlib
import re

import numpy as np

from tfcorrect.errors import UserError
from tfcorrect.io.stderr import filtered_stderr

EXPORT_JSON = "export.json"
FORMATS = ("savedmodel", "tflite")
QUANTIZE = ("none", "float16", "dynamic", "int8")
SIGNATURE = "serve"
INPUT_NAME = "image"
# Fields of export.json that must be positive whole numbers.
POSITIVE_FIELDS = ("tile", "size_multiple", "in_channels", "out_channels")
# What LiteRT writes to stderr when it creates its CPU delegate: information, not a problem.
LITERT_NOISE = re.compile(r"INFO: Created TensorFlow Lite .*delegate")


def read_export(model_dir):
    """``export.json`` of an export folder, with the model file checked.

    Raises:
        UserError: the folder is not an export or its model file is missing.
    """
    model_dir = pathlib.Path(model_dir)
    path = model_dir / EXPORT_JSON
    if not path.is_file():
        hint = " (a run folder: use --run)" if (model_dir / "params.csv").is_file() else ""
        raise UserError(f"{model_dir}: not an export folder (no {EXPORT_JSON}){hint}")
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        fmt, name = info["format"], info["file"]
    except (ValueError, KeyError, TypeError) as err:
        raise UserError(f"{path}: unusable ({type(err).__name__}: {err})") from None
    if fmt not in FORMATS:
        raise UserError(f"{path}: unknown format {fmt!r}")
    for field in POSITIVE_FIELDS:
        value = info.get(field)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise UserError(f"{path}: {field!r} must be a positive whole number, got {value!r}")
    if not isinstance(name, str) or pathlib.Path(name).name != name or not (model_dir / name).exists():
        raise UserError(f"{model_dir}: incomplete export (no {name})")
    return info


class SavedModelBackend:
    """Runs an exported SavedModel: ``(b, h, w, in)`` float32 in [-1, 1] -> ``(b, h, w, out)``."""

    def __init__(self, path, in_channels):
        import tensorflow as tf

        self._tf = tf
        self.in_channels = in_channels
        try:
            self._serve = tf.saved_model.load(str(path)).signatures[SIGNATURE]
        except Exception as err:  # a damaged SavedModel fails in protobuf, TensorFlow or a KeyError
            raise UserError(f"{path}: not a usable SavedModel ({type(err).__name__}: "
                            f"{str(err).strip().splitlines()[0] if str(err).strip() else 'no detail'})") from None

    def __call__(self, batch):
        outputs = self._serve(**{INPUT_NAME: self._tf.constant(batch, self._tf.float32)})
        return next(iter(outputs.values())).numpy()


class TFLiteBackend:
    """Runs a ``.tflite`` file with the LiteRT interpreter (``ai-edge-litert``); the batch size may vary."""

    def __init__(self, path, in_channels, num_threads=None):
        from ai_edge_litert.interpreter import Interpreter

        self.in_channels = in_channels
        try:
            with filtered_stderr(LITERT_NOISE):
                self._interpreter = Interpreter(model_path=str(path), num_threads=num_threads or os.cpu_count())
        except ValueError as err:  # a truncated or foreign file: "not a valid Flatbuffer buffer"
            raise UserError(f"{path}: not a usable TFLite model ({err})") from None
        self._input = self._interpreter.get_input_details()[0]["index"]
        self._output = self._interpreter.get_output_details()[0]["index"]
        self._batch = None

    def __call__(self, batch):
        if batch.shape[0] != self._batch:
            self._interpreter.resize_tensor_input(self._input, list(batch.shape))
            with filtered_stderr(LITERT_NOISE):
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
