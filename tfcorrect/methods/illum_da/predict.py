"""illum_da's prediction: patch estimates, pooled per image, and white balance of a folder (``tfcorrect-predict``)."""

import functools
import pathlib

import numpy as np
import tensorflow as tf

from tfcorrect.errors import UserError
from tfcorrect.inference.predictor import load_weights
from tfcorrect.inference.tiling import tile_starts
from tfcorrect.io.folders import run_per_file
from tfcorrect.io.images import read_image, shrink_to, write_image
from tfcorrect.methods.illum_da.classical import correct
from tfcorrect.methods.illum_da.illuminants import ILLUMINANTS_CSV, write_illuminants
from tfcorrect.methods.illum_da.model import POOLINGS
from tfcorrect.methods.illum_da.networks import build_camera_discriminator, build_illuminant_estimator
from tfcorrect.methods.illum_da.pipeline import _at_least, camera_list
from tfcorrect.methods.illum_da.space import illuminant_to_raw, image_to_space
from tfcorrect.nn.precision import dtype_policy
from tfcorrect.training import runfolder


def build_estimator(params):
    """The table's estimator."""
    return build_illuminant_estimator(patch=params.patch, filters=params.illum_filters, levels=params.illum_levels,
                                      hidden=_feature_width(params), head=params.illum_head, base=params.illum_base,
                                      name="estimator")


def build_discriminator(params):
    """The table's camera discriminator, one class per camera of ``CAMERAS``."""
    return build_camera_discriminator(features=_feature_width(params), cameras=len(camera_list(params)),
                                      hidden=_feature_width(params), weight=0.0, name="discriminator")


def _feature_width(params):
    return params.illum_filters * 2 ** (params.illum_levels - 1)


def display(linear):
    """Linear RGB scaled so its 99th percentile is white, gamma-encoded for viewing; in [0, 1]."""
    scale = max(float(np.percentile(linear, 99)), 1e-6)
    return np.clip(linear / scale, 0.0, 1.0) ** (1 / 2.2)


def sample_grid(estimator, patches, truth):
    """One row per fixed validation patch: input | corrected by the estimate | corrected by the truth."""
    estimates = np.asarray(estimator(patches, training=False)["illuminant"])
    rows = [np.concatenate([display(p), display(correct(p, e)), display(correct(p, t))], axis=1)
            for p, e, t in zip(patches, estimates, truth["illuminant"])]
    return np.concatenate(rows, axis=0)


def image_patches(image, patch):
    """Patches ``(k, patch, patch, 3)`` covering ``image`` (``HxWx3``), the last ones flush with its edges.

    An image smaller than ``patch`` is first scaled up (bilinear) so its shorter side is ``patch``.
    """
    image = np.asarray(_at_least(tf.constant(image, tf.float32), patch)) if min(image.shape[:2]) < patch else image
    height, width = image.shape[:2]
    return np.stack([image[y:y + patch, x:x + patch] for y in tile_starts(height, patch, patch)
                     for x in tile_starts(width, patch, patch)])


@functools.lru_cache(maxsize=4)
def _compiled(estimator):
    """The estimator's illuminant head as one ``tf.function`` for any batch size (``predict`` is slow per call)."""
    return tf.function(lambda x: estimator(x, training=False)["illuminant"], reduce_retracing=True)


def patch_estimates(estimator, image, patch, batch_size=64):
    """The estimator's unit-norm illuminant of every patch of ``image``: ``(k, 3)``."""
    patches = image_patches(np.asarray(image, np.float32), patch)
    run = _compiled(estimator)
    return np.concatenate([np.asarray(run(tf.constant(patches[i:i + batch_size])), np.float64)
                           for i in range(0, len(patches), batch_size)])


@functools.lru_cache(maxsize=2)
def _cached_estimator(params, run_dir, stamp):
    with dtype_policy(params.precision):
        estimator = build_estimator(params)
    return load_weights(estimator, run_dir / runfolder.weights_file("estimator"), run_dir)


def load_estimator(params, run_dir):
    """The trained estimator of an illum_da run folder whose parameters are ``params``, loaded once per weights file.

    Raises:
        UserError: not a complete illum_da run folder.
    """
    run_dir = pathlib.Path(run_dir).resolve()
    if params.model != "illum_da":
        raise UserError(f"{run_dir}: a {params.model} run, not an illum_da one")
    weights = run_dir / runfolder.weights_file("estimator")
    stamp = weights.stat().st_mtime_ns if weights.is_file() else 0
    return _cached_estimator(params, run_dir, stamp)


def raw_patch_estimates(params, estimator, image, camera=""):
    """The estimates of every patch of a raw ``image`` of ``camera``, as unit vectors in its raw RGB: ``(k, 3)``.

    The image is first shrunk to ``ILLUM_LONG_SIDE`` (if set). With ``ILLUM_SPACE=canonical`` it is mapped
    to the shared space first and the estimates back.

    Raises:
        UserError: a canonical-space run and a camera whose sensitivities are unknown (or none given).
    """
    image = shrink_to(np.asarray(image, np.float32), params.illum_long_side)
    if params.illum_space == "raw":
        return patch_estimates(estimator, image, params.patch)
    if not camera:
        raise UserError(f"this run estimates in ILLUM_SPACE={params.illum_space}, which needs each image's camera: "
                        "score an illuminant folder (its camera column) with tfcorrect-eval")
    estimates = patch_estimates(estimator, image_to_space(image, camera, params.illum_space), params.patch)
    return illuminant_to_raw(estimates, camera, params.illum_space)


def estimate_illuminants(params, run_dir, images, cameras=None):
    """Each image's illuminant: the run's patch estimates pooled by its ``POOLING``.

    Args:
        params: the run's resolved parameters (``tfcorrect.methods.load_params`` of its ``params.csv``).
        run_dir: an illum_da run folder.
        images: ``HxWx3`` linear RGB arrays, any sizes.
        cameras: each image's camera name (needed by ``ILLUM_SPACE=canonical`` runs).

    Returns:
        ``(n, 3)`` unit-norm illuminants in each image's raw RGB.
    """
    estimator = load_estimator(params, run_dir)
    pool = POOLINGS[params.pooling]
    cameras = [""] * len(images) if cameras is None else list(cameras)
    return np.array([pool(raw_patch_estimates(params, estimator, image, camera))
                     for image, camera in zip(images, cameras)]).reshape(-1, 3)


def _white_balance(params, estimator, source, target, output_dir, rows):
    image = read_image(source)
    if image.is_gray:
        raise UserError(f"{source}: a gray image has no illuminant colour to correct")
    illuminant = POOLINGS[params.pooling](raw_patch_estimates(params, estimator, image.pixels))
    write_image(target, np.clip(correct(image.pixels, illuminant), 0.0, 1.0), alpha=image.alpha,
                bit_depth=image.bit_depth)
    rgb = dict(zip("rgb", map(float, illuminant)))
    rows.append({"file": pathlib.Path(target).relative_to(output_dir).as_posix(), **rgb, "camera": ""})


def predict_folder(params, run_dir, pairs, output_dir, *, progress=True):
    """White-balance every ``(input, output)`` pair and write ``OUTPUT_DIR/illuminants.csv``.

    Each image's illuminant is estimated as :func:`estimate_illuminants` does and divided out
    (von Kries, green kept); the CSV lists each written file with its estimate, in the layout of
    an ``illuminant`` folder (camera left empty).

    Returns:
        ``(written, failed)`` counts.
    """
    if params.illum_space != "raw":
        raise UserError(f"{run_dir}: this run estimates in ILLUM_SPACE={params.illum_space}, which needs each "
                        "image's camera; white-balance files with a raw-space run such as saved_models/white_balance, "
                        "or score an illuminant folder with tfcorrect-eval")
    estimator = load_estimator(params, run_dir)
    output_dir = pathlib.Path(output_dir)
    rows = []
    written, failed = run_per_file(
        pairs, lambda src, dst: _white_balance(params, estimator, src, dst, output_dir, rows), progress=progress)
    if rows:
        write_illuminants(output_dir / ILLUMINANTS_CSV, rows)
    return written, failed
