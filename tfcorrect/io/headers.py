"""What an image file's header says, read before OpenCV decodes it.

OpenCV allocates the whole image before it decodes any of it, and libpng, which it uses for PNG,
prints its own ``libpng error: ...`` line on stderr for a broken file. So :func:`read_header`
tells the format from the content, reads the width and height from the header and walks a PNG's
chunks: a file too large or a broken PNG is refused with one line naming it, and OpenCV never
sees it.
"""

import dataclasses
import struct
import zlib

from tfcorrect.errors import ImageError
from tfcorrect.io.tiff import TiffLayout, tiff_layout

# The largest image read: a 200-megapixel phone photo fits; its float32 RGB copy alone is 2.4 GB.
MAX_MEGAPIXELS = 256
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_TIFF_SIGNATURES = (b"II*\0", b"MM\0*", b"II+\0", b"MM\0+")  # classic TIFF and BigTIFF, both byte orders
# JPEG markers of a frame header (SOF0-SOF15 less DHT, JPG and DAC), which gives the size.
_JPEG_FRAMES = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_BARE = {0x01, *range(0xD0, 0xD8)}  # markers without a length (TEM, RST0-7)


@dataclasses.dataclass(frozen=True)
class Header:
    """An image file's format and size, and a TIFF's layout.

    Attributes:
        format: ``"png"``, ``"jpeg"``, ``"bmp"`` or ``"tiff"``, from the content (not the name).
        width, height: pixels, as stored.
        tiff: the first page's :class:`~tfcorrect.io.tiff.TiffLayout`, for a TIFF.
    """

    format: str
    width: int
    height: int
    tiff: TiffLayout | None = None


def read_header(path, encoded):
    """The :class:`Header` of a file's bytes, checked against :data:`MAX_MEGAPIXELS`.

    Args:
        path: the file, for messages.
        encoded: its bytes.

    Raises:
        ImageError: the content is not PNG, JPEG, BMP or TIFF; the header is cut off or damaged; a
            PNG's chunks are truncated or fail their CRC; or the image is larger than the limit.
    """
    for starts, read in _FORMATS:
        if encoded.startswith(starts):
            header = read(path, encoded)
            break
    else:
        raise ImageError(f"{path}: not a readable image (not PNG, JPEG, BMP or TIFF content)")
    if not header.width or not header.height:
        raise ImageError(f"{path}: not a readable image (its header gives {header.width} x {header.height} pixels)")
    megapixels = header.width * header.height / 1e6
    if megapixels > MAX_MEGAPIXELS:
        raise ImageError(f"{path}: {header.width} x {header.height} pixels ({megapixels:.0f} megapixels) is over the "
                         f"limit of {MAX_MEGAPIXELS} megapixels; scale it down first")
    return header


def _png(path, data):
    """Size from IHDR, after walking every chunk: complete, critical ones with a matching CRC, up to IEND."""
    data, at, name = memoryview(data), len(_PNG_SIGNATURE), ""
    while name != "IEND":
        if at + 8 > len(data):
            raise ImageError(f"{path}: not a readable image (truncated PNG: it ends before its IEND chunk)")
        length, kind = struct.unpack_from(">I4s", data, at)
        first, name = not name, kind.decode("latin-1")
        if first and (name != "IHDR" or length != 13):
            raise ImageError(f"{path}: not a readable image (damaged PNG: it does not start with an IHDR chunk)")
        if length > 2**31 - 1:
            raise ImageError(f"{path}: not a readable image (damaged PNG: a chunk length of {length} at byte {at})")
        end = at + 12 + length  # length and type, data, CRC
        if end > len(data):
            raise ImageError(f"{path}: not a readable image (truncated PNG: its {name} chunk runs past the end)")
        (crc,) = struct.unpack_from(">I", data, end - 4)
        if kind[0] & 0x20 == 0 and zlib.crc32(data[at + 4:end - 4]) != crc:  # ancillary chunks: lower-case first
            raise ImageError(f"{path}: not a readable image (damaged PNG: CRC mismatch in its {name} chunk)")
        at = end
    width, height = struct.unpack_from(">II", data, 16)
    return Header("png", width, height)


def _jpeg(path, data):
    """Size from the first frame header, found by hopping from marker to marker."""
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            break
        marker = data[at + 1]
        if marker == 0xFF or marker in _JPEG_BARE:  # a fill byte, or a marker without a length
            at += 1 if marker == 0xFF else 2
            continue
        if marker in (0xD9, 0xDA):  # end of image, or a scan before any frame header
            break
        if marker in _JPEG_FRAMES and at + 9 <= len(data):
            height, width = struct.unpack_from(">HH", data, at + 5)
            return Header("jpeg", width, height)
        at += 2 + struct.unpack_from(">H", data, at + 2)[0]
    raise ImageError(f"{path}: not a readable image (truncated or damaged JPEG: no frame header)")


def _bmp(path, data):
    if len(data) < 26:
        raise ImageError(f"{path}: not a readable image (truncated BMP header)")
    (info_size,) = struct.unpack_from("<I", data, 14)
    width, height = struct.unpack_from("<HH" if info_size == 12 else "<ii", data, 18)  # 12: OS/2 1.x header
    return Header("bmp", abs(width), abs(height))  # a negative height means rows stored top-down


def _tiff(path, data):
    layout = tiff_layout(path, data)
    return Header("tiff", layout.width, layout.height, tiff=layout)


# How each format's content starts, and the function reading its header.
_FORMATS = (((_PNG_SIGNATURE,), _png), ((b"\xff\xd8\xff",), _jpeg), ((b"BM",), _bmp), (_TIFF_SIGNATURES, _tiff))
