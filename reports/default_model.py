"""The shipped default model on photos it never saw, per EV: ``python reports/default_model.py`` (``make report-default``).

Renders the test part of ``reports/photo_split.csv`` (``../shared/data/photos``, scaled to a longer
side of ``--side`` px) at -1.5 / -1 / +1 / +1.5 EV with ``tfcorrect-data simulate-exposure``, twice:
``--render linear`` (linear light, clipped, 8-bit, as ``make demo`` renders) and ``--render camera``
(sensor noise, local tone mapping, a tone curve and JPEG drawn per pair, seed 0). Scores the model
(``--run``, default the shipped ``saved_models/exposure_default``) and the classical baselines with
``tfcorrect-eval``, adds the exact inverse of the linear render (knowing its EV: an upper reference
for a global gain), and writes ``reports/default_model.md``: PSNR per EV and mean, and SSIM.

Then the real photos of ``--photos`` with clipped highlights (more than ``CLIPPED_SHARE`` of their
pixels clipped, every split part: no training ever saw them as inputs), as they are, at a longer
side of ``EDGE_SIDE``: ``tfcorrect-eval`` on that plain folder reports the no-reference "new edges"
of the model and the white point, and its grid (worst first) becomes ``docs/figures/default_new_edges.png``.
"""

import argparse
import datetime
import pathlib
import shutil
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "reports"))

from split_photos import DEFAULT_PHOTOS, read_split, scaled_copies  # noqa: E402  (reports/split_photos.py)

EV_OFFSETS = (-1.5, -1.0, 1.0, 1.5)
BASELINES = ("identity", "clahe", "white_point_reexposure")
RENDERS = ("linear", "camera")
CLIPPED_SHARE = 0.002  # a photo "with clipped highlights": this share of its pixels clipped in every channel
EDGE_SIDE = 1024  # the real photos' longer side for new edges (the metric itself shrinks to 512)
FIGURE = ROOT / "docs" / "figures" / "default_new_edges.png"
LABELS = {"identity": "input", "clahe": "CLAHE", "white_point_reexposure": "white-point re-exposure",
          "model": "**model**", "exact_inverse": "exact inverse (knowing the EV)"}


TITLES = {"test": "test photos it never saw", "val": "the validation photos its epoch and design were chosen on",
          "train": "its training photos"}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="reports/default_model.py", description=__doc__.splitlines()[0])
    parser.add_argument("--run", default=str(ROOT / "saved_models" / "exposure_default"), help="run folder to score")
    parser.add_argument("--photos", default=str(DEFAULT_PHOTOS), help="the photos reports/photo_split.csv names")
    parser.add_argument("--part", default="test", choices=("train", "val", "test"), help="split part (default: test)")
    parser.add_argument("--side", type=int, default=512, help="longer side the photos are scaled to (default: 512)")
    parser.add_argument("--work", default=str(ROOT / "reports" / "work" / "default_model"), help="scratch folder")
    parser.add_argument("--out", default=str(ROOT / "reports" / "default_model.md"), help="the report to write")
    return parser.parse_args(argv)


def exact_inverse_rows(data):
    """PSNR / SSIM of each input rendered back by minus its EV, read from the condition folder name."""
    from tfcorrect.evaluation import metrics
    from tfcorrect.data.examples import find_paired
    from tfcorrect.evaluation.evaluate import condition_of, read_pair
    from tfcorrect.data.exposure import render_exposure

    rows = []
    for example in find_paired(data):
        condition = condition_of(example, data)
        image, target = read_pair(example)
        restored = render_exposure(image, -float(condition[2:])).numpy()
        rows.append({"condition": condition, "method": "exact_inverse", "psnr": metrics.psnr(restored, target),
                     "ssim": metrics.ssim(restored, target)})
    return rows


def psnr_table(data, work, args, render):
    """The markdown rows of one rendering's PSNR / SSIM table."""
    import pandas as pd

    from tfcorrect.data.examples import condition_name
    from tfcorrect.evaluation.evaluate import evaluate

    result = evaluate(data, work / f"eval-{render}", run=args.run, baselines=list(BASELINES), grid=4, progress=False)
    scores = result.metrics[["condition", "method", "psnr", "ssim"]]
    methods = (*BASELINES, "model")
    if render == "linear":
        scores = pd.concat([scores, pd.DataFrame(exact_inverse_rows(data))])
        methods = (*methods, "exact_inverse")
    means = scores.groupby(["method", "condition"])[["psnr", "ssim"]].mean()
    conditions = [condition_name(ev) for ev in EV_OFFSETS]
    lines = ["| method | " + " | ".join(f"{ev:+g} EV" for ev in EV_OFFSETS) + " | mean PSNR | mean SSIM |",
             "|---" * (len(EV_OFFSETS) + 3) + "|"]
    for method in methods:
        psnr = [means.loc[(method, c), "psnr"] for c in conditions]
        ssim = np.mean([means.loc[(method, c), "ssim"] for c in conditions])
        lines.append(f"| {LABELS[method]} | " + " | ".join(f"{v:.2f}" for v in psnr)
                     + f" | {np.mean(psnr):.2f} | {ssim:.3f} |")
    return lines


def clipped_photos(photos, folder):
    """The real photos with clipped highlights, at a longer side of :data:`EDGE_SIDE`, as PNG in ``folder``."""
    from tfcorrect.data.exposure import clipped_mask
    from tfcorrect.io.images import read_image, shrink_to, write_image

    folder.mkdir(parents=True)
    for path in read_split(photos):
        image = shrink_to(read_image(path).pixels, EDGE_SIDE)
        if clipped_mask(image).mean() > CLIPPED_SHARE:
            write_image(folder / f"{path.parent.name}-{path.stem}.png", image)
    return folder


def new_edges_table(folder, work, args):
    """``tfcorrect-eval`` on the plain folder: the markdown rows of new edges per method, and its grid."""
    from tfcorrect.evaluation.evaluate import evaluate

    result = evaluate(folder, work / "eval-clipped", run=args.run, baselines=["white_point_reexposure"],
                      grid=4, progress=False)
    lines = ["| method | photos | mean | max | photos with any | photos above 0.5 % |", "|---" * 6 + "|"]
    for method, values in result.metrics.groupby("method")["new_edges"]:
        lines.append(f"| {LABELS.get(method, method)} | {len(values)} | {100 * values.mean():.3f} % "
                     f"| {100 * values.max():.3f} % | {(values > 0).sum()} | {(values > 0.005).sum()} |")
    grid = work / "eval-clipped" / "grid.png"
    if grid.exists():
        FIGURE.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(grid, FIGURE)
    return lines


def main(argv=None):
    args = parse_args(argv)
    from tfcorrect.methods.exposure.simulate import simulate_exposure_folder

    work = pathlib.Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    photos = scaled_copies(read_split(args.photos, args.part), work / "photos", long_side=args.side)
    sections = []
    for render in RENDERS:
        data = work / f"data-{render}"
        simulate_exposure_folder(photos, data, ev_offsets=EV_OFFSETS, render=render, seed=0, progress=False)
        sections += [f"## Rendered `--render {render}`", "", *psnr_table(data, work, args, render), ""]
    folder = clipped_photos(args.photos, work / "clipped")
    sections += ["## New edges on real photos with clipped highlights", "",
                 f"{len(list(folder.iterdir()))} photos of `{pathlib.Path(args.photos).name}` with more than "
                 f"{100 * CLIPPED_SHARE:g} % of their pixels clipped, as they are (longer side {EDGE_SIDE} px): "
                 "the share of pixels where the output has an edge (Sobel > 0.04 at 512 px) and the input none "
                 "(< 0.005); lower is better. Worst first: `docs/figures/default_new_edges.png`.", "",
                 *new_edges_table(folder, work, args), ""]
    command = "python reports/default_model.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = "\n".join([
        f"# `{pathlib.Path(args.run).name}` on {TITLES[args.part]}",
        "",
        f"Regenerate with `make report-default` (`{command.strip()}`); written {datetime.date.today()}.",
        "",
        f"- {len(list(photos.iterdir()))} photos: the `{args.part}` part of `reports/photo_split.csv` "
        f"(`../shared/data/photos`), scaled to a longer side of {args.side} px.",
        "- Inputs: `tfcorrect-data simulate-exposure --ev-offsets=" + ",".join(f"{ev:g}" for ev in EV_OFFSETS)
        + " --render R --seed 0`, 8-bit PNG; scored by `tfcorrect-eval` against the originals.",
        "- PSNR in dB per EV offset (mean over photos), then the mean over offsets; SSIM mean over all.",
        "",
        *sections,
    ])
    pathlib.Path(args.out).write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
