"""Seed 003's arms, three seeds each, scored inside the clipped areas: ``python reports/exposure.py``.

``make report-exposure``. Trains the arms of ``param_tables/exposure_overexposure.csv`` (``BASELINE``,
``NOISE``, ``PERCEPTUAL_NOISE``) and the baseline with the paper's own image head (``G_OUTPUT=image``
instead of the table's residual over the trivial inverse) with the same data and steps, seeds
``--seeds``, on the training part of ``reports/photo_split.csv`` (``../shared/data/photos``). Scores
every run with ``tfcorrect-eval`` beside the identity and seed 003's trivial inverse on the validation
part (where the head was chosen) and on the test part (used only here), both rendered with
``tfcorrect-data simulate-overexposure``. Writes ``reports/exposure.md``: PSNR and SSIM over the whole
image and inside the clipped areas, the three similarities and the inception score per arm (mean ± sd
over seeds) in the seed's layout, the verdicts, and PSNR against training steps
(``docs/figures/exposure_steps.png``). The perceptual arm needs VGG19's ImageNet weights
(``--vgg-weights`` or Keras's cache) and the inception score InceptionV3's; without them the report
says so instead of using random weights.
"""

import datetime
import pathlib
import platform
import shutil
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "reports"))

from split_photos import read_split, scaled_copies  # noqa: E402  (reports/split_photos.py)
from common import report_parser, train_arm, write_report  # noqa: E402  (reports/common.py)
import step_curves  # noqa: E402  (reports/step_curves.py)

TABLE = ROOT / "param_tables" / "exposure_overexposure.csv"
REPORT = ROOT / "reports" / "exposure.md"
FIGURE = ROOT / "docs" / "figures" / "exposure_steps.png"
# (name, category, extra settings, the column's title)
ARMS = (("IMAGE_HEAD", "BASELINE", ("G_OUTPUT=image",), "Pix2pix baseline, the paper's image head"),
        ("BASELINE", "BASELINE", (), "Pix2pix baseline"), ("NOISE", "NOISE", (), "Noise"),
        ("PERCEPTUAL_NOISE", "PERCEPTUAL_NOISE", (), "Perceptual + noise"))
# The CPU run: every arm gets these on top of the table (its FOV 140, LSGAN, spectral norm, noise rows).
SETTINGS = ("RESOL=128", "NGF=32", "NDF=32", "BATCH_SIZE=8", "EPOCHS=16", "STEPS_PER_EPOCH=50", "VAL_STEPS=4",
            "SAMPLES=2")
# Seed 003's table (Places365 subsample, 256 px): row -> values of its three arms.
PAPER = {"inception_score": (18.36, 19.26, 21.46), "luminance_sim": (90.19, 89.97, 88.11),
         "contrast_sim": (88.29, 88.74, 90.63), "saturation_sim": (83.23, 83.55, 84.73)}
ROWS = (("psnr", "PSNR (dB)"), ("psnr_clipped", "PSNR inside the clipped areas (dB)"), ("ssim", "SSIM"),
        ("ssim_clipped", "SSIM inside the clipped areas"), ("luminance_sim", "Luminance Sim."),
        ("contrast_sim", "Contrast Sim."), ("saturation_sim", "Saturation Sim."), ("inception_score", "Inception Score"))
PERCENT = {"luminance_sim", "contrast_sim", "saturation_sim"}
BASELINES = (("identity", "input (identity)"), ("inverse", "trivial inverse"))


def parse_args(argv=None):
    parser = report_parser("reports/exposure.py", __doc__.splitlines()[0], name="exposure", out=REPORT)
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds of each arm (default: 0,1,2)")
    parser.add_argument("--vgg-weights", default="", help="VGG19 no-top ImageNet weights for the perceptual arm")
    parser.add_argument("--inception-weights", default="", help="InceptionV3 ImageNet weights for the inception score")
    parser.add_argument("--figure", default=str(FIGURE), help="the PSNR-against-steps figure")
    return parser.parse_args(argv)


def cell(name, values):
    """``mean ± sd`` over seeds (one value: itself) in the row's units; ``n/a`` when not computed."""
    values = np.asarray(values, float)
    if np.isnan(values).all():
        return "n/a"
    scale, digits = (100, 2) if name in PERCENT else (1, 3) if name.startswith("ssim") else (1, 2)
    mean = f"{scale * np.nanmean(values):.{digits}f}"
    return mean if len(values) == 1 else f"{mean} ± {scale * np.nanstd(values, ddof=1):.{digits}f}"


def means(result, method):
    return result.summary[(result.summary.condition == "all") & (result.summary.method == method)].iloc[0]


def table_lines(columns, titles, *, paper=True):
    """The seed's layout: one row per metric, one column per arm or baseline (per-seed values in ``columns``)."""
    head = "| | " + " | ".join(titles) + (" | seed 003 (its three arms) |" if paper else " |")
    lines = [head, "|---" * (len(titles) + 1 + paper) + "|"]
    for name, label in ROWS:
        cells = [cell(name, [row[name] for row in columns[t]]) if t in columns else "not run" for t in titles]
        extra = " / ".join(f"{v:.2f}" for v in PAPER[name]) if name in PAPER else ""
        lines.append(f"| {label} | " + " | ".join(cells) + (f" | {extra} |" if paper else " |"))
    return lines


def verdicts(columns):
    """Sentences: the Done-when comparisons, each arm per seed against the trivial inverse, Noise against Baseline."""
    inverse = columns["trivial inverse"][0]
    lines = []
    for title in ("Pix2pix baseline", "Noise", "Pix2pix baseline, the paper's image head"):
        if title not in columns:
            continue
        clipped = [row["psnr_clipped"] for row in columns[title]]
        whole = [row["psnr"] for row in columns[title]]
        lines.append(f"- {title}: PSNR inside the clipped areas {', '.join(f'{v:.2f}' for v in clipped)} dB per seed "
                     f"against the trivial inverse's {inverse['psnr_clipped']:.2f}: "
                     + ("**above with every seed**" if min(clipped) > inverse["psnr_clipped"] else "**not above with every seed**")
                     + f" (by {np.mean(clipped) - inverse['psnr_clipped']:+.2f} dB on average)"
                     + f"; whole image {', '.join(f'{v:.2f}' for v in whole)} against {inverse['psnr']:.2f}: "
                     + ("**within 0.5 dB or better with every seed**." if min(whole) >= inverse["psnr"] - 0.5
                        else "**more than 0.5 dB worse with some seed**."))
    if "Noise" in columns and "Pix2pix baseline" in columns and len(columns["Noise"]) > 1:
        noise = np.array([row["psnr_clipped"] for row in columns["Noise"]])
        base = np.array([row["psnr_clipped"] for row in columns["Pix2pix baseline"]])
        beyond = noise.min() > base.max() or base.min() > noise.max()
        lines.append(f"- Noise minus baseline inside the clipped areas: {noise.mean() - base.mean():+.2f} dB "
                     f"(sd {noise.std(ddof=1):.2f} and {base.std(ddof=1):.2f} over seeds): "
                     + ("**beyond the seed spread** (the seeds' ranges do not overlap)." if beyond else
                        "**within the seed spread** (the seeds' ranges overlap)."))
    return lines


def main(argv=None):
    args = parse_args(argv)
    import pandas as pd

    from tfcorrect.errors import UserError
    from tfcorrect.evaluation.evaluate import MODEL, evaluate
    from tfcorrect.methods import resolve
    from tfcorrect.methods.overexposure.simulate import simulate_overexposure_folder
    from tfcorrect.nn.precision import chosen_precision

    seeds = [int(s) for s in args.seeds.split(",")]
    work = pathlib.Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    base = resolve(str(TABLE), sets=list(SETTINGS) + args.sets)[0]
    train_dir = scaled_copies(read_split(args.photos, "train"), work / "train", short_side=base.resol)
    val_dir = scaled_copies(read_split(args.photos, "val"), work / "val", short_side=base.resol)
    data = {}
    for part in ("val", "test"):
        photos = scaled_copies(read_split(args.photos, part), work / f"{part}_photos", short_side=base.resol)
        data[part] = work / part
        simulate_overexposure_folder(photos, data[part], gamma=base.gamma, tau=base.tau, progress=False)
    sets = [*SETTINGS, f"TRAIN_DIR={train_dir}", f"VAL_DIR={val_dir}", *args.sets]
    if args.vgg_weights:
        sets.append(f"VGG_WEIGHTS={args.vgg_weights}")
    crops = step_curves.centre_crops(data["test"], base.resol)
    crop_baselines = step_curves.baseline_psnr(crops, [name for name, _ in BASELINES], clipped=True)

    columns = {part: {} for part in data}
    for part in data:
        result = evaluate(data[part], work / "eval" / f"baselines-{part}", baselines=[n for n, _ in BASELINES],
                          inception_weights=args.inception_weights, grid=0, progress=False)
        for name, label in BASELINES:
            columns[part][label] = [means(result, name)]
    curves, notes = {}, []
    for name, category, extra, title in ARMS:
        for seed in seeds:
            run = work / "runs" / f"{name}-seed{seed}"
            print(f"training {name} seed {seed} ...", flush=True)
            callback = step_curves.step_curves_callback(crops, base.steps_per_epoch, clipped=True)
            try:
                seconds, _ = train_arm(TABLE, category, [*sets, *extra, f"SEED={seed}"], run, callbacks=[callback])
            except UserError as err:
                shutil.rmtree(run, ignore_errors=True)
                notes.append(f"- **{title}** not run: {err}")
                break
            notes.append(f"- {title} seed {seed}: trained in {seconds:.0f} s.")
            curves.setdefault(name, []).append(pd.DataFrame(callback.rows))
            for part in data:
                result = evaluate(data[part], work / "eval" / f"{run.name}-{part}", run=run, baselines=[],
                                  inception_weights=args.inception_weights, grid=0, progress=False)
                columns[part].setdefault(title, []).append(means(result, MODEL))

    conditions = list(crops)
    step_curves.curve_figure(curves, crop_baselines, [c for c in crop_baselines["inverse"]], pathlib.Path(args.figure),
                             labels={**dict(BASELINES), **{n: t for n, _, _, t in ARMS}})
    titles = [t for *_, t in ARMS] + [label for _, label in BASELINES]
    steps = base.epochs * base.steps_per_epoch
    crossing = []
    for name, *_, title in ARMS:
        if name not in curves:
            continue
        for key in [c for c in crop_baselines["inverse"]]:
            mean = np.mean([f[key].to_numpy() for f in curves[name]], axis=0)
            step = step_curves.crossing_step(curves[name][0]["step"].to_numpy(), mean, crop_baselines["inverse"][key])
            crossing.append(f"| {title} | {'clipped areas' if key.endswith('clipped') else 'whole image'} | "
                            f"{'never' if step is None else step} | {mean[0]:.2f} / {mean[-1]:.2f} |")
    command = "python reports/exposure.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = "\n".join([
        "# Exposure correction with adversarial networks (seed 003): its arms, three seeds, inside the clipped areas",
        "",
        f"Regenerate with `make report-exposure` (`{command.strip()}`). Written {datetime.date.today()} on "
        f"{platform.machine()} ({platform.python_version()}), {chosen_precision(base.precision)[0]} precision.",
        "",
        "## Settings",
        "",
        f"- Table `param_tables/exposure_overexposure.csv` (FOV 140 by a full-resolution 4-layer PatchGAN, LSGAN, "
        f"spectral norm, noise at inference, `G_OUTPUT={base.g_output}`), every arm with "
        f"`--set {' --set '.join(SETTINGS + tuple(args.sets))}`, seeds {args.seeds}: {steps} steps of batch "
        f"{base.batch_size} at {base.resol} px (the paper: 256 px, its own schedule).",
        "- The first column is the baseline with the paper's head (`--set G_OUTPUT=image`: the U-Net draws the whole "
        "image); the others start from the trivial inverse and learn a residual over it (beyond the paper; chosen "
        "on the validation photos, below).",
        f"- Photos: `reports/photo_split.csv` of `../shared/data/photos` (Kodak + CC0 wildlife), shorter side "
        f"{base.resol} px: {len(list(train_dir.iterdir()))} train, {len(list(val_dir.iterdir()))} validation, "
        f"{len(crops[conditions[0]][0])} test (used only here).",
        f"- Inputs: `tfcorrect-data simulate-overexposure` (x' = min(1, x * tau^-gamma), gamma {base.gamma}, tau "
        f"{base.tau}); `tfcorrect-eval` against the originals. *Inside the clipped areas*: only the pixels with a "
        "channel the simulation clipped to white (`psnr_clipped`, `ssim_clipped`; docs/commands.md), where the "
        "trivial inverse cannot know the value. Mean over images, then mean ± sd over seeds.",
        "",
        "## Test photos",
        "",
        *table_lines(columns["test"], titles),
        "",
        "## Findings (test photos)",
        "",
        *verdicts(columns["test"]),
        "",
        "## Validation photos (the head was chosen here)",
        "",
        *table_lines(columns["val"], titles, paper=False),
        "",
        "## PSNR against training steps",
        "",
        f"After every epoch each run's generator is scored on the {base.resol}-px centre crops of the test inputs "
        "(never used to choose anything), beside the trivial inverse on the same crops "
        f"(`{pathlib.Path(args.figure).relative_to(ROOT) if pathlib.Path(args.figure).is_relative_to(ROOT) else args.figure}`). "
        "The step from which an arm's mean over seeds stays above the trivial inverse:",
        "",
        "| arm | where | above the trivial inverse from step | PSNR at the first / last epoch |", "|---|---|---|---|",
        *crossing,
        "",
        "## Runs",
        "",
        *notes,
        "",
        "The seed's figures are on its own data at 256 px after full training; compare the arms with each other and "
        "with the baselines, not with the paper.",
        "",
    ])
    write_report(text, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
