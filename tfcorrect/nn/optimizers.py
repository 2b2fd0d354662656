"""Adam applied by TensorFlow's fused kernel.

Keras 3's Adam updates each variable with about ten element-wise ops (two moment updates, a square
root, a division, ...), each a pass over the variable. TensorFlow's ``ResourceApplyAdam`` does the
same update in one pass. The pix2pix U-Net has 54 M parameters, so on this CPU the training step is
a few percent faster (``bench/train.py``). The update rule, the variables and their names are those
of ``keras.optimizers.Adam``: checkpoints are interchangeable.
"""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tfcorrect")
class Adam(keras.optimizers.Adam):
    """``keras.optimizers.Adam`` whose dense update is ``tf.raw_ops.ResourceApplyAdam``.

    Keras's rule, ``m += (1 - b1)(g - m)``, ``v += (1 - b2)(g² - v)``,
    ``w -= lr·sqrt(1 - b2^t)/(1 - b1^t) · m / (sqrt(v) + eps)``, is the kernel's. AMSGrad, sparse
    gradients and other backends use Keras's own update.
    """

    def __init__(self, *args, name="adam", **kwargs):
        super().__init__(*args, name=name, **kwargs)

    def update_step(self, gradient, variable, learning_rate):
        if self.amsgrad or isinstance(gradient, tf.IndexedSlices) or keras.backend.backend() != "tensorflow":
            return super().update_step(gradient, variable, learning_rate)
        dtype = variable.dtype
        step = tf.cast(self.iterations + 1, dtype)
        index = self._get_variable_index(variable)
        beta_1, beta_2 = tf.cast(self.beta_1, dtype), tf.cast(self.beta_2, dtype)
        tf.raw_ops.ResourceApplyAdam(
            var=variable.handle, m=self._momentums[index].handle, v=self._velocities[index].handle,
            beta1_power=beta_1 ** step, beta2_power=beta_2 ** step, lr=tf.cast(learning_rate, dtype),
            beta1=beta_1, beta2=beta_2, epsilon=tf.cast(self.epsilon, dtype), grad=tf.cast(gradient, dtype))
