"""The Dense U-Net generator of Que & Lee: dense blocks in a U-Net, with global feature fusion.

The seed describes the network in words only (its Fig. 2 is not in the text): dense blocks (DB)
connected "in terms of U-Net", each layer of a block taking the concatenation of all earlier
feature maps of the block, skip connections from each encoder level to the matching decoder
level, and "global feature learning" that "adaptively preserves the hierarchical features in a
global way". The layout below follows the published Dense U-Net it describes (FC-DenseNet,
Jegou et al. 2017, "The One Hundred Layers Tiramisu"):

- a 3x3 convolution gives the shallow features ``F0`` (``NGF`` channels);
- encoder level ``i`` (``LEVELS`` of them): a dense block of ``DENSE_LAYERS`` layers, each
  BN -> ReLU -> 3x3 convolution adding ``GROWTH`` channels; its whole output is the skip of level
  ``i``; a transition down (BN -> ReLU -> 1x1 convolution -> 2x2 max pooling) halves the size;
- a bottleneck dense block; only its new feature maps (``DENSE_LAYERS * GROWTH``) go up;
- decoder level ``i``: a stride-2 3x3 transposed convolution of the previous block's new maps,
  concatenated with the skip of level ``i``, then a dense block.

"Global feature learning" is read as the global feature fusion and global residual learning of
the Residual Dense Network (Zhang et al. 2018), whose wording the seed repeats: the new feature
maps of the bottleneck and of every decoder block (one per level, i.e. the hierarchical
features) are upsampled bilinearly to full size, concatenated, fused by a 1x1 then a 3x3
convolution to ``NGF`` channels and added to ``F0``; a 3x3 convolution with tanh gives the image.

The network pads its input (symmetrically, bottom and right) to a multiple of ``2**LEVELS`` and
crops the output back, so it takes any size of at least ``2**(LEVELS-1)`` pixels: DPED's
100x100 patches as well as the paper's 96x96 crops.
"""

import keras
from keras import ops

from tfcorrect.errors import TableError
from tfcorrect.nn.blocks import NORMS, init


@keras.saving.register_keras_serializable(package="tfcorrect")
class PadToMultiple(keras.layers.Layer):
    """Pads ``(b, h, w, c)`` at the bottom and right, symmetrically, to sides that are multiples of ``multiple``.

    Args:
        multiple: the side multiple; a side already a multiple is left alone.
    """

    def __init__(self, multiple, **kwargs):
        super().__init__(**kwargs)
        if multiple < 1:
            raise ValueError(f"multiple must be at least 1, got {multiple}")
        self.multiple = multiple

    def call(self, inputs):
        height, width = ops.shape(inputs)[1], ops.shape(inputs)[2]
        pads = [[0, 0], [0, (-height) % self.multiple], [0, (-width) % self.multiple], [0, 0]]
        return ops.pad(inputs, pads, mode="symmetric")

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        up = (lambda side: None if side is None else -(-side // self.multiple) * self.multiple)
        return (b, up(h), up(w), c)

    def get_config(self):
        return {**super().get_config(), "multiple": self.multiple}


@keras.saving.register_keras_serializable(package="tfcorrect")
class CropLike(keras.layers.Layer):
    """``[x, reference] -> x[:, :h, :w]`` with ``h, w`` the reference's sides (undoes :class:`PadToMultiple`)."""

    def call(self, inputs):
        x, reference = inputs
        return x[:, :ops.shape(reference)[1], :ops.shape(reference)[2]]

    def compute_output_shape(self, input_shape):
        x, reference = input_shape
        return (x[0], reference[1], reference[2], x[3])


def _dense_layer(x, growth, ksize, *, name):
    """BN -> ReLU -> convolution giving ``growth`` new feature maps (DenseNet's composite function)."""
    suffix, make_norm = NORMS["batch"]
    x = make_norm(f"{name}_{suffix}")(x)
    x = keras.layers.ReLU(name=f"{name}_relu")(x)
    return keras.layers.Conv2D(growth, ksize, padding="same", kernel_initializer=init(), name=f"{name}_conv")(x)


def dense_block(x, *, layers, growth, ksize=3, name):
    """A dense block: each layer sees the concatenation of the block's input and all earlier layers' maps.

    Args:
        x: a ``(b, h, w, c)`` tensor.
        layers: layers in the block.
        growth: feature maps each layer adds (the growth rate).
        ksize: kernel size of the layers' convolutions.
        name: prefix of the layer names (``{name}_layer{i}_conv``, ``{name}_concat{i}``).

    Returns:
        ``(output, new)``: ``output`` is ``x`` concatenated with every layer's maps,
        ``(b, h, w, c + layers * growth)``; ``new`` is the layers' maps alone, ``(b, h, w, layers * growth)``.
    """
    if layers < 1 or growth < 1:
        raise ValueError(f"a dense block needs at least one layer and a growth of 1, got {layers}, {growth}")
    new = []
    for i in range(layers):
        maps = _dense_layer(x, growth, ksize, name=f"{name}_layer{i + 1}")  # (b, h, w, growth)
        new.append(maps)
        x = keras.layers.Concatenate(name=f"{name}_concat{i + 1}")([x, maps])  # (b, h, w, c + (i+1)*growth)
    new = new[0] if layers == 1 else keras.layers.Concatenate(name=f"{name}_new")(new)  # (b, h, w, layers*growth)
    return x, new


def _transition_down(x, *, name):
    """BN -> ReLU -> 1x1 convolution (same channels) -> 2x2 max pooling."""
    suffix, make_norm = NORMS["batch"]
    channels = x.shape[-1]
    x = make_norm(f"{name}_{suffix}")(x)
    x = keras.layers.ReLU(name=f"{name}_relu")(x)
    x = keras.layers.Conv2D(channels, 1, kernel_initializer=init(), name=f"{name}_conv")(x)
    return keras.layers.MaxPooling2D(2, name=f"{name}_pool")(x)


def build_dense_unet_generator(*, in_channels=3, out_channels=3, ngf=48, growth=12, layers=4, levels=4,
                               ksize=3, name="dense_unet"):
    """A Dense U-Net with global feature fusion for images in [-1, 1] (see the module docstring).

    Args:
        in_channels: channels of the input image.
        out_channels: channels of the output image.
        ngf: channels of the shallow features and of the fused global features.
        growth: growth rate of every dense block.
        layers: layers per dense block.
        levels: down-sampling steps of the U-Net.
        ksize: kernel size of the dense layers' convolutions.
        name: model name, prefix of every layer name.

    Returns:
        A functional ``keras.Model`` mapping ``(b, h, w, in_channels)`` to ``(b, h, w, out_channels)``
        for any ``h, w >= 2**(levels - 1)``; the output layer is float32.

    Raises:
        ValueError: a size argument is below 1.
    """
    if min(in_channels, out_channels, ngf, growth, layers, levels) < 1:
        raise ValueError("channels, ngf, growth, layers and levels must all be at least 1, got "
                         f"{in_channels}, {out_channels}, {ngf}, {growth}, {layers}, {levels}")
    inputs = keras.Input((None, None, in_channels), name=f"{name}_input")  # (b, h, w, in)
    x = PadToMultiple(2 ** levels, name=f"{name}_pad")(inputs)  # (b, s, s, in), s a multiple of 2^levels
    shallow = keras.layers.Conv2D(ngf, 3, padding="same", kernel_initializer=init(),
                                  name=f"{name}_shallow_conv")(x)  # (b, s, s, ngf)
    x, skips = shallow, []
    for i in range(levels):
        x, _ = dense_block(x, layers=layers, growth=growth, ksize=ksize, name=f"{name}_down{i + 1}")
        skips.append(x)  # (b, s/2^i, ., c_i + layers*growth)
        x = _transition_down(x, name=f"{name}_td{i + 1}")  # (b, s/2^(i+1), ., same channels)
    _, new = dense_block(x, layers=layers, growth=growth, ksize=ksize, name=f"{name}_bottleneck")
    hierarchy = [(levels, new)]  # (level, new maps (b, s/2^level, ., layers*growth))
    for i in reversed(range(levels)):
        x = keras.layers.Conv2DTranspose(layers * growth, 3, strides=2, padding="same", kernel_initializer=init(),
                                         name=f"{name}_tu{i + 1}")(new)  # (b, s/2^i, ., layers*growth)
        x = keras.layers.Concatenate(name=f"{name}_skip{i + 1}")([x, skips[i]])
        _, new = dense_block(x, layers=layers, growth=growth, ksize=ksize, name=f"{name}_up{i + 1}")
        hierarchy.append((i, new))
    x = _global_fusion(hierarchy, ngf, name=f"{name}_gff")  # (b, s, s, ngf)
    x = keras.layers.Add(name=f"{name}_global_residual")([shallow, x])
    x = keras.layers.Conv2D(out_channels, 3, padding="same", activation="tanh", kernel_initializer=init(),
                            dtype="float32", name=f"{name}_out")(x)  # (b, s, s, out)
    return keras.Model(inputs, CropLike(dtype="float32", name=f"{name}_crop")([x, inputs]), name=name)


def _global_fusion(hierarchy, filters, *, name):
    """RDN's global feature fusion: every level's maps upsampled to full size, concatenated, 1x1 then 3x3 conv."""
    full = [maps if level == 0 else
            keras.layers.UpSampling2D(2 ** level, interpolation="bilinear", name=f"{name}_up{level}")(maps)
            for level, maps in hierarchy]  # each (b, s, s, layers*growth)
    x = keras.layers.Concatenate(name=f"{name}_concat")(full)  # (b, s, s, (levels+1)*layers*growth)
    x = keras.layers.Conv2D(filters, 1, kernel_initializer=init(), name=f"{name}_conv1")(x)
    return keras.layers.Conv2D(filters, 3, padding="same", kernel_initializer=init(), name=f"{name}_conv3")(x)


def size_multiple(params):
    """1: the Dense U-Net pads its input to a multiple of ``2**LEVELS`` itself."""
    return 1


def check_params(params, sources):
    """The table's check of the Dense U-Net: RESOL holds the symmetric padding (at least ``2**(LEVELS-1)``)."""
    if params.resol < 2 ** (params.levels - 1):
        raise TableError(f"{sources['LEVELS']}: LEVELS {params.levels} needs RESOL of at least "
                         f"{2 ** (params.levels - 1)}, not {params.resol}")
