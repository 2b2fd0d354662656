"""``tf.data`` pipelines: parallel decode, pairing, augmentation, batching, prefetch.

Every random choice is a stateless op seeded by ``(SEED, sample number)``, and the order of
examples is a function of ``(SEED, epoch)``, so a resumed run sees exactly the data an
uninterrupted run would have seen.
"""

import dataclasses
import math
import sys

import numpy as np
import tensorflow as tf

from tfcorrect.data.examples import expand_exposures, split_examples
from tfcorrect.data.kinds import find_examples
from tfcorrect.errors import ImageError, TableError
from tfcorrect.io.images import read_rgb
from tfcorrect.params import Component, option

AUTOTUNE = tf.data.AUTOTUNE
CACHE_LIMIT_BYTES = 256 * 2**20
_reported = set()  # unreadable files already named on stderr, so each is named once


@dataclasses.dataclass(frozen=True)
class PipelineOptions:
    """How the pipeline splits, resizes and augments image pairs."""

    val_fraction: float = option(
        0.1, "Share of TRAIN_DIR held out for validation when VAL_DIR is empty.", minimum=0.0, maximum=0.5)
    load_size: int = option(
        None, "Shorter side images are resized to before the random crop; derived: RESOL*286/256.", minimum=0)
    aug_flip_p: float = option(
        0.5, "Probability of a horizontal flip (input and target together).", minimum=0.0, maximum=1.0)
    aug_jitter_p: float = option(0.0, "Probability of colour jitter on the input only.", minimum=0.0, maximum=1.0)
    norm_blur: float = option(
        0.0, "Gaussian blur (sigma in pixels at RESOL, kernel 2*ceil(3 sigma)+1, reflected edges) given to input and "
        "target alike in training and validation, after the crop: u1921415's 'normalisation transform giving every "
        "training image a level of blur' as tfcorrect reads it; 0 is off. Prediction does not blur.",
        minimum=0.0, maximum=8.0)


def _derive(values):
    if values["load_size"] is None:
        values["load_size"] = round(values["resol"] * 286 / 256)


def _check(params, sources):
    if params.load_size and params.load_size < params.resol:
        raise TableError(f"{sources['LOAD_SIZE']}: LOAD_SIZE {params.load_size} is smaller than RESOL {params.resol}")


PIPELINE = Component("the data pipeline", PipelineOptions, derive=_derive, checks=(_check,))


@dataclasses.dataclass(frozen=True)
class Datasets:
    """What the training driver needs from the data."""

    train: tf.data.Dataset
    val: tf.data.Dataset
    steps_per_epoch: int
    val_steps: int
    train_count: int
    val_count: int


def _read_pair(input_path, target_path):
    target = read_rgb(target_path)[0]
    if not input_path:
        return target, target  # the input is made from the target later
    image = read_rgb(input_path)[0]
    if image.shape != target.shape:
        raise ImageError(f"{input_path}: size {image.shape[:2]} differs from its target "
                         f"{target_path} {target.shape[:2]}")
    return image, target


def _load(input_path, target_path):
    """Decode one pair (numpy side) and whether it could be read; a bad file is named on stderr."""
    try:
        return (*_read_pair(input_path.decode(), target_path.decode()), True)
    except ImageError as err:
        if str(err) not in _reported:
            _reported.add(str(err))
            print(f"warning: skipped: {err}", file=sys.stderr, flush=True)
        empty = np.zeros((1, 1, 3), np.float32)
        return empty, empty, False


def _resize_shorter(pair, side):
    shape = tf.cast(tf.shape(pair)[:2], tf.float32)
    scale = side / tf.reduce_min(shape)
    size = tf.cast(tf.math.round(shape * scale), tf.int32)
    return tf.image.resize(pair, tf.maximum(size, side), antialias=True)


def _center_crop(pair, side):
    top = (tf.shape(pair)[0] - side) // 2
    left = (tf.shape(pair)[1] - side) // 2
    return pair[top:top + side, left:left + side]


def _color_jitter(image, seed):
    seeds = tf.random.experimental.stateless_split(seed, 4)
    image = tf.image.stateless_random_brightness(image, 0.1, seeds[0])
    image = tf.image.stateless_random_contrast(image, 0.8, 1.2, seeds[1])
    image = tf.image.stateless_random_saturation(image, 0.8, 1.2, seeds[2])
    image = tf.image.stateless_random_hue(image, 0.05, seeds[3])
    return tf.clip_by_value(image, 0.0, 1.0)


def gaussian_blur(images, sigma):
    """``images`` (``HxWxC`` or ``NxHxWxC``) blurred by a separable Gaussian of ``sigma`` px, edges reflected.

    The kernel has ``2 * ceil(3 sigma) + 1`` taps, normalised to sum 1; every channel gets the same one.
    """
    radius = int(math.ceil(3 * sigma))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps = tf.constant(taps / taps.sum(), tf.float32)
    batch = images if images.shape.rank == 4 else images[None]
    channels = batch.shape[-1]
    padded = tf.pad(batch, [[0, 0], [radius, radius], [radius, radius], [0, 0]], mode="REFLECT")
    rows = tf.tile(tf.reshape(taps, (-1, 1, 1, 1)), (1, 1, channels, 1))
    cols = tf.tile(tf.reshape(taps, (1, -1, 1, 1)), (1, 1, channels, 1))
    out = tf.nn.depthwise_conv2d(padded, rows, [1, 1, 1, 1], "VALID")
    out = tf.nn.depthwise_conv2d(out, cols, [1, 1, 1, 1], "VALID")
    return out if images.shape.rank == 4 else out[0]


def _chance(p, seed):
    return tf.random.stateless_uniform([], seed) < p


def make_prepare(params, training):
    """The per-example TF function: crop, make the input, augment, scale to [-1, 1].

    Images are RGB until the end, where a kind with a 1-channel input turns the input gray.
    """
    kind = params.data_kind
    side = params.resol

    def prepare(image, target, ev, seed):
        seeds = tf.random.experimental.stateless_split(seed, 4)
        if kind.make_input:  # the input is made from the target below: resize the target alone
            target = _resize_shorter(target, params.load_size)
            pair = tf.concat([target, target], axis=-1)
        else:
            pair = _resize_shorter(tf.concat([image, target], axis=-1), params.load_size)
        if training:
            pair = tf.image.stateless_random_crop(pair, [side, side, 6], seeds[0])
        else:
            pair = _center_crop(pair, side)
        image, target = pair[..., :3], pair[..., 3:]
        if kind.make_input:
            image = kind.make_input(target, ev, seeds[1], params)
            if training and kind.degrade:
                image = kind.degrade(image, tf.random.experimental.stateless_split(seeds[1], 2)[1], params)
        if params.norm_blur:  # one blur for both images: the pair stays aligned and equally sharp
            both = gaussian_blur(tf.concat([image, target], axis=-1), params.norm_blur)
            image, target = both[..., :3], both[..., 3:]
        if training:
            flipped = tf.image.flip_left_right(tf.concat([image, target], axis=-1))
            both = tf.where(_chance(params.aug_flip_p, seeds[2]), flipped, tf.concat([image, target], axis=-1))
            image, target = both[..., :3], both[..., 3:]
            jitter_seeds = tf.random.experimental.stateless_split(seeds[3], 2)
            image = tf.cond(_chance(params.aug_jitter_p, jitter_seeds[0]),
                            lambda: _color_jitter(image, jitter_seeds[1]), lambda: image)
        if params.in_channels == 1:
            image = tf.image.rgb_to_grayscale(image)
        image.set_shape([side, side, params.in_channels])
        target.set_shape([side, side, params.out_channels])
        return image * 2 - 1, target * 2 - 1

    return prepare


def _decode(table):
    """Map ``(example index, sample number)`` to decoded float images plus EV and seed."""
    inputs, targets, evs = table

    def decode(index, number, seed):
        image, target, ok = tf.numpy_function(_load, [tf.gather(inputs, index), tf.gather(targets, index)],
                                              [tf.float32, tf.float32, tf.bool], stateful=False)
        image.set_shape([None, None, 3])
        target.set_shape([None, None, 3])
        return image, target, tf.gather(evs, index), tf.stack([tf.cast(seed, tf.int64), number]), ok

    return decode


def _examples_dataset(examples, order, numbers, params, training):
    """Decoded, prepared examples in ``order``; unreadable files are dropped after being named."""
    decode = _decode(_table(examples))
    return (
        tf.data.Dataset.from_tensor_slices((order, numbers))
        .map(lambda i, n: decode(i, n, params.seed), num_parallel_calls=AUTOTUNE)
        .filter(lambda *example: example[-1])
        .map(lambda *example: make_prepare(params, training)(*example[:-1]), num_parallel_calls=AUTOTUNE)
    )


def _table(examples):
    return (tf.constant([e.input for e in examples]), tf.constant([e.target for e in examples]),
            tf.constant([e.ev for e in examples], tf.float32))


def training_order(count, per_epoch, epochs, seed, start_epoch=0):
    """Example indices for epochs ``start_epoch..epochs-1``: a fresh permutation per pass, per epoch."""
    passes = math.ceil(per_epoch / count)
    return np.concatenate([
        np.concatenate([np.random.default_rng([seed, epoch, p]).permutation(count) for p in range(passes)])[:per_epoch]
        for epoch in range(start_epoch, epochs)
    ]) if start_epoch < epochs else np.zeros([0], np.int64)


def make_datasets(params, start_epoch=0):
    """Training and validation datasets of ``params``, the training one starting at ``start_epoch``."""
    train = find_examples(params.data_kind, params.train_dir, params=params, name=params.dataset)
    if params.val_dir:
        val = find_examples(params.data_kind, params.val_dir, params=params, what="VAL_DIR", name=params.dataset)
    else:
        train, val = split_examples(train, params.val_fraction, params.seed)
    if params.data_kind.draws_ev:  # each validation target once per EV offset
        val = expand_exposures(val, params.data_kind.val_evs(params))
    batch = params.batch_size
    steps = params.steps_per_epoch or max(1, len(train) // batch)
    val_steps = params.val_steps or math.ceil(len(val) / batch)
    per_epoch = steps * batch
    order = training_order(len(train), per_epoch, params.epochs, params.seed, start_epoch)
    numbers = np.arange(start_epoch * per_epoch, start_epoch * per_epoch + len(order))
    train_ds = (
        _examples_dataset(train, order, numbers, params, training=True)
        .repeat(2)  # refills what unreadable files left out; bounded, so all-unreadable data ends
        .batch(batch, drop_remainder=True)
        .prefetch(AUTOTUNE)
    )
    val_ds = _examples_dataset(val, np.arange(len(val)), np.arange(len(val)), params, training=False)
    # Cached when small and read whole each epoch (a partly read cache is thrown away, with a warning).
    if len(val) * params.resol**2 * 6 * 4 <= CACHE_LIMIT_BYTES and val_steps * batch >= len(val):
        val_ds = val_ds.cache()
    # Repeated, so that every epoch's `val_steps` batches are the same ones even when an iterator
    # is kept across epochs (as under tf.distribute) and the last batch is a partial one.
    val_ds = val_ds.batch(batch).repeat().prefetch(AUTOTUNE)
    return Datasets(train_ds, val_ds, steps, val_steps, len(train), len(val))
