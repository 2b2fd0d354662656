"""Pairing input/ and target/ files: two files sharing a stem are named together, not as strays."""

import warnings

import pytest

from tfcorrect.io.images import write_image
from tfcorrect.methods import find_examples
from conftest import photo


def _layout(root, names):
    for i, name in enumerate(names):
        write_image(root / name, photo(("chelsea", "coffee", "astronaut")[i % 3])[:48, :64])


def _messages(caught):
    return [str(w.message) for w in caught]


def test_two_inputs_sharing_a_stem_are_named_together_and_the_others_pair(tmp_path):
    root = tmp_path / "pairs"
    _layout(root, ["input/a.jpg", "input/a.png", "target/a.png", "input/sub/b.jpg", "target/sub/b.png"])
    with pytest.warns(UserWarning) as caught:
        examples = find_examples("paired", root)
    messages = _messages(caught)
    assert len(messages) == 1 and "\n" not in messages[0]
    message = messages[0]
    assert str(root / "input" / "a.jpg") in message and str(root / "input" / "a.png") in message
    assert "share the stem" in message and "no matching file" not in message
    assert [(e.input, e.target) for e in examples] == [(str(root / "input/sub/b.jpg"), str(root / "target/sub/b.png"))]


def test_two_targets_sharing_a_stem_are_named_together(tmp_path):
    root = tmp_path / "pairs"
    _layout(root, ["input/a.png", "target/a.jpg", "target/a.tif", "input/c.png", "target/c.png"])
    with pytest.warns(UserWarning) as caught:
        examples = find_examples("paired", root)
    messages = _messages(caught)
    assert len(messages) == 1
    assert str(root / "target" / "a.jpg") in messages[0] and str(root / "target" / "a.tif") in messages[0]
    assert "share the stem" in messages[0]
    assert [e.target for e in examples] == [str(root / "target" / "c.png")]


def test_same_stem_in_different_subfolders_is_no_clash(tmp_path):
    root = tmp_path / "pairs"
    _layout(root, ["input/x/a.jpg", "input/y/a.png", "target/x/a.png", "target/y/a.png"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        examples = find_examples("paired", root)
    assert sorted(e.input for e in examples) == [str(root / "input/x/a.jpg"), str(root / "input/y/a.png")]
