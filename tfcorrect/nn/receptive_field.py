"""Receptive-field arithmetic for PatchGAN discriminators (no TensorFlow needed).

A PatchGAN here is ``pools`` 2x2 average poolings (each doubles the field of view, as in
multi-scale discriminators) followed by the pix2pix stack: ``n_down`` stride-2 convolutions
and two stride-1 convolutions, all with a ``ksize`` kernel. The default (no pooling, three
stride-2 layers, kernel 4) is the 70x70 PatchGAN; one pooling in front of it gives 140.
"""

MAX_POOLS = 3
MAX_DOWN = 6


def receptive_field(layers):
    """Receptive field in pixels of a stack of ``(kernel, stride)`` layers, input first."""
    field, jump = 1, 1
    for kernel, stride in layers:
        field += (kernel - 1) * jump
        jump *= stride
    return field


def patchgan_layers(pools, n_down, ksize):
    """The ``(kernel, stride)`` list of a PatchGAN with that many poolings and strided convolutions."""
    return [(2, 2)] * pools + [(ksize, 2)] * n_down + [(ksize, 1)] * 2


def patchgan_plan(fov, ksize=4):
    """The ``(pools, n_down)`` whose PatchGAN sees exactly ``fov`` pixels.

    Fewer poolings are preferred: they keep the discriminator at full resolution.

    Raises:
        ValueError: no plan reaches ``fov``; the message lists the reachable values.
    """
    for pools in range(MAX_POOLS + 1):
        for n_down in range(1, MAX_DOWN + 1):
            if receptive_field(patchgan_layers(pools, n_down, ksize)) == fov:
                return pools, n_down
    raise ValueError(f"a field of view of {fov} cannot be built with kernel {ksize}; "
                     f"reachable: {', '.join(map(str, reachable_fovs(ksize)))}")


def reachable_fovs(ksize=4):
    """Every field of view :func:`patchgan_plan` can build with kernel ``ksize``, ascending."""
    return sorted({
        receptive_field(patchgan_layers(pools, n_down, ksize))
        for pools in range(MAX_POOLS + 1)
        for n_down in range(1, MAX_DOWN + 1)
    })
