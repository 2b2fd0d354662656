"""``G_OUTPUT=overexposure_residual``: a U-Net that starts from Le Jeune's trivial inverse (beyond the paper).

The simulation x' = min(1, x * TAU^-GAMMA) is undone exactly by x' * TAU^GAMMA wherever nothing clipped
(seed 003's "trivial inverse", :func:`tfcorrect.data.exposure.invert_overexposure`). A plain pix2pix
head must relearn that scale at every pixel; this head adds the U-Net's output, as a residual, to the
trivial inverse of the input. The residual's last convolution starts at zero, so an untrained
generator is the trivial inverse and training only has to fill what clipping lost.
"""

import keras

from tfcorrect.errors import TableError


class TrivialInverse(keras.layers.Layer):
    """``[-1, 1]`` images scaled as ``invert_overexposure`` scales ``[0, 1]`` ones: ``(x + 1) * scale - 1``."""

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        self.scale = float(scale)

    def call(self, x):
        return (x + 1.0) * self.scale - 1.0

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


def _residual_head(x, source, *, out_channels, ksize, spectral_norm, name, inputs, inverse_scale, **_):
    """The trivial inverse of ``inputs`` plus a tanh residual from a zero-initialised transposed convolution."""
    if spectral_norm:  # a zero kernel has no spectral norm to divide by
        raise ValueError("G_OUTPUT=overexposure_residual starts from a zero kernel; it cannot take G_SPECTRAL_NORM")
    residual = keras.layers.Conv2DTranspose(out_channels, ksize, strides=2, padding="same", activation="tanh",
                                            kernel_initializer="zeros", dtype="float32", name=f"{name}_out")(x)
    inverse = TrivialInverse(inverse_scale, dtype="float32", name=f"{name}_trivial_inverse")(inputs)
    total = keras.layers.Add(dtype="float32", name=f"{name}_residual_sum")([inverse, residual])
    return keras.layers.Activation("hard_tanh", dtype="float32", name=f"{name}_clip")(total)  # clip to [-1, 1]


# G_OUTPUT -> head (registered beside pix2pix's own in tfcorrect.methods.pix2pix.unet).
HEADS = {"overexposure_residual": _residual_head}


def head_options(params):
    """The builder's keyword for this head: the trivial inverse's scale TAU^GAMMA of the table's simulation."""
    return {"inverse_scale": params.tau ** params.gamma}


def check_params(params, sources):
    """The head needs the simulation it inverts, and no spectral norm on a zero kernel."""
    if params.g_output not in HEADS:
        return
    if params.dataset != "simulate_overexposure":
        raise TableError(f"{sources['G_OUTPUT']}: G_OUTPUT overexposure_residual inverts DATASET=simulate_overexposure's "
                         f"clipping, not DATASET {params.dataset}")
    if params.g_spectral_norm:
        raise TableError(f"{sources['G_SPECTRAL_NORM']}: G_SPECTRAL_NORM cannot wrap G_OUTPUT overexposure_residual's "
                         "zero-initialised last convolution")
