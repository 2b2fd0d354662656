"""Reading, writing and finding image files.

Pixels travel through the package as float32 arrays in [0, 1], RGB (``HxWx3``) or gray
(``HxWx1``); a file's alpha channel travels next to them, untouched. OpenCV decodes
(:mod:`tfcorrect.io.decode`) and encodes the files; :mod:`tfcorrect.io.headers` checks a file's
header (size, a PNG's chunks) before, and :mod:`tfcorrect.io.tiff` puts right the TIFF layouts
OpenCV reads wrongly. Every failure is an :class:`~tfcorrect.errors.ImageError` whose one-line
message starts with the file's path.
"""

import dataclasses
import pathlib

import cv2
import numpy as np

from tfcorrect.errors import ImageError
from tfcorrect.io.atomic import write_bytes
from tfcorrect.io.decode import decode
from tfcorrect.io.headers import read_header
from tfcorrect.io.walk import walk_files

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")
_SIXTEEN_BIT_EXTENSIONS = (".png", ".tif", ".tiff")
_NO_ALPHA_EXTENSIONS = (".jpg", ".jpeg")

_DTYPES = {8: np.uint8, 16: np.uint16}
_BITS = {np.dtype(dtype): bits for bits, dtype in _DTYPES.items()}
_BAND_SAMPLES = 1 << 22  # samples to_uint converts at once (16 MiB of float32)


@dataclasses.dataclass(frozen=True, eq=False)
class Image:
    """A decoded image file.

    Attributes:
        pixels: float32 ``HxWx3`` (RGB) or ``HxWx1`` (gray), values in [0, 1].
        alpha: float32 ``HxW`` in [0, 1], or None when the file has no alpha channel.
        bit_depth: 8 or 16, the sample depth stored in the file.
    """

    pixels: np.ndarray
    alpha: np.ndarray | None
    bit_depth: int

    @property
    def height(self):
        """Rows of pixels."""
        return self.pixels.shape[0]

    @property
    def width(self):
        """Columns of pixels."""
        return self.pixels.shape[1]

    @property
    def is_gray(self):
        """True for a single-channel image."""
        return self.pixels.shape[2] == 1


def _is_supported(path):
    return path.suffix.lower() in IMAGE_EXTENSIONS


def _check_extension(path):
    if not _is_supported(path):
        expected = ", ".join(IMAGE_EXTENSIONS)
        raise ImageError(f"{path}: unsupported extension {path.suffix!r}; expected one of {expected}")


def read_image(path):
    """Read an image file, applying its EXIF (or TIFF) orientation.

    Gray files give one channel and colour files three, even when the three are equal;
    gray+alpha PNGs come back as RGB (OpenCV expands them), gray+alpha TIFFs as gray. CMYK
    TIFFs come back as RGB; TIFF alpha is read as stored, unassociated or not. 8- and 16-bit
    samples only, at most :data:`~tfcorrect.io.headers.MAX_MEGAPIXELS`.

    Args:
        path: a file with one of :data:`IMAGE_EXTENSIONS`; non-ASCII names are fine.

    Returns:
        The decoded :class:`Image`.

    Raises:
        ImageError: the file is missing, unreadable, corrupt, truncated, too large or of an
            unsupported kind.
    """
    path = pathlib.Path(path)
    _check_extension(path)
    try:
        encoded = path.read_bytes()  # cv2.imread cannot open non-ASCII paths on Windows
    except OSError as err:
        raise ImageError(f"{path}: {err.strerror or err}") from err
    if not encoded:
        raise ImageError(f"{path}: empty file")
    tiff = read_header(path, encoded).tiff
    decoded = decode(path, encoded, tiff)
    if decoded is None:
        raise ImageError(f"{path}: not a readable image (corrupt, truncated or unknown format)")
    return _to_image(path, decoded, has_alpha=None if tiff is None else tiff.has_alpha)


def read_rgb(path):
    """An image file as float32 RGB in [0, 1] (gray repeated, alpha dropped), and its :class:`Image`."""
    image = read_image(path)
    pixels = np.repeat(image.pixels, 3, axis=-1) if image.pixels.shape[-1] == 1 else image.pixels
    return pixels, image


def _to_image(path, decoded, *, has_alpha=None):
    """``decoded`` OpenCV samples as an :class:`Image`; ``has_alpha=False`` drops a 4th channel OpenCV added."""
    bit_depth = _BITS.get(decoded.dtype)
    if bit_depth is None:
        raise ImageError(f"{path}: unsupported sample type {decoded.dtype}; expected 8- or 16-bit integers")
    decoded = decoded.reshape(*decoded.shape[:2], -1)  # HxW gray -> HxWx1
    if has_alpha is False and decoded.shape[2] == 4:
        decoded = decoded[..., :3]  # libtiff's RGBA interface gives CMYK an opaque alpha
    channels = decoded.shape[2]
    if channels not in (1, 2, 3, 4):
        raise ImageError(f"{path}: unsupported number of channels {channels}")
    scale = np.float32(np.iinfo(decoded.dtype).max)
    alpha = decoded[..., -1].astype(np.float32) / scale if channels in (2, 4) else None
    to_rgb = cv2.COLOR_BGRA2RGB if channels == 4 else cv2.COLOR_BGR2RGB
    color = cv2.cvtColor(decoded, to_rgb) if channels >= 3 else decoded[..., :1]
    pixels = color.astype(np.float32)
    pixels /= scale  # in place: one float copy of the photo, not two
    return Image(pixels=pixels, alpha=alpha, bit_depth=bit_depth)


def to_uint(pixels, bit_depth):
    """Clip values to [0, 1] and round them to unsigned integers.

    Args:
        pixels: array-like of floats; any shape.
        bit_depth: 8 (to uint8, 0..255) or 16 (to uint16, 0..65535).

    Returns:
        An array of the same shape, uint8 or uint16.

    Raises:
        ValueError: ``bit_depth`` is neither 8 nor 16.
    """
    if bit_depth not in _DTYPES:
        raise ValueError(f"bit_depth must be 8 or 16, not {bit_depth!r}")
    dtype = _DTYPES[bit_depth]
    pixels = np.asarray(pixels)
    if pixels.ndim == 0:
        return to_uint(pixels[None], bit_depth).reshape(())
    samples = np.empty(pixels.shape, dtype)
    rows = max(1, _BAND_SAMPLES // max(1, pixels[0].size))  # a band at a time: no float copy of a whole image
    for top in range(0, len(pixels), rows):
        scaled = np.clip(pixels[top:top + rows].astype(np.float32), 0.0, 1.0) * np.iinfo(dtype).max
        samples[top:top + rows] = np.rint(scaled, out=scaled)
    return samples


def shrink_to(pixels, long_side):
    """``pixels`` scaled down by area averaging so the longer side is at most ``long_side`` pixels.

    Smaller images, and any image when ``long_side`` is 0 or ``None``, are returned as they are.
    The array keeps its rank: an ``HxWx1`` image stays ``HxWx1``.
    """
    height, width = pixels.shape[:2]
    scale = long_side / max(height, width) if long_side else 1.0
    if scale >= 1:
        return pixels
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA).reshape(size[1], size[0], *pixels.shape[2:])


def write_image(path, pixels, *, alpha=None, bit_depth=8):
    """Write an image file atomically: the target is either fully written or left as it was.

    The encoded file goes to a hidden temporary file next to the target, which then replaces
    the target; missing parent folders are created. OpenCV cannot write gray+alpha, so a gray
    image with alpha is written as RGB with the gray value in all three channels.

    Args:
        path: the target; its extension (one of :data:`IMAGE_EXTENSIONS`) picks the format.
        pixels: floats in [0, 1] (clipped), ``HxWx3`` RGB, ``HxWx1`` or ``HxW`` gray.
        alpha: optional ``HxW`` floats in [0, 1], written as a 4th channel (not for JPEG).
        bit_depth: 8, or 16 for PNG and TIFF.

    Raises:
        ImageError: unsupported extension, depth or shape, or the file cannot be written.
    """
    path = pathlib.Path(path)
    samples = _to_samples(path, pixels, alpha, bit_depth)
    try:
        ok, encoded = cv2.imencode(path.suffix.lower(), samples)
    except cv2.error:
        ok = False
    if not ok:
        raise ImageError(f"{path}: OpenCV could not encode the image")
    _write_atomic(path, encoded.tobytes())


def _to_samples(path, pixels, alpha, bit_depth):
    """Check what is asked for and return the integer BGR(A) array OpenCV encodes."""
    _check_extension(path)
    suffix = path.suffix.lower()
    if bit_depth not in _DTYPES:
        raise ImageError(f"{path}: bit depth must be 8 or 16, not {bit_depth!r}")
    if bit_depth == 16 and suffix not in _SIXTEEN_BIT_EXTENSIONS:
        raise ImageError(f"{path}: {suffix} cannot store 16-bit samples; use .png or .tif")
    if alpha is not None and suffix in _NO_ALPHA_EXTENSIONS:
        raise ImageError(f"{path}: JPEG cannot store an alpha channel; use .png or .tif")
    pixels = np.asarray(pixels)
    if pixels.ndim == 2:
        pixels = pixels[..., np.newaxis]
    if pixels.ndim != 3 or pixels.shape[2] not in (1, 3) or 0 in pixels.shape:
        raise ImageError(f"{path}: cannot write pixels of shape {pixels.shape}; expected HxWx3, HxWx1 or HxW")
    samples = to_uint(pixels, bit_depth)
    if alpha is None:
        return cv2.cvtColor(samples, cv2.COLOR_RGB2BGR) if samples.shape[2] == 3 else samples
    alpha = np.asarray(alpha)
    if alpha.shape != pixels.shape[:2]:
        raise ImageError(f"{path}: alpha of shape {alpha.shape} does not match pixels of shape {pixels.shape}")
    if samples.shape[2] == 1:
        samples = np.repeat(samples, 3, axis=2)
    return np.dstack([cv2.cvtColor(samples, cv2.COLOR_RGB2BGR), to_uint(alpha, bit_depth)])


def _write_atomic(path, data):
    """Write bytes atomically beside ``path``; an OS failure becomes an ImageError naming it."""
    try:
        write_bytes(path, data)
    except OSError as err:
        raise ImageError(f"{path}: {err.strerror or err}") from err


def list_images(root):
    """List image files by extension (case-insensitive); the files are not opened.

    Args:
        root: an image file, or a folder searched recursively. Below a folder, files and
            folders whose names start with '.' are skipped; symlinked folders are followed,
            except a link back to a folder holding it (named in a warning, see
            :mod:`tfcorrect.io.walk`).

    Returns:
        ``[root]`` for a file; for a folder, the sorted paths of its images (possibly none),
        each starting with ``root`` as given.

    Raises:
        ImageError: ``root`` does not exist, is a file with an unsupported extension, or a
            folder below it cannot be listed.
    """
    root = pathlib.Path(root)
    if root.is_dir():
        return sorted(path for path in walk_files(root) if _is_supported(path))
    if not root.exists():
        raise ImageError(f"{root}: no such file or directory")
    _check_extension(root)
    return [root]
