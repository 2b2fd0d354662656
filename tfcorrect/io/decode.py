"""File bytes to OpenCV's samples (BGR(A) or gray, 8 or 16 bit), without OpenCV's log lines.

OpenCV logs its decoders' complaints about a broken file (``[ERROR:0@...] ... TIFF_Error ...``)
on stderr; the caller names the file in one line instead. TIFF layouts OpenCV reads wrongly go
through :mod:`tfcorrect.io.tiff`.
"""

import threading

import cv2
import numpy as np

from tfcorrect.io.tiff import decode_with_tifffile, for_opencv

# COLOR | ANYDEPTH | ANYCOLOR together make OpenCV (>= 4.11) keep the file's own depth and
# channels, alpha included, like IMREAD_UNCHANGED; unlike IMREAD_UNCHANGED, the EXIF
# orientation is applied. TIFF's own Orientation tag is applied by the TIFF decoder.
_READ_FLAGS = cv2.IMREAD_COLOR | cv2.IMREAD_ANYDEPTH | cv2.IMREAD_ANYCOLOR


def decode(path, encoded, tiff=None):
    """OpenCV's samples of ``encoded``, or None when it cannot decode them.

    Args:
        path: the file, for messages.
        encoded: the file's bytes.
        tiff: a TIFF's :class:`~tfcorrect.io.tiff.TiffLayout`, or None for other formats.

    Raises:
        ImageError: a TIFF that tifffile decodes in OpenCV's place is damaged or compressed in a
            way it cannot decode.
    """
    if tiff is not None and tiff.opencv_cannot_read:
        return decode_with_tifffile(path, encoded, tiff)
    if tiff is not None:
        encoded = for_opencv(encoded, tiff)
    with _QUIET_OPENCV:
        try:
            return cv2.imdecode(np.frombuffer(encoded, np.uint8), _READ_FLAGS)
        except cv2.error:
            return None


class _QuietOpenCV:
    """OpenCV's log level set to silent while any thread decodes, and put back when the last one is done."""

    def __init__(self):
        self._lock, self._decoding, self._level = threading.Lock(), 0, None

    def __enter__(self):
        with self._lock:
            if not self._decoding:
                self._level = cv2.utils.logging.getLogLevel()
                cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
            self._decoding += 1

    def __exit__(self, *exc_info):
        with self._lock:
            self._decoding -= 1
            if not self._decoding:
                cv2.utils.logging.setLogLevel(self._level)


_QUIET_OPENCV = _QuietOpenCV()
