"""The shipped default model on photos it never saw, per EV: ``python reports/default_model.py`` (``make report-default``).

Renders the test part of ``reports/photo_split.csv`` (``../shared/data/photos``, scaled to a longer
side of ``--side`` px) at -1.5 / -1 / +1 / +1.5 EV with ``tfcorrect-data simulate-exposure`` (linear
light, clipped, 8-bit, as ``make demo`` renders), scores the model (``--run``, default the shipped
``saved_models/exposure_default``) and the classical baselines with ``tfcorrect-eval``, adds the
exact inverse (the render undone knowing its EV: an upper reference for a global gain), and writes
``reports/default_model.md``: PSNR per EV and mean, and SSIM.
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


def main(argv=None):
    args = parse_args(argv)
    import pandas as pd

    from tfcorrect.data.examples import condition_name
    from tfcorrect.methods.exposure.simulate import simulate_exposure_folder
    from tfcorrect.evaluation.evaluate import evaluate

    work = pathlib.Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    photos = scaled_copies(read_split(args.photos, args.part), work / "photos", long_side=args.side)
    data = work / "data"
    simulate_exposure_folder(photos, data, ev_offsets=EV_OFFSETS, progress=False)
    result = evaluate(data, work / "eval", run=args.run, baselines=list(BASELINES), grid=4, progress=False)
    scores = pd.concat([result.metrics[["condition", "method", "psnr", "ssim"]],
                        pd.DataFrame(exact_inverse_rows(data))])
    means = scores.groupby(["method", "condition"])[["psnr", "ssim"]].mean()
    conditions = [condition_name(ev) for ev in EV_OFFSETS]
    lines = ["| method | " + " | ".join(f"{ev:+g} EV" for ev in EV_OFFSETS) + " | mean PSNR | mean SSIM |",
             "|---" * (len(EV_OFFSETS) + 3) + "|"]
    for method in (*BASELINES, "model", "exact_inverse"):
        psnr = [means.loc[(method, c), "psnr"] for c in conditions]
        ssim = np.mean([means.loc[(method, c), "ssim"] for c in conditions])
        lines.append(f"| {LABELS[method]} | " + " | ".join(f"{v:.2f}" for v in psnr)
                     + f" | {np.mean(psnr):.2f} | {ssim:.3f} |")
    command = "python reports/default_model.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = "\n".join([
        f"# `{pathlib.Path(args.run).name}` on {TITLES[args.part]}",
        "",
        f"Regenerate with `make report-default` (`{command.strip()}`); written {datetime.date.today()}.",
        "",
        f"- {len(list(photos.iterdir()))} photos: the `{args.part}` part of `reports/photo_split.csv` "
        f"(`../shared/data/photos`), scaled to a longer side of {args.side} px.",
        "- Inputs: `tfcorrect-data simulate-exposure --ev-offsets=" + ",".join(f"{ev:g}" for ev in EV_OFFSETS)
        + "` (linear light, clipped, 8-bit PNG); scored by `tfcorrect-eval` against the originals.",
        "- PSNR in dB per EV offset (mean over photos), then the mean over offsets; SSIM mean over all.",
        "",
        *lines,
        "",
    ])
    pathlib.Path(args.out).write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
