"""Image files: lossless and JPEG round trips, 16 bit, gray, alpha, EXIF orientation, bad files,
folder listing and atomic writes. Content checks use real photos bundled with scikit-image."""

import errno
import os

import cv2
import numpy as np
import pytest
from PIL import Image as PILImage
from skimage import data

from tfcorrect.errors import ImageError
from tfcorrect.io.images import IMAGE_EXTENSIONS, list_images, read_image, shrink_to, to_uint, write_image


def photo8(name):
    """A bundled photo as uint8 (RGB, or HxW for camera)."""
    return getattr(data, name)()


def as_float(samples, bits=8):
    return samples.astype(np.float32) / (2**bits - 1)


def photo16():
    """coffee widened to 16 bits with a low byte of its own, so few values are multiples of 257."""
    coffee = photo8("coffee").astype(np.uint16)
    return (coffee << 8) | np.roll(coffee, 1, axis=-1)


def exif_bytes(orientation):
    exif = PILImage.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


def assert_names_file(excinfo, path):
    message = str(excinfo.value)
    assert path.name in message and "\n" not in message


# --- round trips -------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".png", ".bmp", ".tif", ".tiff"])
def test_lossless_8_bit_round_trip_is_exact(tmp_path, suffix):
    chelsea = photo8("chelsea")
    path = tmp_path / f"chelsea{suffix}"
    write_image(path, as_float(chelsea))
    image = read_image(path)
    assert (image.height, image.width, image.bit_depth, image.is_gray) == (300, 451, 8, False)
    assert image.pixels.dtype == np.float32 and image.alpha is None
    np.testing.assert_array_equal(to_uint(image.pixels, 8), chelsea)


@pytest.mark.parametrize("suffix", [".jpg", ".jpeg"])
def test_jpeg_round_trip_is_close(tmp_path, suffix):
    astronaut = photo8("astronaut")
    path = tmp_path / f"astronaut{suffix}"
    write_image(path, as_float(astronaut))
    image = read_image(path)
    assert image.pixels.shape == (512, 512, 3) and image.bit_depth == 8
    assert np.abs(image.pixels - as_float(astronaut)).mean() < 2 / 255


@pytest.mark.parametrize("suffix", [".png", ".tif", ".tiff"])
def test_16_bit_round_trip_keeps_16_bit_precision(tmp_path, suffix):
    coffee16 = photo16()
    assert (coffee16 % 257 != 0).mean() > 0.9  # an 8-bit detour could not reproduce these
    path = tmp_path / f"coffee16{suffix}"
    write_image(path, as_float(coffee16, 16), bit_depth=16)
    image = read_image(path)
    assert image.bit_depth == 16 and image.pixels.shape == coffee16.shape
    np.testing.assert_array_equal(to_uint(image.pixels, 16), coffee16)


def test_written_channel_order_is_rgb_for_other_readers(tmp_path):
    chelsea = photo8("chelsea")
    write_image(tmp_path / "c.png", as_float(chelsea))
    with PILImage.open(tmp_path / "c.png") as pil:
        assert pil.mode == "RGB"
        np.testing.assert_array_equal(np.asarray(pil), chelsea)


def test_read_channel_order_is_rgb_for_files_of_other_writers(tmp_path):
    coffee = photo8("coffee")
    PILImage.fromarray(coffee).save(tmp_path / "c.png")
    np.testing.assert_array_equal(to_uint(read_image(tmp_path / "c.png").pixels, 8), coffee)


def test_non_ascii_path_and_missing_parents(tmp_path):
    path = tmp_path / "fötö 写真" / "ünter" / "kätze.png"
    write_image(path, as_float(photo8("chelsea")))
    assert read_image(path).pixels.shape == (300, 451, 3)


# --- gray and alpha ----------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".png", ".jpg", ".bmp", ".tif"])
@pytest.mark.parametrize("shape", ["HxW", "HxWx1"])
def test_gray_in_gray_out(tmp_path, suffix, shape):
    camera = photo8("camera")
    pixels = as_float(camera) if shape == "HxW" else as_float(camera)[..., np.newaxis]
    write_image(tmp_path / f"camera{suffix}", pixels)
    image = read_image(tmp_path / f"camera{suffix}")
    assert image.is_gray and image.pixels.shape == (512, 512, 1)
    assert np.abs(image.pixels[..., 0] - as_float(camera)).mean() < 2 / 255


def test_gray_stored_as_three_equal_channels_stays_three_channels(tmp_path):
    camera = photo8("camera")
    PILImage.fromarray(np.dstack([camera] * 3)).save(tmp_path / "gray3.png")
    image = read_image(tmp_path / "gray3.png")
    assert not image.is_gray and image.pixels.shape == (512, 512, 3)


@pytest.mark.parametrize("suffix,bits", [(".png", 8), (".png", 16), (".tif", 8), (".tif", 16), (".bmp", 8)])
def test_alpha_round_trip(tmp_path, suffix, bits):
    astronaut, alpha = as_float(photo8("astronaut")), as_float(photo8("camera"))
    write_image(tmp_path / f"a{suffix}", astronaut, alpha=alpha, bit_depth=bits)
    image = read_image(tmp_path / f"a{suffix}")
    assert image.pixels.shape == (512, 512, 3) and image.bit_depth == bits
    np.testing.assert_array_equal(to_uint(image.alpha, bits), to_uint(alpha, bits))
    np.testing.assert_array_equal(to_uint(image.pixels, bits), to_uint(astronaut, bits))


def test_rgba_from_other_writer_keeps_alpha_through_read_and_write(tmp_path):
    rgba = np.dstack([photo8("astronaut"), photo8("camera")])
    PILImage.fromarray(rgba, "RGBA").save(tmp_path / "in.png")
    image = read_image(tmp_path / "in.png")
    np.testing.assert_array_equal(to_uint(image.alpha, 8), rgba[..., 3])
    write_image(tmp_path / "out.png", image.pixels, alpha=image.alpha)
    with PILImage.open(tmp_path / "out.png") as pil:
        assert pil.mode == "RGBA"
        np.testing.assert_array_equal(np.asarray(pil), rgba)


def test_gray_with_alpha_is_written_as_rgb_with_equal_channels(tmp_path):
    camera, alpha = as_float(photo8("camera")), as_float(photo8("astronaut")[..., 1])
    write_image(tmp_path / "ga.png", camera, alpha=alpha)
    image = read_image(tmp_path / "ga.png")
    np.testing.assert_array_equal(image.pixels, np.repeat(camera[..., np.newaxis], 3, axis=2))
    np.testing.assert_array_equal(image.alpha, alpha)


# --- EXIF orientation --------------------------------------------------------------------

# Orientation 6: the stored image must be turned 90 degrees clockwise to display; 8: anticlockwise.
TURNS = {6: -1, 8: 1}


@pytest.mark.parametrize("orientation", [6, 8])
def test_jpeg_exif_orientation_is_applied(tmp_path, orientation):
    chelsea = photo8("chelsea")
    path = tmp_path / "rotated.jpg"
    PILImage.fromarray(chelsea).save(path, quality=95, exif=exif_bytes(orientation))
    image = read_image(path)
    assert image.pixels.shape == (451, 300, 3)
    error = np.abs(image.pixels - as_float(np.rot90(chelsea, TURNS[orientation]))).mean()
    wrong_way = np.abs(image.pixels - as_float(np.rot90(chelsea, -TURNS[orientation]))).mean()
    assert error < 2 / 255 < wrong_way


def test_exif_orientation_also_turns_alpha_of_png(tmp_path):
    rgba = np.dstack([photo8("chelsea"), photo8("coffee")[:300, :451, 0]])
    PILImage.fromarray(rgba, "RGBA").save(tmp_path / "rotated.png", exif=exif_bytes(6))
    image = read_image(tmp_path / "rotated.png")
    expected = np.rot90(rgba, -1)
    np.testing.assert_array_equal(to_uint(image.pixels, 8), expected[..., :3])
    np.testing.assert_array_equal(to_uint(image.alpha, 8), expected[..., 3])


# --- bad files ---------------------------------------------------------------------------

def test_truncated_png_names_the_file(tmp_path):
    ok, encoded = cv2.imencode(".png", photo8("chelsea"))
    path = tmp_path / "truncated.png"
    path.write_bytes(encoded.tobytes()[: encoded.size // 2])
    with pytest.raises(ImageError) as excinfo:
        read_image(path)
    assert_names_file(excinfo, path)


@pytest.mark.parametrize("name,content", [("notes.jpg", b"not an image at all\n"), ("empty.png", b"")])
def test_non_image_names_the_file(tmp_path, name, content):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(ImageError) as excinfo:
        read_image(tmp_path / name)
    assert_names_file(excinfo, tmp_path / name)


def test_missing_file_and_folder_and_unsupported_extension(tmp_path):
    (tmp_path / "folder.png").mkdir()
    (tmp_path / "chelsea.gif").write_bytes(b"GIF89a")
    for name in ("missing.png", "folder.png", "chelsea.gif"):
        with pytest.raises(ImageError) as excinfo:
            read_image(tmp_path / name)
        assert_names_file(excinfo, tmp_path / name)


def test_float_tiff_is_an_unsupported_sample_type(tmp_path):
    ok, encoded = cv2.imencode(".tif", as_float(photo8("chelsea")))
    (tmp_path / "float.tif").write_bytes(encoded.tobytes())
    with pytest.raises(ImageError, match=r"float\.tif: unsupported sample type float32"):
        read_image(tmp_path / "float.tif")


# --- list_images -------------------------------------------------------------------------

def test_list_images_recursive_sorted_case_insensitive_skipping_hidden(tmp_path):
    root = tmp_path / ".photos"  # a hidden root itself is still searched
    names = ["b.png", "A.JPG", "sub/c.TIFF", "sub/deep/d.jpeg", "sub/e.Bmp", "f.tif", "notes.txt", "g.gif",
             ".hidden.png", ".cache/h.png", "sub/.git/i.jpg", "noext"]
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).touch()
    (root / "looks_like.png").mkdir()
    expected = ["A.JPG", "b.png", "f.tif", "sub/c.TIFF", "sub/deep/d.jpeg", "sub/e.Bmp"]
    assert list_images(root) == sorted(root / name for name in expected)
    assert [p.relative_to(root).as_posix() for p in list_images(root)] == expected


def test_list_images_single_file_empty_folder_and_mistakes(tmp_path):
    (tmp_path / "one.PNG").touch()
    (tmp_path / "notes.txt").touch()
    (tmp_path / "empty").mkdir()
    assert list_images(tmp_path / "one.PNG") == [tmp_path / "one.PNG"]
    assert list_images(str(tmp_path / "empty")) == []
    for name in ("notes.txt", "missing"):
        with pytest.raises(ImageError) as excinfo:
            list_images(tmp_path / name)
        assert_names_file(excinfo, tmp_path / name)


def test_every_supported_extension_in_either_case_is_listed_and_reads_back(tmp_path):
    chelsea = photo8("chelsea")[:96, :128]
    listed = []
    for suffix in IMAGE_EXTENSIONS:  # each advertised extension, as written by us, in both cases
        for path in (tmp_path / f"lower{suffix}", tmp_path / "sub" / f"UPPER{suffix.upper()}"):
            write_image(path, as_float(chelsea))
            listed.append(path)
    (tmp_path / "text.jpg").write_text("not an image\n")  # listed by name: files are not opened
    listed.append(tmp_path / "text.jpg")
    PILImage.fromarray(chelsea).save(tmp_path / "chelsea.gif")  # real images of unsupported kinds
    PILImage.fromarray(chelsea).save(tmp_path / "chelsea.webp")
    write_image(tmp_path / ".hidden.png", as_float(chelsea))
    for name in ("notes.txt", "chelsea.png.bak", "png", "tif"):
        (tmp_path / name).write_bytes(b"not an image")
    assert list_images(tmp_path) == sorted(listed)
    for path in listed[:-1]:
        image = read_image(path)
        assert image.pixels.shape == chelsea.shape and image.bit_depth == 8
        assert np.abs(image.pixels - as_float(chelsea)).mean() < 2 / 255
    for name in ("chelsea.gif", "chelsea.webp", "notes.txt"):
        with pytest.raises(ImageError, match="unsupported extension") as excinfo:
            list_images(tmp_path / name)
        assert all(suffix in str(excinfo.value) for suffix in IMAGE_EXTENSIONS)


# --- write_image: checks and atomicity ---------------------------------------------------

def test_success_leaves_no_temporary_file_and_usual_permissions(tmp_path):
    write_image(tmp_path / "out.png", as_float(photo8("chelsea")))
    write_image(tmp_path / "out.png", as_float(photo8("coffee")))  # replaces an existing file
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]
    assert read_image(tmp_path / "out.png").pixels.shape == (400, 600, 3)
    umask = os.umask(0o022)
    os.umask(umask)
    assert (tmp_path / "out.png").stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize("suffix", [".jpg", ".jpeg", ".bmp"])
def test_16_bit_is_refused_where_the_format_cannot_store_it(tmp_path, suffix):
    path = tmp_path / f"out{suffix}"
    with pytest.raises(ImageError, match="16-bit") as excinfo:
        write_image(path, as_float(photo16(), 16), bit_depth=16)
    assert_names_file(excinfo, path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kwargs,match", [
    ({"pixels": np.zeros((4, 4, 2))}, "shape"),
    ({"pixels": np.zeros((4, 4, 3)), "alpha": np.zeros((4, 5))}, "alpha"),
    ({"pixels": np.zeros((4, 4, 3)), "bit_depth": 12}, "bit depth"),
])
def test_bad_arguments_name_the_file(tmp_path, kwargs, match):
    with pytest.raises(ImageError, match=match) as excinfo:
        write_image(tmp_path / "out.png", **kwargs)
    assert_names_file(excinfo, tmp_path / "out.png")
    assert list(tmp_path.iterdir()) == []


def test_jpeg_refuses_alpha_and_unknown_extension_is_refused(tmp_path):
    with pytest.raises(ImageError, match="alpha"):
        write_image(tmp_path / "out.jpg", np.zeros((4, 4, 3)), alpha=np.ones((4, 4)))
    with pytest.raises(ImageError, match="unsupported extension"):
        write_image(tmp_path / "out.gif", np.zeros((4, 4, 3)))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("broken", ["fsync", "replace"])
def test_failed_write_keeps_old_target_and_removes_temporary_file(tmp_path, monkeypatch, broken):
    target = tmp_path / "out.png"
    write_image(target, as_float(photo8("chelsea")))
    before = target.read_bytes()

    def fail(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, broken, fail)
    with pytest.raises(ImageError, match="No space left on device") as excinfo:
        write_image(target, as_float(photo8("coffee")))
    assert_names_file(excinfo, target)
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]
    assert target.read_bytes() == before


def test_failed_16_bit_jpeg_does_not_clobber_existing_target(tmp_path):
    target = tmp_path / "out.jpg"
    write_image(target, as_float(photo8("chelsea")))
    before = target.read_bytes()
    with pytest.raises(ImageError):
        write_image(target, as_float(photo16(), 16), bit_depth=16)
    assert target.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["out.jpg"]


# --- to_uint -----------------------------------------------------------------------------

def test_to_uint_clips_and_rounds():
    values = np.array([-0.5, 0.0, 0.4 / 255, 0.6 / 255, 0.5, 1.0, 7.0])
    np.testing.assert_array_equal(to_uint(values, 8), np.array([0, 0, 0, 1, 128, 255, 255], np.uint8))
    assert to_uint(values, 8).dtype == np.uint8
    sixteen = to_uint(values, 16)
    assert sixteen.dtype == np.uint16 and sixteen[3] == round(0.6 / 255 * 65535) and sixteen[-1] == 65535
    with pytest.raises(ValueError):
        to_uint(values, 12)


def test_shrink_to_scales_the_longer_side_and_keeps_the_rank():
    coffee = as_float(photo8("coffee"))  # 400x600 RGB
    small = shrink_to(coffee, 150)
    assert small.shape == (100, 150, 3)
    assert abs(small.mean() - coffee.mean()) < 0.01  # area averaging keeps the picture's brightness
    gray = coffee[..., :1]
    assert shrink_to(gray, 150).shape == (100, 150, 1)  # cv2 alone would return 100x150
    assert shrink_to(coffee, 1000) is coffee and shrink_to(coffee, None) is coffee
