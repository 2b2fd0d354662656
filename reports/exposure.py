"""Seed 003's results table, regenerated from nothing: ``python reports/exposure.py`` (``make report-exposure``).

Trains the three arms of ``param_tables/exposure_overexposure.csv`` (categories ``BASELINE``,
``NOISE``, ``PERCEPTUAL_NOISE``) with the same data, seed and number of steps, on the training
part of ``reports/photo_split.csv`` (``../shared/data/photos``), then scores them with
``tfcorrect-eval`` beside the identity and seed 003's trivial inverse on the test part, rendered
with ``tfcorrect-data simulate-overexposure``. Writes ``reports/exposure.md`` with the settings at
the top and the table in the seed's layout (rows: inception score, luminance, contrast and
saturation similarity; one column per arm), plus PSNR / SSIM / MS-SSIM.

The run is small enough for this 2-core CPU (``--set`` values below); it shows that every arm
trains and how the numbers are produced, not the paper's figures. The perceptual arm needs
VGG19's ImageNet weights (``--vgg-weights`` or Keras's cache) and the inception score
InceptionV3's; without them the report says so instead of using random weights.
"""

import datetime
import pathlib
import platform
import shutil
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "reports"))

from split_photos import read_split, scaled_copies  # noqa: E402  (reports/split_photos.py)
from common import report_parser, train_arm, write_report  # noqa: E402  (reports/common.py)

TABLE = ROOT / "param_tables" / "exposure_overexposure.csv"
REPORT = ROOT / "reports" / "exposure.md"
# (category, the seed's column name)
ARMS = (("BASELINE", "Pix2pix baseline"), ("NOISE", "Noise"), ("PERCEPTUAL_NOISE", "Perceptual + noise"))
# The small CPU run: every arm gets these on top of the table.
SETTINGS = ("RESOL=64", "NGF=16", "NDF=16", "BATCH_SIZE=4", "EPOCHS=6", "STEPS_PER_EPOCH=50", "VAL_STEPS=4",
            "SAMPLES=2", "LR=0.0002")
# Seed 003's table (its Table, Places365 subsample, 256 px): row -> values per arm.
PAPER = {"inception_score": (18.36, 19.26, 21.46), "luminance_sim": (90.19, 89.97, 88.11),
         "contrast_sim": (88.29, 88.74, 90.63), "saturation_sim": (83.23, 83.55, 84.73)}
ROWS = (("inception_score", "Inception Score"), ("luminance_sim", "Luminance Sim."),
        ("contrast_sim", "Contrast Sim."), ("saturation_sim", "Saturation Sim."), ("psnr", "PSNR (dB)"),
        ("ssim", "SSIM"), ("ms_ssim", "MS-SSIM"))
PERCENT = {"luminance_sim", "contrast_sim", "saturation_sim"}
BASELINE_COLUMNS = (("identity", "input (identity)"), ("inverse", "trivial inverse"))


def parse_args(argv=None):
    parser = report_parser("reports/exposure.py", __doc__.splitlines()[0], name="exposure", out=REPORT)
    parser.add_argument("--vgg-weights", default="", help="VGG19 no-top ImageNet weights for the perceptual arm")
    parser.add_argument("--inception-weights", default="", help="InceptionV3 ImageNet weights for the inception score")
    return parser.parse_args(argv)


def try_arm(category, sets, run_dir):
    """Train one arm: its seconds, or ``None`` and the reason when it cannot run here."""
    from tfcorrect.errors import UserError

    try:
        return train_arm(TABLE, category, sets, run_dir)[0], ""
    except UserError as err:
        shutil.rmtree(run_dir, ignore_errors=True)
        return None, str(err)


def cell(name, value):
    if value != value:  # NaN: not computed
        return "n/a"
    return f"{100 * value:.2f}" if name in PERCENT else f"{value:.3f}" if name in ("ssim", "ms_ssim") else f"{value:.2f}"


def main(argv=None):
    args = parse_args(argv)
    from tfcorrect.methods.overexposure.simulate import simulate_overexposure_folder
    from tfcorrect.evaluation.evaluate import MODEL, evaluate
    from tfcorrect.methods import resolve

    work = pathlib.Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    base = resolve(str(TABLE), sets=list(SETTINGS) + args.sets)[0]
    train_dir = scaled_copies(read_split(args.photos, "train"), work / "train", short_side=base.load_size)
    val_dir = scaled_copies(read_split(args.photos, "val"), work / "val", short_side=base.load_size)
    test_photos = scaled_copies(read_split(args.photos, "test"), work / "test_photos", short_side=base.load_size)
    test_dir = work / "test"
    simulate_overexposure_folder(test_photos, test_dir, gamma=base.gamma, tau=base.tau, progress=False)
    sets = [*SETTINGS, f"TRAIN_DIR={train_dir}", f"VAL_DIR={val_dir}", *args.sets]
    if args.vgg_weights:
        sets.append(f"VGG_WEIGHTS={args.vgg_weights}")

    columns, notes = {}, []
    for category, title in ARMS:
        print(f"training {category} ...", flush=True)
        seconds, why = try_arm(category, sets, work / "runs" / category)
        if seconds is None:
            notes.append(f"- **{title}** not run: {why}")
            continue
        notes.append(f"- **{title}** trained in {seconds:.0f} s.")
        result = evaluate(test_dir, work / "eval" / category, run=work / "runs" / category,
                          baselines=[name for name, _ in BASELINE_COLUMNS], inception_weights=args.inception_weights,
                          grid=4 if category == ARMS[0][0] else 0, progress=False)
        means = result.summary[result.summary.condition == "all"].set_index("method")
        columns[title] = means.loc[MODEL]
        for name, label in BASELINE_COLUMNS:
            columns.setdefault(label, means.loc[name])
        if result.failed:
            notes.append(f"  {len(result.failed)} test images failed: {result.failed[0]}")
        images = int(means.loc[MODEL, "images"])

    titles = [title for _, title in ARMS] + [label for _, label in BASELINE_COLUMNS]
    lines = ["| | " + " | ".join(titles) + " | seed 003 (" + ", ".join(t for _, t in ARMS) + ") |",
             "|---" * (len(titles) + 2) + "|"]
    for name, label in ROWS:
        values = [cell(name, columns[t][name]) if t in columns else "not run" for t in titles]
        paper = " / ".join(f"{v:.2f}" for v in PAPER[name]) if name in PAPER else ""
        lines.append(f"| {label} | " + " | ".join(values) + f" | {paper} |")

    inception = ("computed with InceptionV3's ImageNet weights" if args.inception_weights or any(
        columns[t]["inception_score"] == columns[t]["inception_score"] for t in columns) else
        "n/a: InceptionV3's ImageNet weights are not on this machine (pass --inception-weights)")
    command = "python reports/exposure.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = "\n".join([
        "# Exposure correction with adversarial networks (seed 003), three arms on a small CPU run",
        "",
        f"Regenerate with `make report-exposure` (`{command.strip()}`). Written {datetime.date.today()} on "
        f"{platform.machine()} ({platform.python_version()}).",
        "",
        "## Settings",
        "",
        f"- Table `param_tables/exposure_overexposure.csv`, categories {', '.join(c for c, _ in ARMS)}, each with "
        f"`--set {' --set '.join(SETTINGS + tuple(args.sets))}` (same data, seed and steps for every arm).",
        f"- Photos: `reports/photo_split.csv` of `../shared/data/photos` (Kodak + CC0 wildlife): "
        f"{len(list(train_dir.iterdir()))} train, {len(list(val_dir.iterdir()))} validation, {images} test; each "
        f"scaled to a shorter side of {base.load_size} px. The test photos are used only here.",
        f"- Test inputs: `tfcorrect-data simulate-overexposure` (x' = min(1, x * tau^-gamma), gamma {base.gamma}, "
        f"tau {base.tau}), scored by `tfcorrect-eval` against the originals on the whole image.",
        f"- Inception score: {inception}.",
        "- Similarities in percent (SSIM's luminance and contrast terms, and l*c on HSV saturation maps; "
        "see README, `tfcorrect-eval`).",
        "",
        "## Results (test split, mean over images)",
        "",
        *lines,
        "",
        *notes,
        "",
        "The seed's figures are on its own data at 256 px after full training; this run is "
        f"{base.epochs * base.steps_per_epoch} steps at {base.resol} px "
        "on CPU, so compare the arms with each other and with the baselines, not with the paper.",
        "",
    ])
    write_report(text, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
