"""illum_da's data: the cameras an arm trains on, and ``tf.data`` pipelines of linear-RGB patches with their illuminant."""

import math
import sys

import numpy as np
import tensorflow as tf

from tfcorrect.data.pipeline import Datasets, training_order
from tfcorrect.errors import ImageError, UserError
from tfcorrect.io.images import read_rgb
from tfcorrect.methods.illum_da.illuminants import read_illuminants
from tfcorrect.methods.illum_da.space import camera_matrix, illuminant_to_space

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




def _loader():
    """A decoder of one linear image (numpy side) and whether it could be read; it names each bad file once."""
    reported = set()

    def load(path):
        try:
            return read_rgb(path.decode())[0], True
        except ImageError as err:
            if str(err) not in reported:
                reported.add(str(err))
                print(f"warning: skipped: {err}", file=sys.stderr, flush=True)
            return np.zeros((1, 1, 3), np.float32), False

    return load


def _at_least(image, side):
    """``image`` scaled up (bilinear) so both sides are at least ``side``; larger images are kept as they are."""
    shape = tf.cast(tf.shape(image)[:2], tf.float32)
    scale = tf.maximum(1.0, side / tf.reduce_min(shape))
    return tf.image.resize(image, tf.cast(tf.math.ceil(shape * scale), tf.int32))


def _patch_dataset(examples, order, numbers, params, training):
    """One patch per entry of ``order``: a random crop (training, flipped with ``AUG_FLIP_P``) or the centre.

    Patches and illuminants are in ``ILLUM_SPACE`` (:mod:`tfcorrect.methods.illum_da.space`).
    """
    paths = tf.constant([e.target for e in examples])
    space = params.illum_space
    illuminants = tf.constant([illuminant_to_space(e.illuminant, e.camera, space) for e in examples], tf.float32)
    matrices = tf.constant([camera_matrix(e.camera, space).T for e in examples], tf.float32)  # (n, 3, 3)
    cameras = tf.constant([camera_list(params).index(e.camera) for e in examples], tf.int32)
    side = params.patch
    load = _loader()

    def decode(index, number):
        image, ok = tf.numpy_function(load, [tf.gather(paths, index)], [tf.float32, tf.bool], stateful=False)
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
        if space != "raw":
            patch = tf.tensordot(patch, tf.gather(matrices, index), 1)  # the camera's raw -> ILLUM_SPACE
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
