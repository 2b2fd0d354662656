"""Classical corrections a learned model is compared against, on float RGB images in [0, 1]."""

import numpy as np
from skimage import exposure as skexposure

from tfcorrect.data import exposure


def identity(image):
    """The input unchanged: what doing nothing scores."""
    return np.asarray(image, np.float32)


def inverse_overexposure(image, gamma=1 / 2.2, tau=0.5):
    """Seed 003's trivial inverse of its overexposure simulation (exact on unclipped pixels)."""
    return exposure.invert_overexposure(np.asarray(image, np.float32), gamma, tau).numpy()


def clahe(image):
    """Contrast-limited adaptive histogram equalisation (``skimage.exposure.equalize_adapthist``)."""
    return skexposure.equalize_adapthist(np.asarray(image, np.float32)).astype(np.float32)


def histogram_equalisation(image):
    """Global histogram equalisation of each channel (``skimage.exposure.equalize_hist``)."""
    image = np.asarray(image, np.float32)
    channels = [skexposure.equalize_hist(image[..., c]) for c in range(image.shape[-1])]
    return np.stack(channels, axis=-1).astype(np.float32)


def global_reexposure(image):
    """One scale factor in linear light bringing the mean encoded value to mid-gray."""
    return exposure.global_reexposure(np.asarray(image, np.float32)[None]).numpy()[0]


def white_point_reexposure(image):
    """One scale factor in linear light bringing the brightest 0.5 % of pixels to white."""
    image = np.asarray(image, np.float32)[None]
    linear = exposure.srgb_to_linear(image) * exposure.white_point_gain(image)
    return exposure.linear_to_srgb(linear).numpy()[0]


# --baselines name -> function(image) -> corrected image.
BASELINES = {
    "identity": identity,
    "inverse": inverse_overexposure,
    "histogram_equalisation": histogram_equalisation,
    "clahe": clahe,
    "global_reexposure": global_reexposure,
    "white_point_reexposure": white_point_reexposure,
}
