"""The global discriminator of Que & Lee: one real/fake logit per image.

"a series of Convolution, BatchNorm and LeakyReLU layers. Finally, the last convolution layer is
flattened and then fed into a single sigmoid output." Here: ``D_STAGES`` stride-2
:func:`~tfcorrect.nn.blocks.conv_block` stages (no norm on the first, as in pix2pix and DCGAN),
flattened, and one dense unit giving a logit (the sigmoid is in the BCE-from-logits loss). Unlike
the PatchGAN it judges the image alone (the paper's D "estimates the probability that the input
image comes from the ground-truth dataset"), and it takes one fixed size: the flatten size is
computed from that size (DPED's own discriminator hard-codes it for 100-px patches).
"""

import keras

from tfcorrect.nn.blocks import conv_block, init


def flatten_size(size, *, stages, filters):
    """Features the flatten layer gets from a ``size``-px image: ``ceil(size / 2**stages)**2 * filters``."""
    side = size
    for _ in range(stages):
        side = -(-side // 2)  # a stride-2 "same" convolution rounds up
    return side * side * filters


def build_global_discriminator(*, size, channels=3, ndf=64, max_filters=512, stages=4, ksize=4, norm="batch",
                               spectral_norm=False, name="global_discriminator"):
    """A discriminator giving one logit per ``size`` x ``size`` image.

    Args:
        size: side in pixels of the images it judges (the training patch side).
        channels: channels of the images.
        ndf: filters of the first stage, doubled per stage up to ``max_filters``.
        max_filters: cap on the filters of a stage.
        stages: stride-2 convolution / norm / LeakyReLU stages before the flatten.
        ksize: kernel size of every convolution.
        norm: normalisation of every stage but the first (``"batch"`` in the seed).
        spectral_norm: spectral normalisation on every convolution and on the dense output.
        name: model name, prefix of every layer name.

    Returns:
        A ``keras.Model`` mapping ``(b, size, size, channels)`` to ``(b, 1)`` logits (float32).

    Raises:
        ValueError: a size argument is below 1.
    """
    if min(size, channels, ndf, max_filters, stages, ksize) < 1:
        raise ValueError(f"size, channels, ndf, max_filters, stages and ksize must be at least 1, got "
                         f"{size}, {channels}, {ndf}, {max_filters}, {stages}, {ksize}")
    image = keras.Input((size, size, channels), name=f"{name}_image")
    x = image
    for i in range(stages):
        x = conv_block(x, min(ndf * 2 ** i, max_filters), ksize, strides=2, norm=norm if i > 0 else "none",
                       spectral_norm=spectral_norm, name=f"{name}_down{i + 1}")  # (b, ceil(size/2^(i+1)), ., f)
    x = keras.layers.Flatten(name=f"{name}_flatten")(x)  # (b, flatten_size(size, ...))
    logit = keras.layers.Dense(1, kernel_initializer=init(), dtype="float32", name=f"{name}_logit")
    if spectral_norm:
        logit = keras.layers.SpectralNormalization(logit, dtype="float32", name=f"{name}_logit_sn")
    return keras.Model(image, logit(x), name=name)  # (b, 1)

