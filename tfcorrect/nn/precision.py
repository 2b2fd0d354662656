"""Mixed precision: the table's ``PRECISION`` as a Keras dtype policy.

Networks are built under the policy (computations in float16 / bfloat16, variables in float32),
their outputs are float32 (heads and logits are float32 layers), and float16 training scales the
loss so small gradients do not underflow. The weights saved are float32 in every case.
"""

import contextlib

import keras

# PRECISION -> whether its gradients need loss scaling (float16's exponent range is narrow).
PRECISIONS = {"float32": False, "mixed_bfloat16": False, "mixed_float16": True}


@contextlib.contextmanager
def dtype_policy(precision):
    """Build layers under ``precision``'s Keras dtype policy; the previous policy is restored after."""
    if precision not in PRECISIONS:
        raise ValueError(f"unknown PRECISION {precision!r}; known: {', '.join(PRECISIONS)}")
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(precision)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def wrap_optimizer(optimizer, precision):
    """``optimizer``, inside a ``keras.optimizers.LossScaleOptimizer`` when ``precision`` needs one."""
    return keras.optimizers.LossScaleOptimizer(optimizer) if PRECISIONS[precision] else optimizer
