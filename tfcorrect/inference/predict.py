"""``tfcorrect-predict``: a run folder's (or an export's) prediction network applied to files.

It is separate from training: it rebuilds the network its method names for prediction (pix2pix:
the generator) from ``params.csv``, loads ``<network>.weights.h5`` and corrects files through the
predictor the method gives (tiled by default, :mod:`tfcorrect.inference.predictor`).
"""

import pathlib
import time

from tfcorrect.errors import TableError, UserError
from tfcorrect.inference.backends import load_backend
from tfcorrect.inference.predictor import DEFAULT_BATCH, Predictor, load_weights
from tfcorrect.io import shipped
from tfcorrect.io.folders import mirror_paths, run_per_file
from tfcorrect.io.images import read_image, write_image
from tfcorrect.methods import build_network, get_method, load_params, params_from_values
from tfcorrect.training import runfolder


def run_params(run_dir):
    """The resolved parameters of a run folder's ``params.csv``.

    Raises:
        UserError: no ``params.csv``, or one that cannot be resolved.
    """
    run_dir = pathlib.Path(run_dir)
    if not (run_dir / runfolder.PARAMS).is_file():
        raise UserError(f"{run_dir}: not a run folder (no {runfolder.PARAMS})")
    try:
        return load_params(run_dir / runfolder.PARAMS)
    except TableError as err:
        raise UserError(f"{run_dir}: unusable params.csv: {err}") from None


def load_network(run_dir, name=None, *, params=None):
    """``(params, network)`` of a run folder, the network with its trained weights.

    Args:
        run_dir: a run folder.
        name: which network; ``None`` is the one its method runs for prediction.
        params: the run's parameters when already read (else read from its ``params.csv``).

    Raises:
        UserError: the folder lacks its files, or the weights do not fit its ``params.csv``.
    """
    params = run_params(run_dir) if params is None else params
    name = name or get_method(params.model).predict_network
    weights = pathlib.Path(run_dir) / runfolder.weights_file(name)
    return params, load_weights(build_network(params, name), weights, run_dir)


def make_predictor(params, network, *, tile, overlap, batch_size):
    """The predictor ``params.model`` applies ``network`` with: its own, or the tiled one."""
    own = get_method(params.model).predictor
    predictor = own(params, network, tile=tile, overlap=overlap, batch_size=batch_size) if own else None
    return predictor or Predictor(network, tile, overlap, batch_size)


# The largest tile side a predictor takes: one 4096-px tile of a batch of 4 already holds 0.8 GB of input.
MAX_TILE = 4096


def _tiling(tile, multiple, overlap):
    """``(tile, overlap)`` checked against the network's size multiple; the overlap defaults to a quarter tile."""
    if not 0 < tile <= MAX_TILE:
        raise UserError(f"--tile {tile} must be between 1 and {MAX_TILE} pixels")
    if tile % multiple:
        raise UserError(f"--tile {tile} must be a multiple of {multiple} for this model")
    return tile, tile // 4 if overlap is None else overlap


def predictor_from_run(run_dir=None, *, tile=None, overlap=None, batch_size=DEFAULT_BATCH, params=None):
    """A predictor for a run folder (the shipped default model when ``run_dir`` is None).

    ``params``: the run's parameters when already read.
    """
    params, network = load_network(shipped.default_run() if run_dir is None else run_dir, params=params)
    tile, overlap = _tiling(tile or params.tile or params.resol, get_method(params.model).size_multiple(params), overlap)
    return make_predictor(params, network, tile=tile, overlap=overlap, batch_size=batch_size)


def predictor_from_model(model_dir, *, tile=None, overlap=None, batch_size=DEFAULT_BATCH):
    """A predictor for an export folder of ``tfcorrect-export`` (SavedModel or TFLite).

    Raises:
        UserError: not an export folder, or a ``tile`` the exported model cannot take.
    """
    info, backend = load_backend(model_dir)
    exported, multiple = int(info["tile"]), int(info["size_multiple"])
    tile = tile or exported
    if info["format"] == "tflite" and tile != exported:
        raise UserError(f"--tile {tile}: {model_dir} is a TFLite model for {exported}-px tiles only")
    tile, overlap = _tiling(tile, multiple, overlap)
    try:
        params = params_from_values(info.get("params", {}), where=str(pathlib.Path(model_dir) / "export.json"))
    except TableError as err:
        raise UserError(f"{model_dir}: unusable export.json parameters: {err}") from None
    return make_predictor(params, backend, tile=tile, overlap=overlap, batch_size=batch_size)


def correct_file(predictor, source, target, *, stages=None):
    """Read, correct and atomically write one image, keeping size, bit depth and alpha.

    Args:
        stages: a dict to add the seconds of each stage to (``read_s``, ``correct_s``, ``write_s``), for benchmarks.
    """
    stages = {} if stages is None else stages
    clock = time.perf_counter()
    image = read_image(source)
    stages["read_s"] = stages.get("read_s", 0.0) + time.perf_counter() - clock
    clock = time.perf_counter()
    corrected = predictor(image.pixels)
    alpha, bit_depth = image.alpha, image.bit_depth
    del image  # its float pixels are not needed for writing (12 bytes a pixel for RGB)
    stages["correct_s"] = stages.get("correct_s", 0.0) + time.perf_counter() - clock
    clock = time.perf_counter()
    write_image(target, corrected, alpha=alpha, bit_depth=bit_depth)
    stages["write_s"] = stages.get("write_s", 0.0) + time.perf_counter() - clock


def predict(source, output_dir, *, run_dir=None, model_dir=None, tile=None, overlap=None, batch_size=DEFAULT_BATCH,
            progress=True):
    """Correct an image or every image below a folder into ``output_dir``.

    The model is ``model_dir`` (an export folder) when given, else the run folder ``run_dir``
    (the shipped default model when neither is given). A method that predicts otherwise than
    image to image (illum_da's white balance) handles the folder itself.

    A file that fails is named on stderr and skipped; the others are still written.

    Returns:
        ``(written, failed)`` counts.

    Raises:
        UserError: a problem with the arguments or the run folder, found before any file is read.
    """
    if pathlib.Path(output_dir).exists() and not pathlib.Path(output_dir).is_dir():
        raise UserError(f"{output_dir}: is a file, not a folder; choose another OUTPUT_DIR")
    pairs = mirror_paths(source, output_dir)
    if model_dir is not None:
        if run_dir is not None:
            raise UserError("give --run or --model, not both")
        predictor = predictor_from_model(model_dir, tile=tile, overlap=overlap, batch_size=batch_size)
    else:
        run_dir = shipped.default_run() if run_dir is None else run_dir
        params = run_params(run_dir)
        predict_folder = get_method(params.model).predict_folder
        if predict_folder is not None:
            return predict_folder(params, run_dir, pairs, output_dir, progress=progress)
        predictor = predictor_from_run(run_dir, tile=tile, overlap=overlap, batch_size=batch_size, params=params)
    return run_per_file(pairs, lambda src, dst: correct_file(predictor, src, dst), progress=progress)
