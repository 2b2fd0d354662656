"""Every notebook in notebooks/ runs top to bottom with the tiny settings, and is saved clean."""

import time

import nbformat
import pytest
from nbclient import NotebookClient

from tfcorrect import notebook
from tfcorrect.errors import UserError
from conftest import ROOT

NOTEBOOKS = ROOT / "notebooks"
# One notebook per paper and the quickstart; a missing one fails test_one_notebook_per_paper.
EXPECTED = {
    "00_quickstart.ipynb": None,
    "01_exposure_pix2pix.ipynb": "001",
    "02_dense_unet_dped.ipynb": "002",
    "03_overexposure_sn_noise.ipynb": "003",
    "04_colorize_homomorphic.ipynb": "004",
    "05_colour_constancy_cameras.ipynb": "000",
}


def _code_cells(path):
    return [cell for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]


def test_one_notebook_per_paper():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_saved_without_outputs(name):
    dirty = [i for i, cell in enumerate(_code_cells(NOTEBOOKS / name)) if cell.outputs or cell.execution_count]
    assert not dirty, (f"{name}: code cells {dirty} were saved with outputs; "
                       "clear them with: python -m tfcorrect.notebook clear notebooks/*.ipynb")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_first_cell_installs_on_colab_only(name):
    first = _code_cells(NOTEBOOKS / name)[0].source
    assert "google.colab" in first and "pip" in first


def test_clear_outputs_leaves_a_notebook_as_saved(tmp_path):
    saved = NOTEBOOKS / "00_quickstart.ipynb"
    book = nbformat.read(saved, as_version=4)
    cell = next(c for c in book.cells if c.cell_type == "code")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="hello")]
    cell.execution_count = 3
    nbformat.write(book, tmp_path / "run.ipynb")
    assert notebook.clear_outputs([tmp_path / "run.ipynb", saved]) == [tmp_path / "run.ipynb"]
    assert nbformat.read(tmp_path / "run.ipynb", as_version=4) == nbformat.read(saved, as_version=4)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_runs_top_to_bottom(name, tmp_path, monkeypatch):
    """nbclient runs the notebook in a fresh kernel; any cell error fails the test, naming the cell."""
    monkeypatch.setenv(notebook.SIZE_VARIABLE, "tiny")
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    book = nbformat.read(NOTEBOOKS / name, as_version=4)
    started = time.perf_counter()
    NotebookClient(book, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    print(f"{name}: {time.perf_counter() - started:.0f} s")
    figures = [output for cell in book.cells if cell.cell_type == "code"
               for output in cell.outputs if "image/png" in output.get("data", {})]
    assert figures, f"{name} ran but showed no figure"


def test_size_switch_reads_the_environment(monkeypatch):
    monkeypatch.setenv(notebook.SIZE_VARIABLE, "full")
    assert notebook.notebook_size() == "full"
    monkeypatch.setenv(notebook.SIZE_VARIABLE, "huge")
    with pytest.raises(UserError, match="TFCORRECT_NOTEBOOK_SIZE"):
        notebook.notebook_size()


def test_set_rows_changes_an_active_row_or_adds_one(tmp_path):
    frame = notebook.table_frame(notebook.shipped_table("pix2pix_exposure.csv"))
    edited = notebook.set_rows(frame, RESOL=128, NGF=4)
    table = notebook.write_frame(edited, tmp_path / "t.csv")
    resolved = notebook.resolved_frame(table).set_index("PARAM_NAME")
    assert resolved.loc["RESOL", "value"] == 128 and resolved.loc["NGF", "value"] == 4
    active = edited[(edited.CATEGORY == "COMMON") & (edited.USE_YN == "Y")]
    assert (active.PARAM_NAME == "RESOL").sum() == 1 and (active.PARAM_NAME == "NGF").sum() == 1


def test_command_runs_a_console_script_and_reports_failure(tmp_path, capsys):
    notebook.command("tfcorrect-params", notebook.shipped_table("pix2pix_exposure.csv"))
    out = capsys.readouterr().out
    assert out.startswith("$ tfcorrect-params ") and "RESOL" in out
    with pytest.raises(UserError, match="tfcorrect-train exited with code 2"):
        notebook.command("tfcorrect-train", tmp_path / "missing.csv")
    with pytest.raises(UserError, match="exited with code 2"):  # a usage error stops argparse
        notebook.command("tfcorrect-train")
    with pytest.raises(UserError, match="not a tfcorrect command"):
        notebook.command("ls")


def test_exported_photos_can_be_shrunk(tmp_path):
    from tfcorrect.io.images import read_image
    from tfcorrect.io.sample_photos import export_photos, load_photo

    (path,) = export_photos(["coffee"], tmp_path, max_side=100)
    original, small = load_photo("coffee"), read_image(path).pixels
    assert max(small.shape[:2]) == 100
    assert abs(small.shape[1] / small.shape[0] - original.shape[1] / original.shape[0]) < 0.02
    # area averaging keeps the picture: the mean colour barely moves
    assert abs(small.mean() - original.mean() / 255) < 0.01


def test_show_images_takes_gray_and_colour_pictures():
    from tfcorrect.io.sample_photos import load_photo

    colour = load_photo("coffee")
    fig = notebook.show_images([colour, colour[..., :1] / 255.0], ["colour", "gray"])
    shown = [ax.images[0].get_array() for ax in fig.axes]
    assert shown[0].shape == colour.shape and shown[1].shape == colour.shape[:2]
