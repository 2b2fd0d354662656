"""Folder jobs: mirrored output paths, per-file failures, the summary line."""

import pytest

from tfcorrect.errors import UserError
from tfcorrect.io.folders import mirror_paths, run_per_file
from tfcorrect.io.images import list_images, read_image, write_image
from conftest import photo


@pytest.fixture
def source(tmp_path):
    folder = tmp_path / "in"
    write_image(folder / "a.jpg", photo("chelsea")[:40, :60])
    write_image(folder / "sub" / "b.png", photo("coffee")[:30, :50])
    (folder / "notes.txt").write_text("not an image")
    return folder


def test_outputs_mirror_relative_paths_and_can_change_suffix(tmp_path, source):
    pairs = mirror_paths(source, tmp_path / "out", suffix=".png")
    assert sorted((p.relative_to(source).as_posix(), o.relative_to(tmp_path / "out").as_posix()) for p, o in pairs) \
        == [("a.jpg", "a.png"), ("sub/b.png", "sub/b.png")]
    single = mirror_paths(source / "sub" / "b.png", tmp_path / "one")
    assert single == [(source / "sub" / "b.png", tmp_path / "one" / "b.png")]


@pytest.mark.parametrize("output", ["in", "in/sub/deeper"])
def test_an_output_folder_inside_the_input_is_refused(tmp_path, source, output):
    with pytest.raises(UserError, match="must not be"):
        mirror_paths(source, tmp_path / output)


def test_an_input_file_that_would_be_overwritten_or_is_no_image_is_refused(tmp_path, source):
    with pytest.raises(UserError, match="would overwrite the input"):
        mirror_paths(source / "a.jpg", source)
    with pytest.raises(UserError, match=r"notes\.txt: unsupported extension"):
        mirror_paths(source / "notes.txt", tmp_path / "out")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="empty: no PNG, JPEG, BMP or TIFF images found"):
        mirror_paths(tmp_path / "empty", tmp_path / "out")


def test_a_failing_file_is_named_and_the_others_are_written(tmp_path, source, capsys):
    (source / "sub" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")

    def to_gray(src, dst):
        image = read_image(src)
        write_image(dst, image.pixels.mean(axis=-1, keepdims=True))

    pairs = mirror_paths(source, tmp_path / "out")
    assert run_per_file(pairs, to_gray, progress=False) == (2, 1)
    captured = capsys.readouterr()
    assert captured.err.count("failed: ") == 1 and "broken.png" in captured.err
    assert "2 written, 1 failed" in captured.out
    assert read_image(tmp_path / "out" / "sub" / "b.png").is_gray
    assert not (tmp_path / "out" / "sub" / "broken.png").exists()


# --- symlinked folders ----------------------------------------------------------------------

def test_a_symlinked_folder_is_followed_and_mirrored_under_the_link(tmp_path, source):
    elsewhere = tmp_path / "elsewhere"
    write_image(elsewhere / "deep" / "c.png", photo("astronaut")[:32, :32])
    (source / "linked").symlink_to(elsewhere, target_is_directory=True)
    pairs = mirror_paths(source, tmp_path / "out")
    assert sorted(p.relative_to(source).as_posix() for p, _ in pairs) == ["a.jpg", "linked/deep/c.png", "sub/b.png"]
    assert (source / "linked" / "deep" / "c.png", tmp_path / "out" / "linked" / "deep" / "c.png") in pairs


def test_a_link_back_up_the_tree_is_named_once_and_not_followed(tmp_path, source):
    (source / "sub" / "loop").symlink_to(source, target_is_directory=True)
    (source / "sub" / "self").symlink_to(".", target_is_directory=True)
    with pytest.warns(UserWarning) as caught:
        images = list_images(source)
    assert [p.relative_to(source).as_posix() for p in images] == ["a.jpg", "sub/b.png"]
    messages = sorted(str(w.message) for w in caught)
    assert len(messages) == 2 and all("\n" not in m and "not followed" in m for m in messages)
    assert messages[0].startswith(str(source / "sub" / "loop")) and messages[1].startswith(str(source / "sub" / "self"))


def test_a_folder_linked_twice_is_listed_under_both_names(tmp_path, source):
    (source / "again").symlink_to(source / "sub", target_is_directory=True)
    assert [p.relative_to(source).as_posix() for p in list_images(source)] == ["a.jpg", "again/b.png", "sub/b.png"]
