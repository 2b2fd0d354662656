"""Batch normalisation computed by TensorFlow's fused kernel while training.

Keras 3 normalises a batch with separate ops (moments, then ``batch_normalization``), each a pass
over the feature map, and differentiates through all of them. TensorFlow's ``FusedBatchNormV3``
does the forward pass in one kernel and its gradient in one more; on this CPU (oneDNN) the 256-px
pix2pix training step is about 4 % faster with it (``bench/train.py``). Values, variables and
their names are those of ``keras.layers.BatchNormalization``, so weight files are interchangeable.
"""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tfcorrect")
class BatchNormalization(keras.layers.BatchNormalization):
    """``keras.layers.BatchNormalization`` whose training pass on 4-D inputs is one fused kernel.

    The fused kernel returns the batch variance with Bessel's correction; the moving variance is
    updated with the uncorrected one, as Keras does. Other cases (inference, masks, renorm, a
    non-default axis, inputs that are not ``(b, h, w, c)``) use Keras's own computation.
    """

    def call(self, inputs, training=None, mask=None):
        if not (training and self.trainable) or mask is not None or self.renorm or len(inputs.shape) != 4 \
                or self.axis not in (-1, 3) or not (self.scale and self.center):
            return super().call(inputs, training=training, mask=mask)
        x = tf.cast(inputs, tf.float32)  # as Keras: normalise in float32 under mixed precision
        y, mean, corrected = tf.compat.v1.nn.fused_batch_norm(
            x, tf.cast(self.gamma, tf.float32), tf.cast(self.beta, tf.float32), epsilon=self.epsilon,
            data_format="NHWC", is_training=True)
        count = tf.cast(tf.reduce_prod(tf.shape(x)[:-1]), tf.float32)  # b * h * w values per channel
        variance = corrected * (count - 1.0) / count  # undo Bessel's correction (0 stays 0 when count is 1)
        momentum = self.momentum
        self.moving_mean.assign(self.moving_mean * momentum + tf.cast(mean, self.moving_mean.dtype) * (1 - momentum))
        self.moving_variance.assign(
            self.moving_variance * momentum + tf.cast(variance, self.moving_variance.dtype) * (1 - momentum))
        return tf.cast(y, self.compute_dtype)
