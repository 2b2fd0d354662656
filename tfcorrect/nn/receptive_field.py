"""Receptive-field arithmetic for PatchGAN discriminators (no TensorFlow needed).

A PatchGAN here is pix2pix's ``NLayerDiscriminator`` on the full-resolution pair: ``n_down``
stride-2 convolutions (pix2pix's ``n_layers``) and two stride-1 convolutions, all with a ``ksize``
kernel. A deeper stack sees more; with pix2pix's 4x4 kernels one logit sees:

    ======  =====  =============================================
    n_down  field  accepted FOV (within FOV_TOLERANCE_PERCENT)
    ======  =====  =============================================
    1       16     16
    2       34     34
    3       70     69-71 (pix2pix's default, the 70x70 PatchGAN)
    4       142    140-144 (Le Jeune's 140)
    5       286    281-291
    6       574    563-585
    ======  =====  =============================================

In general the field is ``1 + (ksize - 1) * (3 * 2**n_down - 1)``. A table's ``FOV`` builds the depth
whose field is closest, provided it is within ``FOV_TOLERANCE_PERCENT`` of that field: papers round
their fields (Le Jeune's "140" is the 142-px four-layer PatchGAN), and the tolerance is far below
the factor of about 2 between depths, so no FOV is ambiguous.
"""

MAX_DOWN = 6
FOV_TOLERANCE_PERCENT = 2


def receptive_field(layers):
    """Receptive field in pixels of a stack of ``(kernel, stride)`` layers, input first."""
    field, jump = 1, 1
    for kernel, stride in layers:
        field += (kernel - 1) * jump
        jump *= stride
    return field


def patchgan_layers(n_down, ksize):
    """The ``(kernel, stride)`` list of a PatchGAN with ``n_down`` strided convolutions."""
    return [(ksize, 2)] * n_down + [(ksize, 1)] * 2


def patchgan_fields(ksize=4):
    """``{n_down: field}`` for every PatchGAN depth from 1 to ``MAX_DOWN`` with kernel ``ksize``."""
    return {n_down: receptive_field(patchgan_layers(n_down, ksize)) for n_down in range(1, MAX_DOWN + 1)}


def patchgan_depth(fov, ksize=4):
    """The ``n_down`` whose PatchGAN field is closest to ``fov``, within ``FOV_TOLERANCE_PERCENT``.

    Raises:
        ValueError: no depth's field is close enough; the message lists the fields and the FOVs
            each accepts.
    """
    fields = patchgan_fields(ksize)
    n_down = min(fields, key=lambda n: abs(fields[n] - fov))
    if 100 * abs(fields[n_down] - fov) <= FOV_TOLERANCE_PERCENT * fields[n_down]:
        return n_down
    raise ValueError(f"no PatchGAN depth with kernel {ksize} sees {fov} px (within {FOV_TOLERANCE_PERCENT}%); "
                     f"reachable: {', '.join(_accepted(field) for field in fields.values())}")


def _accepted(field):
    """``field``, and the FOVs that build it when they are more than itself: ``"142 (140-144)"``."""
    low = -(-field * (100 - FOV_TOLERANCE_PERCENT) // 100)  # ceiling, in integers
    high = field * (100 + FOV_TOLERANCE_PERCENT) // 100
    return f"{field} ({low}-{high})" if low < high else str(field)
