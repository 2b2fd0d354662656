"""TIFF files of other writers: unassociated alpha as stored, CMYK as RGB, gray+alpha kept.

OpenCV reads 8-bit TIFFs through libtiff's RGBA interface, which premultiplies unassociated alpha,
adds an opaque alpha to CMYK and drops the alpha of gray+alpha. These tests write real photos with
Pillow and tifffile (as other programs would) and compare what is read with the same pixels as PNG.
"""

import io

import cv2
import numpy as np
import pytest
import tifffile
from PIL import Image as PILImage
from skimage import data

from tfcorrect.errors import ImageError
from tfcorrect.io.images import read_image, to_uint, write_image


def matte(shape):
    """A cut-out matte: the horse silhouette scaled to ``shape`` with a feathered edge (many partial values)."""
    horse = (~data.horse()).astype(np.float32)
    soft = cv2.GaussianBlur(cv2.resize(horse, shape[::-1], interpolation=cv2.INTER_AREA), (0, 0), 6)
    return np.clip(soft * 1.05, 0, 1)


def rgba8():
    astronaut = data.astronaut()
    alpha = to_uint(matte(astronaut.shape[:2]), 8)
    assert ((alpha > 0) & (alpha < 255)).mean() > 0.2  # premultiplying would change these pixels
    return np.dstack([astronaut, alpha])


def extrasamples(path):
    with tifffile.TiffFile(path) as tif:
        return tuple(int(value) for value in tif.pages[0].extrasamples)


def cmyk_of(rgb):
    """RGB in [0, 1] as CMYK with the black drawn out (K = 1 - max(R, G, B)), as a print shop would send it."""
    black = 1 - rgb.max(axis=-1, keepdims=True)
    ink = (1 - rgb - black) / np.maximum(1 - black, 1e-6)
    return np.concatenate([ink, black], axis=-1)


def test_8_bit_rgba_tiff_of_pillow_reads_like_the_same_png(tmp_path):
    rgba = rgba8()
    PILImage.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    PILImage.fromarray(rgba, "RGBA").save(tmp_path / "a.tif", compression="tiff_lzw")
    assert extrasamples(tmp_path / "a.tif") == (2,)  # Pillow marks RGBA as unassociated alpha
    png, tif = read_image(tmp_path / "a.png"), read_image(tmp_path / "a.tif")
    np.testing.assert_array_equal(tif.pixels, png.pixels)
    np.testing.assert_array_equal(tif.alpha, png.alpha)
    np.testing.assert_array_equal(to_uint(tif.pixels, 8), rgba[..., :3])


@pytest.mark.parametrize("bits,options", [(8, {}), (8, {"tile": (128, 128)}), (16, {"compression": "zlib"})])
def test_rgba_tiff_of_tifffile_reads_like_the_same_png(tmp_path, bits, options):
    rgba = rgba8().astype(np.uint16) * 257 + np.arange(4, dtype=np.uint16) if bits == 16 else rgba8()
    tifffile.imwrite(tmp_path / "a.tif", rgba, photometric="rgb", **options)
    assert extrasamples(tmp_path / "a.tif") == (2,)  # tifffile marks a 4th sample of RGB as unassociated alpha
    scale = np.float32(2**bits - 1)
    write_image(tmp_path / "a.png", rgba[..., :3] / scale, alpha=rgba[..., 3] / scale, bit_depth=bits)
    png, tif = read_image(tmp_path / "a.png"), read_image(tmp_path / "a.tif")
    assert tif.bit_depth == bits
    np.testing.assert_array_equal(tif.pixels, png.pixels)
    np.testing.assert_array_equal(tif.alpha, png.alpha)


def test_the_file_itself_is_not_changed_by_reading_it(tmp_path):
    PILImage.fromarray(rgba8(), "RGBA").save(tmp_path / "a.tif")
    before = (tmp_path / "a.tif").read_bytes()
    read_image(tmp_path / "a.tif")
    assert (tmp_path / "a.tif").read_bytes() == before


@pytest.mark.parametrize("bits", [8, 16])
def test_cmyk_tiff_reads_as_rgb_without_alpha(tmp_path, bits):
    astronaut = data.astronaut().astype(np.float32) / 255
    cmyk = to_uint(cmyk_of(astronaut), bits)
    if bits == 8:
        PILImage.fromarray(cmyk, "CMYK").save(tmp_path / "cmyk.tif", compression="tiff_lzw")
    else:
        tifffile.imwrite(tmp_path / "cmyk.tif", cmyk, photometric="separated", compression="zlib")
    image = read_image(tmp_path / "cmyk.tif")
    assert image.alpha is None and image.pixels.shape == (512, 512, 3) and image.bit_depth == bits
    assert np.abs(image.pixels - astronaut).max() <= 1.5 / 255


@pytest.mark.parametrize("bits", [8, 16])
def test_gray_tiff_with_alpha_keeps_its_alpha_and_depth(tmp_path, bits):
    camera = data.camera()
    gray = (camera.astype(np.uint16) << 8) | np.roll(camera, 1) if bits == 16 else camera  # 16 bits of its own
    alpha = to_uint(matte(camera.shape), bits)
    tifffile.imwrite(tmp_path / "ga.tif", np.dstack([gray, alpha]), photometric="minisblack",
                     extrasamples=["unassalpha"], compression="zlib")
    image = read_image(tmp_path / "ga.tif")
    assert image.is_gray and image.bit_depth == bits
    np.testing.assert_array_equal(to_uint(image.pixels[..., 0], bits), gray)
    np.testing.assert_array_equal(to_uint(image.alpha, bits), alpha)


@pytest.mark.parametrize("orientation", range(2, 9))
def test_orientation_tag_turns_gray_alpha_as_opencv_turns_rgb(tmp_path, orientation):
    chelsea = data.chelsea()
    tag = [(274, "H", 1, orientation, True)]
    tifffile.imwrite(tmp_path / "rgb.tif", chelsea, photometric="rgb", extratags=tag)
    gray_alpha = np.dstack([chelsea[..., 1], chelsea[..., 2]])
    tifffile.imwrite(tmp_path / "ga.tif", gray_alpha, photometric="minisblack", extrasamples=["unassalpha"],
                     extratags=tag)
    rgb, ga = read_image(tmp_path / "rgb.tif"), read_image(tmp_path / "ga.tif")
    assert rgb.pixels.shape[:2] != chelsea.shape[:2] or orientation < 5
    np.testing.assert_array_equal(ga.pixels[..., 0], rgb.pixels[..., 1])
    np.testing.assert_array_equal(ga.alpha, rgb.pixels[..., 2])


def test_gray_alpha_tiff_in_a_compression_we_cannot_decode_names_the_file_and_the_compression(tmp_path):
    camera = data.camera()
    PILImage.fromarray(np.dstack([camera, camera[::-1]]), "LA").save(tmp_path / "la.tif", compression="tiff_lzw")
    with pytest.raises(ImageError, match=r"la\.tif: .*LZW") as excinfo:
        read_image(tmp_path / "la.tif")
    assert "\n" not in str(excinfo.value)


def test_a_tiff_we_cannot_parse_names_the_file(tmp_path, capfd):
    buffer = io.BytesIO()
    PILImage.fromarray(data.chelsea()).save(buffer, "TIFF")
    (tmp_path / "cut.tif").write_bytes(buffer.getvalue()[:-200])  # the directory at the end is cut off
    with pytest.raises(ImageError, match=r"cut\.tif: ") as excinfo:
        read_image(tmp_path / "cut.tif")
    assert "\n" not in str(excinfo.value)
    assert capfd.readouterr().err == ""  # neither libtiff's nor OpenCV's log lines
