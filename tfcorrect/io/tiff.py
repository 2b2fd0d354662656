"""TIFF layouts OpenCV reads wrongly, put right.

OpenCV decodes 8-bit TIFFs other than plain gray and RGB through libtiff's RGBA interface, which
premultiplies unassociated alpha (what Pillow, tifffile and most editors write for RGBA), gives
CMYK an opaque alpha channel and drops the alpha of gray+alpha; it cannot read gray+alpha or CMYK
at 16 bits at all. :func:`tiff_layout` reads the first page's tags with tifffile (no pixels);
:func:`for_opencv` marks unassociated alpha "unspecified" in a copy of the bytes, which libtiff
hands over as stored; :func:`decode_with_tifffile` decodes what OpenCV cannot.
"""

import contextlib
import dataclasses
import io
import logging
import struct
import threading

import numpy as np
import tifffile

from tfcorrect.errors import ImageError

_MINISWHITE, _MINISBLACK, _SEPARATED = 0, 1, 5
# Colour samples per pixel of each PhotometricInterpretation; samples beyond them are extra (alpha).
_COLOUR_SAMPLES = {0: 1, 1: 1, 2: 3, 3: 1, 5: 4, 6: 3, 8: 3}
_UNASSOCIATED, _UNSPECIFIED, _SHORT = 2, 0, 3
# The displayed image of each Orientation tag value (as in EXIF), from the stored rows and columns.
_ORIENT = {
    1: lambda a: a,
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.swapaxes(0, 1),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: np.rot90(a, -1)[::-1],
    8: lambda a: np.rot90(a, 1),
}


class _WhileWeRead(logging.Filter):
    """Drops tifffile's log lines (``<tifffile.TiffPage 0 @8> incorrect ...``) about a file this thread reads for us."""

    def __init__(self):
        super().__init__()
        self._reading = threading.local()

    def filter(self, record):
        return not getattr(self._reading, "active", False)

    @contextlib.contextmanager
    def reading(self):
        self._reading.active = True
        try:
            yield
        finally:
            self._reading.active = False


_QUIET_TIFFFILE = _WhileWeRead()
logging.getLogger("tifffile").addFilter(_QUIET_TIFFFILE)


@dataclasses.dataclass(frozen=True)
class TiffLayout:
    """The first page of a TIFF, as its tags describe it.

    Attributes:
        width, height: pixels, as stored (before the orientation is applied).
        photometric: the PhotometricInterpretation tag (1 gray, 2 RGB, 5 CMYK, ...).
        samples: samples per pixel, extra ones (alpha) included.
        bits: bits per sample.
        compression: the compression's name, for messages.
        unassociated_at: file offsets of the ExtraSamples values that say "unassociated alpha".
        byteorder: ``"<"`` or ``">"``.
    """

    width: int
    height: int
    photometric: int
    samples: int
    bits: int
    compression: str
    unassociated_at: tuple = ()
    byteorder: str = "<"

    @property
    def has_alpha(self):
        """True when the page has a sample beyond its colours: its alpha."""
        return self.samples > _COLOUR_SAMPLES.get(self.photometric, 3)

    @property
    def opencv_cannot_read(self):
        """Gray+alpha (OpenCV drops the alpha, and 16 bits), CMYK at 16 bits or with alpha (OpenCV fails)."""
        gray = self.photometric in (_MINISWHITE, _MINISBLACK)
        cmyk = self.photometric == _SEPARATED
        return self.bits in (8, 16) and ((gray or cmyk) and self.has_alpha or cmyk and self.bits == 16)


def tiff_layout(path, encoded):
    """The :class:`TiffLayout` of the bytes of a TIFF file; an unparsable file names ``path``."""
    try:
        with _QUIET_TIFFFILE.reading(), tifffile.TiffFile(io.BytesIO(encoded)) as tif:
            page = tif.pages[0]
            extra = page.tags.get(338)  # ExtraSamples
            unassociated = ()
            if extra is not None and extra.dtype == _SHORT:
                values = np.atleast_1d(extra.value)
                unassociated = tuple(extra.valueoffset + 2 * i for i, v in enumerate(values) if v == _UNASSOCIATED)
            return TiffLayout(width=page.imagewidth, height=page.imagelength, photometric=int(page.photometric),
                              samples=page.samplesperpixel, bits=page.bitspersample, compression=page.compression.name,
                              unassociated_at=unassociated, byteorder=tif.byteorder)
    except Exception as err:  # tifffile raises many kinds for a damaged file
        raise ImageError(f"{path}: not a readable image (damaged TIFF: {str(err).splitlines()[0]})") from err


def for_opencv(encoded, layout):
    """``encoded``, or a copy whose unassociated alpha is marked unspecified so libtiff does not premultiply it."""
    if not layout.unassociated_at:
        return encoded
    patched = bytearray(encoded)
    for at in layout.unassociated_at:
        patched[at:at + 2] = struct.pack(f"{layout.byteorder}H", _UNSPECIFIED)
    return bytes(patched)


def decode_with_tifffile(path, encoded, layout):
    """The first page as an OpenCV would give it: gray(+alpha) or BGR(+alpha) samples, orientation applied.

    CMYK becomes RGB as libtiff converts it: ``R = (1 - C)(1 - K)``, without colour management.
    """
    try:
        with _QUIET_TIFFFILE.reading(), tifffile.TiffFile(io.BytesIO(encoded)) as tif:
            page = tif.pages[0]
            samples = page.asarray()
            if page.planarconfig == tifffile.PLANARCONFIG.SEPARATE:
                samples = np.moveaxis(samples, 0, -1)  # one plane per sample to interleaved
            orientation = int(page.tags.valueof(274, 1))  # Orientation
    except ValueError as err:
        if "imagecodecs" not in str(err):
            raise ImageError(f"{path}: not a readable image (damaged TIFF: {str(err).splitlines()[0]})") from err
        kind = "CMYK" if layout.photometric == _SEPARATED else "gray+alpha"
        raise ImageError(f"{path}: a {kind} TIFF compressed with {layout.compression} cannot be read; save it "
                         "uncompressed or with Deflate (zip), or as PNG") from err
    except Exception as err:  # tifffile raises many kinds for a damaged file
        raise ImageError(f"{path}: not a readable image (damaged TIFF: {str(err).splitlines()[0]})") from err
    if samples.size != layout.height * layout.width * layout.samples:
        raise ImageError(f"{path}: unsupported TIFF layout (samples of shape {samples.shape})")
    samples = samples.reshape(layout.height, layout.width, layout.samples)
    if samples.dtype not in (np.uint8, np.uint16):
        return samples  # refused, by its sample type, where it is turned into an Image
    top = np.iinfo(samples.dtype).max
    if layout.photometric == _MINISWHITE:
        samples = np.concatenate([top - samples[..., :1], samples[..., 1:]], axis=-1)
    if layout.photometric == _SEPARATED:
        ink = samples.astype(np.float32) / top
        rgb = (1 - ink[..., :3]) * (1 - ink[..., 3:4])
        bgr = np.rint(rgb[..., ::-1] * top).astype(samples.dtype)
        samples = np.concatenate([bgr, samples[..., 4:5]], axis=-1)
    return np.ascontiguousarray(_ORIENT.get(orientation, _ORIENT[1])(samples))
