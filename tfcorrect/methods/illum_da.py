"""illum_da (seed 000): an illuminant estimator trained against a camera discriminator.

The estimator regresses a unit-norm RGB illuminant per ``PATCH`` x ``PATCH`` patch of a linear
camera image and learns from the angular error; the discriminator predicts the camera from the
estimator's features, and its cross-entropy reaches the estimator through a gradient-reversal
layer of strength ``GRL_WEIGHT`` (ramped with ``GRL_RAMP``), so the estimator learns features the
camera cannot be told from. ``ARM`` picks the seed's four arms: camera 'C' only, camera 'N' only,
both cameras without the adversary (simple integration) and both with it (proposed).

An image's illuminant is its patches' estimates pooled by ``POOLING`` (mean or median).
"""

import functools
import math
import pathlib
import sys

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from tfcorrect import runfolder
from tfcorrect.colour_constancy import correct
from tfcorrect.data.illuminants import ILLUMINANTS_CSV, read_illuminants, write_illuminants
from tfcorrect.data.pipeline import Datasets, training_order
from tfcorrect.errors import ImageError, TableError, UserError
from tfcorrect.folders import run_per_file
from tfcorrect.imageio import read_image, read_rgb, write_image
from tfcorrect.methods.base import Method, MethodModel
from tfcorrect.models.illum import build_camera_discriminator, build_illuminant_estimator, reversal_layer

AUTOTUNE = tf.data.AUTOTUNE


def _camera_c(cameras):
    return cameras[:1]


def _camera_n(cameras):
    return cameras[1:2]


def _all_cameras(cameras):
    return cameras


# ARM -> (the cameras of CAMERAS it trains on, whether the adversary reaches the estimator).
ARMS = {
    "camera_c": (_camera_c, False),
    "camera_n": (_camera_n, False),
    "integrated": (_all_cameras, False),
    "adversarial": (_all_cameras, True),
}


def _dann_ramp(progress):
    """Ganin & Lempitsky's schedule 2 / (1 + exp(-10 p)) - 1: 0 at the start, near 1 by the end."""
    return 2.0 / (1.0 + ops.exp(-10.0 * progress)) - 1.0


# GRL_RAMP -> factor of GRL_WEIGHT as a function of the training progress p in [0, 1].
GRL_RAMPS = {"none": lambda progress: ops.ones_like(progress), "dann": _dann_ramp}


def _unit(estimates):
    return estimates / np.linalg.norm(estimates, axis=-1, keepdims=True)


def mean_pooling(estimates):
    """The normalised mean of unit-norm patch estimates ``(k, 3)`` -> ``(3,)``."""
    return _unit(np.mean(_unit(np.asarray(estimates, np.float64)), axis=0))


def median_pooling(estimates):
    """The normalised per-channel median of unit-norm patch estimates ``(k, 3)`` -> ``(3,)``."""
    return _unit(np.median(_unit(np.asarray(estimates, np.float64)), axis=0))


# POOLING -> patch estimates (k, 3) -> one image estimate (3,).
POOLINGS = {"mean": mean_pooling, "median": median_pooling}


def angular_error_degrees(estimate, truth):
    """Angle in degrees between RGB vectors ``(b, 3)``, per row; its gradient stays finite at 0."""
    cosine = ops.sum(ops.normalize(estimate, axis=-1) * ops.normalize(truth, axis=-1), axis=-1)
    return ops.arccos(ops.clip(cosine, -0.999999, 0.999999)) * (180.0 / math.pi)


class IllumDA(MethodModel):
    """The estimator and the camera discriminator, updated together each step.

    Data are ``(patches, {"illuminant": (b, 3), "camera": (b,)})`` batches of linear RGB patches.
    The estimator minimises the angular error (in radians) plus the discriminator's cross-entropy
    seen through the gradient-reversal layer, which flips and scales that term's gradient; the
    discriminator minimises the cross-entropy. The layer's strength is set every step to
    ``grl_weight * ramp(progress)``; 0 makes the adversary a mere probe of the features.

    Args:
        estimator: from :func:`~tfcorrect.models.illum.build_illuminant_estimator`.
        discriminator: from :func:`~tfcorrect.models.illum.build_camera_discriminator`.
        grl_weight: the reversal strength at full ramp (``GRL_WEIGHT``; 0 for non-adversarial arms).
        ramp: a function of :data:`GRL_RAMPS`.
        ramp_steps: training steps over which the ramp goes from 0 to 1.
    """

    loss_parts = ("e_angular", "d_camera", "d_accuracy", "d_grl_weight")

    def __init__(self, estimator, discriminator, *, grl_weight=1.0, ramp=GRL_RAMPS["none"], ramp_steps=1, **kwargs):
        super().__init__(**kwargs)
        self.estimator = estimator
        self.discriminator = discriminator
        self.grl = reversal_layer(discriminator)
        self.grl_weight = grl_weight
        self.ramp = ramp
        self.ramp_steps = max(1, ramp_steps)

    @property
    def networks(self):
        return {"estimator": self.estimator, "discriminator": self.discriminator}

    def call(self, inputs, training=False):
        return self.estimator(inputs, training=training)["illuminant"]

    def _parts(self, patches, truth, training):
        out = self.estimator(patches, training=training)
        logits = self.discriminator(out["features"], training=training)
        camera = truth["camera"]
        return {
            "e_angular": ops.mean(angular_error_degrees(out["illuminant"], truth["illuminant"])),
            "d_camera": ops.mean(keras.losses.sparse_categorical_crossentropy(camera, logits, from_logits=True)),
            "d_accuracy": ops.mean(ops.cast(ops.cast(ops.argmax(logits, axis=-1), "int32") == ops.cast(camera, "int32"),
                                          "float32")),
            "d_grl_weight": ops.convert_to_tensor(self.grl.strength),
        }

    def _set_strength(self):
        progress = ops.minimum(1.0, ops.cast(self.optimizers["estimator"].iterations, "float32") / self.ramp_steps)
        self.grl.strength.assign(self.grl_weight * self.ramp(progress))

    def train_step(self, data):
        patches, truth = data
        self._set_strength()
        with tf.GradientTape(persistent=True) as tape:
            parts = self._parts(patches, truth, training=True)
            estimator_loss = parts["e_angular"] * (math.pi / 180.0) + parts["d_camera"]  # the reversal flips the 2nd
        self.minimize({"estimator": (tape, estimator_loss), "discriminator": (tape, parts["d_camera"])})
        del tape
        return self.report(parts)

    def test_step(self, data):
        patches, truth = data
        return self.report(self._parts(patches, truth, training=False))


# --- data -------------------------------------------------------------------------------------


def camera_list(params):
    """``CAMERAS`` as a tuple of names: camera 'C' first, camera 'N' second."""
    return tuple(name.strip() for name in params.cameras.split(",") if name.strip())


def arm_cameras(params):
    """The cameras ``ARM`` trains on."""
    return ARMS[params.arm][0](camera_list(params))


def _examples(folder, params, what):
    """The examples of an ``illuminant`` folder taken by ``ARM``; the others are counted on stderr."""
    if not folder:
        raise UserError(f"{what} is not set (use --set {what}=FOLDER or a table row)")
    found = read_illuminants(folder)
    cameras = arm_cameras(params)
    kept = [e for e in found if e.camera in cameras]
    if len(kept) < len(found):
        others = sorted({e.camera for e in found} - set(cameras))
        print(f"{what}={folder}: ARM {params.arm} uses camera(s) {', '.join(cameras)}: "
              f"{len(found) - len(kept)} image(s) of {', '.join(others)} left out", file=sys.stderr)
    if not kept:
        raise UserError(f"{what}={folder}: no image of camera(s) {', '.join(cameras)} "
                        f"(ARM {params.arm}, CAMERAS {params.cameras})")
    return kept


def split_by_source(examples, fraction, seed):
    """Hold out a share of the source photos: every image made from a held-out photo goes to validation.

    Returns:
        ``(train, val)``, each non-empty.

    Raises:
        UserError: all images come from one photo.
    """
    sources = sorted({e.source for e in examples})
    if len(sources) < 2:
        raise UserError(f"{examples[0].target}: images of one photo cannot be split into training and validation; "
                        "set VAL_DIR")
    count = min(len(sources) - 1, max(1, round(len(sources) * fraction)))
    held = set(np.array(sources)[np.random.default_rng(seed).permutation(len(sources))[:count]])
    return [e for e in examples if e.source not in held], [e for e in examples if e.source in held]


def training_examples(params):
    """``(train, val)`` examples of ``params``: ``VAL_DIR``, or ``VAL_FRACTION`` of the source photos."""
    train = _examples(params.train_dir, params, "TRAIN_DIR")
    if params.val_dir:
        return train, _examples(params.val_dir, params, "VAL_DIR")
    return split_by_source(train, params.val_fraction, params.seed)


def steps_per_epoch(params, train_count=None):
    """Training steps per epoch: ``STEPS_PER_EPOCH``, or one pass over the training images."""
    if params.steps_per_epoch:
        return params.steps_per_epoch
    count = len(training_examples(params)[0]) if train_count is None else train_count
    return max(1, count // params.batch_size)


_reported = set()


def _load(path):
    """Decode one linear image (numpy side) and whether it could be read; a bad file is named once."""
    try:
        return read_rgb(path.decode())[0], True
    except ImageError as err:
        if str(err) not in _reported:
            _reported.add(str(err))
            print(f"warning: skipped: {err}", file=sys.stderr, flush=True)
        return np.zeros((1, 1, 3), np.float32), False


def _at_least(image, side):
    """``image`` scaled up (bilinear) so both sides are at least ``side``; larger images are kept as they are."""
    shape = tf.cast(tf.shape(image)[:2], tf.float32)
    scale = tf.maximum(1.0, side / tf.reduce_min(shape))
    return tf.image.resize(image, tf.cast(tf.math.ceil(shape * scale), tf.int32))


def _patch_dataset(examples, order, numbers, params, training):
    """One patch per entry of ``order``: a random crop (training, flipped with ``AUG_FLIP_P``) or the centre."""
    paths = tf.constant([e.target for e in examples])
    illuminants = tf.constant([e.illuminant for e in examples], tf.float32)
    cameras = tf.constant([camera_list(params).index(e.camera) for e in examples], tf.int32)
    side = params.patch

    def decode(index, number):
        image, ok = tf.numpy_function(_load, [tf.gather(paths, index)], [tf.float32, tf.bool], stateful=False)
        image.set_shape([None, None, 3])
        return image, index, tf.stack([tf.constant(params.seed, tf.int64), number]), ok

    def prepare(image, index, seed, ok):
        image = _at_least(image, side)
        seeds = tf.random.experimental.stateless_split(seed, 2)
        if training:
            patch = tf.image.stateless_random_crop(image, [side, side, 3], seeds[0])
            flip = tf.random.stateless_uniform([], seeds[1]) < params.aug_flip_p
            patch = tf.where(flip, tf.image.flip_left_right(patch), patch)
        else:
            top, left = (tf.shape(image)[0] - side) // 2, (tf.shape(image)[1] - side) // 2
            patch = image[top:top + side, left:left + side]
        patch.set_shape([side, side, 3])
        return patch, {"illuminant": tf.gather(illuminants, index), "camera": tf.gather(cameras, index)}

    return (tf.data.Dataset.from_tensor_slices((order, numbers))
            .map(decode, num_parallel_calls=AUTOTUNE)
            .filter(lambda *example: example[-1])
            .map(prepare, num_parallel_calls=AUTOTUNE))


def make_datasets(params, start_epoch=0):
    """Patch datasets of an ``illuminant`` folder for ``ARM``: random patches to train, centre patches to validate."""
    train, val = training_examples(params)
    batch = params.batch_size
    steps = steps_per_epoch(params, len(train))
    val_steps = params.val_steps or math.ceil(len(val) / batch)
    per_epoch = steps * batch
    order = training_order(len(train), per_epoch, params.epochs, params.seed, start_epoch)
    numbers = np.arange(start_epoch * per_epoch, start_epoch * per_epoch + len(order))
    train_ds = (_patch_dataset(train, order, numbers, params, training=True)
                .repeat(2)  # refills what unreadable files left out; bounded, so all-unreadable data ends
                .batch(batch, drop_remainder=True).prefetch(AUTOTUNE))
    val_ds = _patch_dataset(val, np.arange(len(val)), np.arange(len(val)), params, training=False)
    if val_steps * batch >= len(val):  # read whole each epoch: cache it (a partly read cache is thrown away)
        val_ds = val_ds.cache()
    val_ds = val_ds.batch(batch).repeat().prefetch(AUTOTUNE)
    return Datasets(train_ds, val_ds, steps, val_steps, len(train), len(val))


# --- estimating, pooling, predicting ----------------------------------------------------------


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
    from tfcorrect.predict import tile_starts  # here: tfcorrect.predict imports the methods

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
def _cached_estimator(run_dir, stamp):
    from tfcorrect.predict import load_network

    return load_network(run_dir, "estimator")


def load_estimator(run_dir):
    """``(params, estimator)`` of an illum_da run folder, loaded once per weights file version.

    Raises:
        UserError: not a complete illum_da run folder.
    """
    run_dir = pathlib.Path(run_dir).resolve()
    weights = run_dir / runfolder.weights_file("estimator")
    stamp = weights.stat().st_mtime_ns if weights.is_file() else 0
    params, estimator = _cached_estimator(run_dir, stamp)
    if params.model != "illum_da":
        raise UserError(f"{run_dir}: a {params.model} run, not an illum_da one")
    return params, estimator


def estimate_illuminants(run_dir, images):
    """Each image's illuminant: the run's patch estimates pooled by its ``POOLING``.

    Args:
        run_dir: an illum_da run folder.
        images: ``HxWx3`` linear RGB arrays, any sizes.

    Returns:
        ``(n, 3)`` unit-norm illuminants.
    """
    params, estimator = load_estimator(run_dir)
    pool = POOLINGS[params.pooling]
    return np.array([pool(patch_estimates(estimator, image, params.patch)) for image in images]).reshape(-1, 3)


def _white_balance(params, estimator, source, target, output_dir, rows):
    image = read_image(source)
    if image.is_gray:
        raise UserError(f"{source}: a gray image has no illuminant colour to correct")
    illuminant = POOLINGS[params.pooling](patch_estimates(estimator, image.pixels, params.patch))
    write_image(target, np.clip(correct(image.pixels, illuminant), 0.0, 1.0), alpha=image.alpha,
                bit_depth=image.bit_depth)
    rgb = dict(zip("rgb", map(float, illuminant)))
    rows.append({"file": pathlib.Path(target).relative_to(output_dir).as_posix(), **rgb, "camera": ""})


def predict_folder(run_dir, pairs, output_dir, *, progress=True):
    """White-balance every ``(input, output)`` pair and write ``OUTPUT_DIR/illuminants.csv``.

    Each image's illuminant is estimated as :func:`estimate_illuminants` does and divided out
    (von Kries, green kept); the CSV lists each written file with its estimate, in the layout of
    an ``illuminant`` folder (camera left empty).

    Returns:
        ``(written, failed)`` counts.
    """
    params, estimator = load_estimator(run_dir)
    output_dir = pathlib.Path(output_dir)
    rows = []
    written, failed = run_per_file(
        pairs, lambda src, dst: _white_balance(params, estimator, src, dst, output_dir, rows), progress=progress)
    if rows:
        write_illuminants(output_dir / ILLUMINANTS_CSV, rows)
    return written, failed


# --- the method -------------------------------------------------------------------------------


def build_estimator(params):
    """The table's estimator."""
    return build_illuminant_estimator(patch=params.patch, filters=params.illum_filters, levels=params.illum_levels,
                                      hidden=_feature_width(params), name="estimator")


def build_discriminator(params):
    """The table's camera discriminator, one class per camera of ``CAMERAS``."""
    return build_camera_discriminator(features=_feature_width(params), cameras=len(camera_list(params)),
                                      hidden=_feature_width(params), weight=0.0, name="discriminator")


def _feature_width(params):
    return params.illum_filters * 2 ** (params.illum_levels - 1)


def check_params(params, sources):
    """``CAMERAS`` names two or more cameras; ``PATCH`` fits ``ILLUM_LEVELS`` stride-2 blocks."""
    cameras = camera_list(params)
    if len(cameras) < 2 or len(set(cameras)) != len(cameras):
        raise TableError(f"{sources['CAMERAS']}: CAMERAS must name two or more different cameras "
                         f"(camera 'C' first, 'N' second), not '{params.cameras}'")
    if params.patch < 2**params.illum_levels:
        raise TableError(f"{sources['PATCH']}: PATCH {params.patch} is smaller than the {2**params.illum_levels} px "
                         f"that ILLUM_LEVELS {params.illum_levels} stride-2 blocks need")


def _trainer(networks, params):
    adversarial = ARMS[params.arm][1]
    return IllumDA(networks["estimator"], networks["discriminator"],
                   grl_weight=params.grl_weight if adversarial else 0.0, ramp=GRL_RAMPS[params.grl_ramp],
                   ramp_steps=params.epochs * steps_per_epoch(params))


def _optimizers(params):
    return {"estimator": keras.optimizers.Adam(params.g_lr, beta_1=params.beta_1),
            "discriminator": keras.optimizers.Adam(params.d_lr, beta_1=params.beta_1)}


METHOD = Method(
    networks={"estimator": build_estimator, "discriminator": build_discriminator},
    trainer=_trainer,
    optimizers=_optimizers,
    loss_parts=IllumDA.loss_parts,
    data_kinds=("illuminant",),
    predict_network="estimator",
    size_multiple=lambda params: 1,
    checks=(check_params,),
    datasets=make_datasets,
    sample_grid=sample_grid,
    predict_folder=predict_folder,
)
