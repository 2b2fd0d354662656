"""illum_da (Kim & Kim): an illuminant estimator trained against a camera discriminator.

The estimator regresses a unit-norm RGB illuminant per ``PATCH`` x ``PATCH`` patch of a linear
camera image and learns from the angular error; the discriminator predicts the camera from the
estimator's features, and its cross-entropy reaches the estimator through a gradient-reversal
layer of strength ``GRL_WEIGHT`` (ramped with ``GRL_RAMP``), so the estimator learns features the
camera cannot be told from. ``ARM`` picks the paper's four arms: camera 'C' only, camera 'N' only,
both cameras without the adversary (simple integration) and both with it (proposed).

An image's illuminant is its patches' estimates pooled by ``POOLING`` (mean or median).
"""

import math

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from tfcorrect.methods.illum_da.networks import reversal_layer
from tfcorrect.training.method import MethodModel


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
        estimator: from :func:`~tfcorrect.methods.illum_da.networks.build_illuminant_estimator`.
        discriminator: from :func:`~tfcorrect.methods.illum_da.networks.build_camera_discriminator`.
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
