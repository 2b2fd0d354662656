"""Files that must be refused before OpenCV decodes them, and quietly: one line of ours, none of libpng's."""

import struct
import subprocess
import sys
import zlib

import cv2
import numpy as np
import pytest
import tifffile
from skimage import data

from tfcorrect.errors import ImageError
from tfcorrect.io.folders import mirror_paths, run_per_file
from tfcorrect.io.images import read_image, write_image
from conftest import ROOT

SIDE = 20000  # 20000 x 20000 = 400 megapixels, over the stated limit of 256


def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def huge_png():
    """A valid PNG header claiming 20000 x 20000 RGB, with one row of data: under 1 kB on disk."""
    header = struct.pack(">IIBBBBB", SIDE, SIDE, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(3 * SIDE + 1)))
            + chunk(b"IEND", b""))


def huge_jpeg():
    """A real JPEG of chelsea whose frame header (SOF0) claims 20000 x 20000."""
    encoded = bytearray(cv2.imencode(".jpg", data.chelsea())[1].tobytes())
    at = encoded.index(b"\xff\xc0")
    encoded[at + 5:at + 9] = struct.pack(">HH", SIDE, SIDE)
    return bytes(encoded)


def huge_bmp():
    encoded = bytearray(cv2.imencode(".bmp", data.chelsea())[1].tobytes())
    encoded[18:26] = struct.pack("<ii", SIDE, SIDE)
    return bytes(encoded)


def huge_tiff(path):
    tifffile.imwrite(path, data.chelsea(), photometric="rgb")
    encoded = bytearray(path.read_bytes())
    with tifffile.TiffFile(path) as tif:
        for code in (256, 257):  # ImageWidth, ImageLength
            tag = tif.pages[0].tags[code]
            encoded[tag.valueoffset:tag.valueoffset + 2] = struct.pack("<H", SIDE)
    return bytes(encoded)


# Reads one file under an address-space limit a little above what Python and OpenCV already hold:
# a decoder allocating the claimed 1.2 GB would fail (and the message would not name the limit).
READ_UNDER_LIMIT = """
import resource, sys, time
from tfcorrect.errors import ImageError
from tfcorrect.io.images import read_image
status = open("/proc/self/status").read()
size = int(status.split("VmSize:")[1].split()[0]) * 1024
resource.setrlimit(resource.RLIMIT_AS, (size + 300 * 2**20, resource.RLIM_INFINITY))
start = time.perf_counter()
try:
    read_image(sys.argv[1])
except ImageError as err:
    print(err)
print(f"{time.perf_counter() - start:.3f}")
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc and limits the address space")
@pytest.mark.parametrize("suffix", [".png", ".jpg", ".bmp", ".tif"])
def test_an_image_claiming_400_megapixels_is_refused_from_its_header(tmp_path, suffix):
    path = tmp_path / f"huge{suffix}"
    encoded = {".png": huge_png, ".jpg": huge_jpeg, ".bmp": huge_bmp}.get(suffix, lambda: huge_tiff(path))()
    path.write_bytes(encoded)
    assert path.stat().st_size < 2_000_000
    result = subprocess.run([sys.executable, "-c", READ_UNDER_LIMIT, str(path)], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    message, seconds = result.stdout.splitlines()
    assert result.returncode == 0 and result.stderr == ""
    assert message.startswith(f"{path}: ") and "20000 x 20000" in message
    assert "400 megapixels" in message and "256 megapixels" in message
    assert float(seconds) < 1.0


def test_a_photo_under_the_limit_is_still_read(tmp_path):
    path = tmp_path / "chelsea.png"
    write_image(path, data.chelsea() / 255)
    assert read_image(path).pixels.shape == (300, 451, 3)


def chelsea_png():
    return cv2.imencode(".png", data.chelsea())[1].tobytes()


def damaged(encoded):
    """``encoded`` with ten bytes in the middle of its pixel data zeroed (the chunk's CRC no longer fits)."""
    at = encoded.index(b"IDAT") + 5000
    return encoded[:at] + bytes(10) + encoded[at + 10:]


@pytest.mark.parametrize("name,content,reason", [
    ("half.png", lambda: chelsea_png()[: len(chelsea_png()) // 2], "truncated"),
    ("no_end.png", lambda: chelsea_png()[:-12], "truncated"),
    ("signature_only.png", lambda: b"\x89PNG\r\n\x1a\n truncated", "damaged"),
    ("damaged.png", lambda: damaged(chelsea_png()), "CRC"),
])
def test_a_broken_png_is_one_line_of_ours_and_nothing_from_libpng(tmp_path, capfd, name, content, reason):
    (tmp_path / name).write_bytes(content())
    with pytest.raises(ImageError) as excinfo:
        read_image(tmp_path / name)
    message = str(excinfo.value)
    assert message.startswith(f"{tmp_path / name}: ") and reason in message and "\n" not in message
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize("suffix", [".bmp", ".tif", ".jpg"])
def test_a_truncated_file_of_other_formats_leaves_no_decoder_lines_on_stderr(tmp_path, capfd, suffix):
    encoded = cv2.imencode(suffix, data.chelsea())[1].tobytes()
    (tmp_path / f"cut{suffix}").write_bytes(encoded[: len(encoded) // 2])
    with pytest.raises(ImageError, match=rf"cut\{suffix}: "):
        read_image(tmp_path / f"cut{suffix}")
    assert capfd.readouterr().err == ""


def test_in_a_folder_a_broken_png_is_named_once_and_the_others_are_written(tmp_path, capfd):
    source = tmp_path / "in"
    write_image(source / "good.png", data.coffee() / 255)
    (source / "broken.png").write_bytes(damaged(chelsea_png()))
    (source / "cut.png").write_bytes(chelsea_png()[:3000])
    pairs = mirror_paths(source, tmp_path / "out")
    assert run_per_file(pairs, lambda src, dst: write_image(dst, read_image(src).pixels), progress=False) == (1, 2)
    lines = [line for line in capfd.readouterr().err.splitlines() if line]  # each failure starts a new line
    assert len(lines) == 2 and all(line.startswith("failed: ") for line in lines)
    assert sum("broken.png" in line for line in lines) == 1 and sum("cut.png" in line for line in lines) == 1
    assert (tmp_path / "out" / "good.png").is_file()


def test_content_of_none_of_the_four_formats_is_refused_even_if_opencv_could_read_it(tmp_path):
    (tmp_path / "photo.jpg").write_bytes(cv2.imencode(".webp", data.chelsea())[1].tobytes())
    with pytest.raises(ImageError, match=r"photo\.jpg: not a readable image"):
        read_image(tmp_path / "photo.jpg")
