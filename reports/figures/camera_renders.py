"""Camera renders of exposure errors beside real badly exposed photos: ``python reports/figures/camera_renders.py``.

Writes ``docs/figures/camera_renders.png``. Rows 1-3: a well-exposed photo, then
:func:`tfcorrect.data.camera.render_camera` of it at -1.5, -1, +1 and +1.5 EV (each with its own
draw, named under it; ``seed`` is the column). Last row: the real photos of
``../shared/data/photos`` that are exposed worst, by the rule in :func:`worst_exposed` (the darkest,
the brightest, the most clipped at white). Only the train and validation parts of
``reports/photo_split.csv`` are looked at: the test part stays out of every design choice.
Each photo is scaled to a shorter side of ``SIDE`` px and its centre square is shown.
"""

import argparse
import pathlib
import sys

import cv2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from PIL import Image  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "reports"))

from split_photos import DEFAULT_PHOTOS, SPLIT_FILE  # noqa: E402  (reports/split_photos.py)
from tfcorrect.data.camera import draw_params, render_camera  # noqa: E402
from tfcorrect.data.exposure import CLIP_LEVEL  # noqa: E402
from tfcorrect.io.images import read_rgb  # noqa: E402

OUT = ROOT / "docs" / "figures" / "camera_renders.png"
RENDERED = ("kodak/kodim03.png", "kodak/kodim19.png", "opennature_birds/limosa-fedoa.jpg")  # train part
EVS = (-1.5, -1.0, 1.0, 1.5)
SIDE = 224
DPI = 80  # keeps the PNG under 1 MB
LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)  # Rec. 709 weights, on the encoded values here


def square(path, side=SIDE):
    """The photo scaled to a shorter side of ``side`` (INTER_AREA), its centre ``side x side``."""
    image = read_rgb(path)[0]
    scale = side / min(image.shape[:2])
    image = cv2.resize(image, (round(image.shape[1] * scale), round(image.shape[0] * scale)),
                       interpolation=cv2.INTER_AREA)
    top, left = (image.shape[0] - side) // 2, (image.shape[1] - side) // 2
    return np.clip(image[top:top + side, left:left + side], 0, 1)


def worst_exposed(photos):
    """``[(label, file)]``: the darkest and the brightest by mean luma, and the most clipped at white.

    Clipped: every channel at or above ``CLIP_LEVEL`` (253 of 255). Train and validation parts only.
    """
    split = pd.read_csv(SPLIT_FILE)
    stats = []
    for name in split[split["split"] != "test"]["file"]:
        image = read_rgb(pathlib.Path(photos) / name)[0]
        stats.append((name, float((image @ LUMA).mean()), float((image.min(axis=-1) >= CLIP_LEVEL).mean())))
    table = pd.DataFrame(stats, columns=["file", "luma", "clipped"])
    darkest, brightest = table.loc[table["luma"].idxmin()], table.loc[table["luma"].idxmax()]
    clipped = table.drop([darkest.name, brightest.name]).sort_values("clipped").iloc[-1]
    return [(f"darkest (mean luma {darkest.luma:.2f})", darkest.file),
            (f"brightest (mean luma {brightest.luma:.2f})", brightest.file),
            (f"most clipped ({clipped.clipped:.0%} white)", clipped.file)]


def describe(params):
    """The drawn parameters in a few words."""
    parts = [f"toe {params.toe:+.2f} sh {params.shoulder:+.2f} k {params.contrast:.2f}"]
    parts.append(f"noise {params.shot * 1e3:.1f}e-3" + (f", LTM {params.local_tone:.2f}" if params.local_tone else ""))
    parts.append(f"JPEG q{params.jpeg_quality}" if params.jpeg_quality else "no JPEG")
    return "\n".join(parts)


def figure(photos, out):
    """Draw the grid and write it to ``out`` as a PNG."""
    rows = len(RENDERED) + 1
    fig, axes = plt.subplots(rows, len(EVS) + 1, figsize=(2.1 * (len(EVS) + 1), 2.55 * rows), dpi=DPI)
    for row, name in enumerate(RENDERED):
        photo = square(pathlib.Path(photos) / name)
        axes[row, 0].imshow(photo)
        axes[row, 0].set_title(f"{pathlib.Path(name).stem}\n(well exposed)", fontsize=7)
        for column, ev in enumerate(EVS, start=1):
            seed = (row, column)
            axes[row, column].imshow(render_camera(photo, ev, seed))
            axes[row, column].set_title(f"camera render, {ev:+g} EV", fontsize=7)
            axes[row, column].set_xlabel(describe(draw_params(seed)), fontsize=6)
    for column, (label, name) in enumerate(worst_exposed(photos)):
        axes[-1, column].imshow(square(pathlib.Path(photos) / name))
        axes[-1, column].set_title(f"real: {pathlib.Path(name).stem}\n{label}", fontsize=7)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
        if not ax.images:
            ax.axis("off")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.canvas.draw()
    pixels = np.asarray(fig.canvas.buffer_rgba())[..., :3]  # RGB: matplotlib's RGBA PNG is a third larger
    plt.close(fig)
    Image.fromarray(pixels).save(out, optimize=True)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(prog="reports/figures/camera_renders.py", description=__doc__.splitlines()[0])
    parser.add_argument("--photos", default=str(DEFAULT_PHOTOS), help="the photos reports/photo_split.csv names")
    parser.add_argument("--out", default=str(OUT), help=f"the PNG to write (default: {OUT.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    out = figure(args.photos, pathlib.Path(args.out))
    print(f"{out}: {out.stat().st_size / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
