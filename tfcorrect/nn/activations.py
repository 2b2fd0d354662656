"""Activations whose gradients let Grappler fuse them into the convolution before them."""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tfcorrect")
class LeakyReLU(keras.layers.LeakyReLU):
    """``keras.layers.LeakyReLU`` whose gradient reads its output instead of its input.

    With a positive slope the output has the input's sign, so the gradient is the same. Keras's
    LeakyReLU gradient reads the input, the BiasAdd of the convolution before it: Grappler's
    remapper then cannot fuse ``Conv2D + BiasAdd + LeakyRelu`` into one op, and on the
    training graph it gives up with ``remapper failed`` for the whole graph. Reading the output
    leaves the fused op valid.
    """

    def call(self, inputs):
        slope = self.negative_slope

        @tf.custom_gradient
        def leaky_relu(x):
            y = tf.nn.leaky_relu(x, alpha=slope)

            def gradient(upstream):
                # One kernel: the upstream where the output is positive, slope x upstream elsewhere.
                return tf.raw_ops.LeakyReluGrad(gradients=upstream, features=y, alpha=slope)

            return y, gradient

        return leaky_relu(inputs)
