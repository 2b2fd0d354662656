"""A phone-like rendering of photos, for a DPED-like folder of phone/DSLR pairs when the real DPED is not at hand."""

import zlib

import numpy as np

from tfcorrect.data.simulate import simulate_folder

# The phone-like rendering (see phone_degradation).
PHONE_SEED = 2026
PHONE_BLUR_SIGMA = 1.0
PHONE_TONE = (0.04, 0.88, 1.25)  # black lift, range, exponent: x -> 0.04 + 0.88 * x**1.25
PHONE_COLOUR_GAINS = (1.08, 1.0, 0.86)
PHONE_DESATURATION = 0.15
PHONE_NOISE = (0.01, 0.02)  # standard deviation a + b * sqrt(x), per pixel and channel


def phone_degradation(image, rng):
    """A phone-like rendering of an RGB photo in [0, 1]: blur, flat tone curve, colour cast, sensor noise.

    In order: a Gaussian blur of ``PHONE_BLUR_SIGMA`` px (a small lens, demosaicing), a tone curve
    with lifted blacks, dimmed highlights and darker mid-tones (``PHONE_TONE``), a warm cast
    (``PHONE_COLOUR_GAINS`` per RGB channel) with ``PHONE_DESATURATION`` of the saturation taken
    away, and Gaussian noise per pixel and channel whose deviation grows with the signal
    (``PHONE_NOISE``). The noise comes from ``rng`` (a ``numpy.random.Generator``) only, so a
    seeded generator gives the same image on every run.

    Returns:
        ``float32`` pixels in [0, 1], the shape of ``image``.
    """
    import cv2

    x = cv2.GaussianBlur(np.asarray(image, np.float32), (0, 0), PHONE_BLUR_SIGMA)
    lift, span, exponent = PHONE_TONE
    x = lift + span * x ** exponent
    x = x * np.asarray(PHONE_COLOUR_GAINS, np.float32)
    gray = x @ np.asarray([0.299, 0.587, 0.114], np.float32)
    x = gray[..., None] + (1 - PHONE_DESATURATION) * (x - gray[..., None])
    x = x + rng.normal(size=x.shape).astype(np.float32) * (PHONE_NOISE[0] + PHONE_NOISE[1] * np.sqrt(np.clip(x, 0, 1)))
    return np.clip(x, 0.0, 1.0).astype(np.float32)


def simulate_phone_folder(source, output_dir, *, seed=PHONE_SEED, progress=True):
    """Render every photo below ``source`` as a phone might (:func:`phone_degradation`), as a ``paired`` folder.

    Writes ``output_dir/input/<rel>.png`` (the phone-like rendering) and
    ``output_dir/target/<rel>.png`` (the photo, standing for the DSLR's). The noise of each photo
    is seeded by ``seed`` and the photo's file name, so a rerun writes the same files.

    Args:
        source: a photo, or a folder searched recursively.
        output_dir: the folder to write; neither ``source`` nor inside it, nor around it.
        seed: the noise seed.
        progress: show a progress bar.

    Returns:
        ``(written, failed)`` counts of source photos.

    Raises:
        UserError: ``source`` is missing or holds no image, or the folders overlap.
    """
    def render(pixels, path):
        return phone_degradation(pixels, np.random.default_rng([seed, zlib.crc32(path.name.encode())]))

    return simulate_folder(source, output_dir, [("", render)], progress)
