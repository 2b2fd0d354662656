"""u1921415's pix2pix recipe and its learning-rate finding, per EV: ``python reports/pix2pix_exposure.py``.

``make report-pix2pix-exposure``. Trains both learning-rate arms of ``param_tables/pix2pix_exposure.csv``
(``LR_2E4``, ``LR_1E4``) with three seeds each on the training part of ``reports/photo_split.csv``
(``../shared/data/photos``), rendered on the fly as a camera would (``DATASET=simulate_exposure``,
``SIM_RENDER=camera``) at the paper's five EV offsets, at a size this 2-core CPU can train in the
budget (:data:`SETTINGS`). Scores every run with ``tfcorrect-eval`` on the test part rendered once
(``simulate-exposure --render camera --seed 0``) beside identity, CLAHE, histogram equalisation and
white-point re-exposure, and writes ``reports/pix2pix_exposure.md``: PSNR and SSIM per EV (mean and
sd over seeds), each seed's mean, whether 1e-4 beats 2e-4 beyond the seed spread, the generator-loss
curves of both arms (the paper's Figure 3, ``docs/figures/pix2pix_exposure_loss.png``) and the worst
and best test images (``docs/figures/pix2pix_exposure_grid.png``).
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

TABLE = ROOT / "param_tables" / "pix2pix_exposure.csv"
REPORT = ROOT / "reports" / "pix2pix_exposure.md"
FIGURES = ROOT / "docs" / "figures"
ARMS = (("LR_2E4", "LR 2e-4"), ("LR_1E4", "LR 1e-4"))
EV_OFFSETS = (-1.5, -1.0, 0.0, 1.0, 1.5)
# The CPU run on top of the paper's table: its loss, flip, jitter and blur, at half its size (the blur's
# sigma halves with it) and half its widths, batch 16 instead of 64, 1,200 steps instead of ~41,000.
SETTINGS = ("DATASET=simulate_exposure", "SIM_RENDER=camera", "EV_RANGE=0", "EV_OFFSETS=-1.5,-1,0,1,1.5",
            "RESOL=128", "LOAD_SIZE=128", "NORM_BLUR=0.5", "NGF=32", "NDF=32", "BATCH_SIZE=16", "EPOCHS=24",
            "STEPS_PER_EPOCH=50",
            "VAL_STEPS=4", "SAMPLES=2")
BASELINES = (("identity", "input (identity)"), ("histogram_equalisation", "histogram equalisation"),
             ("clahe", "CLAHE"), ("white_point_reexposure", "white-point re-exposure"))
GRID_ROWS = 3  # worst and best each


def parse_args(argv=None):
    parser = report_parser("reports/pix2pix_exposure.py", __doc__.splitlines()[0], name="pix2pix_exposure",
                           out=REPORT, arms="both arms")
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds of each arm (default: 0,1,2)")
    parser.add_argument("--part", default="test", choices=("val", "test"),
                        help="split part scored (default: test; val to try settings without touching test)")
    parser.add_argument("--figures", default=str(FIGURES), help="folder of the loss figure and the grid")
    return parser.parse_args(argv)


def conditions():
    from tfcorrect.data.examples import condition_name

    return [condition_name(ev) for ev in EV_OFFSETS]


def score_table(scores, metric, methods, digits):
    """Markdown rows: ``metric`` per EV and over the nonzero EVs; a method with seeds shows mean ± sd."""
    nonzero = [c for c, ev in zip(conditions(), EV_OFFSETS) if ev]
    lines = ["| method | " + " | ".join(f"{ev:+g} EV" for ev in EV_OFFSETS) + " | mean of nonzero EVs |",
             "|---" * (len(EV_OFFSETS) + 2) + "|"]
    for method, label in methods:
        per_seed = scores[scores.method == method].groupby(["seed", "condition"])[metric].mean().unstack()
        cells = [*conditions(), "nonzero"]
        per_seed["nonzero"] = per_seed[nonzero].mean(axis=1)
        if len(per_seed) > 1:
            text = [f"{per_seed[c].mean():.{digits}f} ± {per_seed[c].std(ddof=1):.{digits}f}" for c in cells]
        else:
            text = [f"{per_seed[c].iloc[0]:.{digits}f}" for c in cells]
        lines.append(f"| {label} | " + " | ".join(text) + " |")
    return lines


def verdicts(scores):
    """Sentences: does each arm beat identity and CLAHE at every nonzero EV (every seed), and 1e-4 against 2e-4."""
    means = scores.groupby(["method", "seed", "condition"])["psnr"].mean()
    lines = []
    for arm, label in ARMS:
        for base, base_label in BASELINES[:3:2]:
            losses = [(c, s) for c, ev in zip(conditions(), EV_OFFSETS) if ev
                      for s in means[arm].index.get_level_values(0).unique()
                      if means[(arm, s, c)] <= means[(base, 0, c)]]
            lines.append(f"- {label} beats {base_label} at every nonzero EV with every seed: "
                         + ("**yes**." if not losses else "**no**: " + ", ".join(f"{c} seed {s}" for c, s in losses) + "."))
    nonzero = [c for c, ev in zip(conditions(), EV_OFFSETS) if ev]
    arm_means = {arm: np.array([means[arm][s][nonzero].mean() for s in means[arm].index.get_level_values(0).unique()])
                 for arm, _ in ARMS}
    low, high = arm_means["LR_2E4"], arm_means["LR_1E4"]
    gap = high.mean() - low.mean()
    spread = max(low.std(ddof=1), high.std(ddof=1)) if len(low) > 1 else float("nan")
    beyond = len(low) > 1 and (high.min() > low.max() or low.min() > high.max())
    better = "1e-4" if gap > 0 else "2e-4"
    lines.append(f"- 1e-4 minus 2e-4, mean PSNR over the nonzero EVs: {gap:+.2f} dB (per-seed sd up to {spread:.2f} dB; "
                 f"2e-4 {', '.join(f'{v:.2f}' for v in low)}; 1e-4 {', '.join(f'{v:.2f}' for v in high)}). "
                 + (f"**{better} is better beyond the seed spread** (the seeds' ranges do not overlap)." if beyond else
                    "**Not beyond the seed spread**: the two arms' per-seed ranges overlap, so this run does not "
                    "reproduce the paper's finding that 1e-4 improved on 2e-4 (nor contradict it)."))
    return lines


def loss_figure(histories, steps_per_epoch, path):
    """The generator's adversarial and L1 losses per step of both arms: mean over seeds, min-max band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    for ax, (column, title) in zip(axes, (("g_gan", "generator BCE (train)"), ("g_l1", "generator L1 (train)"),
                                          ("val_g_l1", "generator L1 (validation photos)"))):
        for arm, label in ARMS:
            frame = np.array([h[column].to_numpy() for h in histories[arm]])
            steps = histories[arm][0]["epoch"].to_numpy() * steps_per_epoch
            line, = ax.plot(steps, frame.mean(axis=0), label=f"{label} (mean of {len(frame)} seeds)")
            ax.fill_between(steps, frame.min(axis=0), frame.max(axis=0), color=line.get_color(), alpha=0.2)
        ax.set(title=title, xlabel="training step")
        ax.grid(alpha=0.3)
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def grid_figure(data, scores, runs, path):
    """The :data:`GRID_ROWS` worst and best nonzero-EV test inputs by the 1e-4 arm's mean PSNR over seeds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from tfcorrect.inference.predict import predictor_from_run
    from tfcorrect.io.images import read_image

    ranked = (scores[(scores.method == "LR_1E4") & (scores.condition != conditions()[2])]
              .groupby(["image", "condition"])["psnr"].mean().sort_values())
    chosen = [*ranked.index[:GRID_ROWS], *ranked.index[-GRID_ROWS:][::-1]]
    predictors = {arm: predictor_from_run(runs[arm]) for arm, _ in ARMS}
    columns = ["input", *(f"{label}, seed {runs[arm].name[-1]}" for arm, label in ARMS), "target"]
    fig, axes = plt.subplots(len(chosen), len(columns), figsize=(2.6 * len(columns), 2.2 * len(chosen)))
    for row, (image, condition) in zip(axes, chosen):
        pixels = read_image(data / image).pixels
        target = read_image(data / image.replace("input/", "target/", 1)).pixels
        shown = [pixels, *(predictors[arm](pixels) for arm, _ in ARMS), target]
        for ax, picture, title in zip(row, shown, columns):
            ax.imshow(np.clip(picture, 0, 1))
            ax.set_xticks([]), ax.set_yticks([])
            ax.set_title(title, fontsize=8)
        row[0].set_ylabel(f"{condition}\n{ranked[(image, condition)]:.1f} dB", fontsize=8)
    fig.suptitle(f"{GRID_ROWS} worst (top) and {GRID_ROWS} best test inputs by the 1e-4 arm's PSNR", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def change_at_zero(data, runs):
    """``{run name: mean PSNR of its output against its own input}`` on the 0 EV test inputs: how much it changes them."""
    from tfcorrect.evaluation.metrics import psnr
    from tfcorrect.inference.predict import predictor_from_run
    from tfcorrect.io.images import read_image

    inputs = [read_image(path).pixels for path in sorted((data / "input" / conditions()[2]).rglob("*.png"))]
    changes = {}
    for run in runs:
        predictor = predictor_from_run(run)
        changes[run.name] = float(np.mean([psnr(predictor(x), x) for x in inputs]))
    return changes


def curve_lines(curves, baselines):
    """Markdown rows: per arm and nonzero EV, the step from which its mean curve stays above each baseline."""
    names = [name for name, _ in BASELINES if name != "histogram_equalisation"]
    lines = ["| arm | EV | " + " | ".join(f"above {dict(BASELINES)[n]} from step" for n in names)
             + " | PSNR at the first / last epoch | trend over the last 500 steps |", "|---" * (len(names) + 4) + "|"]
    for arm, label in ARMS:
        steps = curves[arm][0]["step"].to_numpy()
        for condition, ev in zip(conditions(), EV_OFFSETS):
            if not ev:
                continue
            mean = np.mean([f[condition].to_numpy() for f in curves[arm]], axis=0)
            cells = []
            for name in names:
                step = step_curves.crossing_step(steps, mean, baselines[name][condition])
                cells.append("never" if step is None else str(step))
            late = steps >= steps[-1] - 500
            slope = np.polyfit(steps[late], mean[late], 1)[0] * 1000
            lines.append(f"| {label} | {ev:+g} | " + " | ".join(cells) + f" | {mean[0]:.2f} / {mean[-1]:.2f} "
                         f"| {slope:+.2f} dB per 1,000 steps |")
    return lines


def main(argv=None):
    args = parse_args(argv)
    import pandas as pd

    from tfcorrect.evaluation.evaluate import MODEL, evaluate
    from tfcorrect.methods.exposure.simulate import simulate_exposure_folder
    from tfcorrect.nn.precision import chosen_precision
    from tfcorrect.training.runfolder import HISTORY

    seeds = [int(s) for s in args.seeds.split(",")]
    work = pathlib.Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    train_dir = scaled_copies(read_split(args.photos, "train"), work / "train", short_side=128)
    val_dir = scaled_copies(read_split(args.photos, "val"), work / "val", short_side=128)
    scored = scaled_copies(read_split(args.photos, args.part), work / f"{args.part}_photos", short_side=128)
    data = work / args.part
    simulate_exposure_folder(scored, data, ev_offsets=EV_OFFSETS, render="camera", seed=0, progress=False)
    sets = [*SETTINGS, f"TRAIN_DIR={train_dir}", f"VAL_DIR={val_dir}", *args.sets]

    from tfcorrect.methods import resolve

    steps_per_epoch = resolve(str(TABLE), sets=sets)[0].steps_per_epoch
    crops = step_curves.centre_crops(data, 128)
    crop_baselines = step_curves.baseline_psnr(crops, [name for name, _ in BASELINES])
    base = evaluate(data, work / "eval" / "baselines", baselines=[name for name, _ in BASELINES], grid=0,
                    progress=False).metrics.assign(seed=0)
    frames, histories, runs, curves, notes = [base], {}, {}, {}, []
    for arm, label in ARMS:
        for seed in seeds:
            run = work / "runs" / f"{arm}-seed{seed}"
            print(f"training {arm} seed {seed} ...", flush=True)
            callback = step_curves.step_curves_callback(crops, steps_per_epoch)
            seconds, params = train_arm(TABLE, arm, [*sets, f"SEED={seed}"], run, callbacks=[callback])
            curves.setdefault(arm, []).append(pd.DataFrame(callback.rows))
            notes.append(f"- {label} seed {seed}: trained in {seconds:.0f} s.")
            result = evaluate(data, work / "eval" / run.name, run=run, baselines=[], grid=0, progress=False)
            frames.append(result.metrics[result.metrics.method == MODEL].assign(method=arm, seed=seed))
            histories.setdefault(arm, []).append(pd.read_csv(run / HISTORY))
            runs.setdefault(arm, []).append(run)
    scores = pd.concat(frames, ignore_index=True)
    scores.to_csv(work / "scores.csv", index=False)
    pd.concat([f.assign(arm=arm, seed=s) for arm, found in curves.items() for s, f in zip(seeds, found)]).to_csv(
        work / "curves.csv", index=False)

    figures = pathlib.Path(args.figures)
    figures.mkdir(parents=True, exist_ok=True)
    loss_figure(histories, params.steps_per_epoch, figures / "pix2pix_exposure_loss.png")
    grid_figure(data, scores, {arm: found[0] for arm, found in runs.items()}, figures / "pix2pix_exposure_grid.png")
    step_curves.curve_figure(curves, {n: crop_baselines[n] for n, _ in BASELINES}, conditions(),
                             figures / "pix2pix_exposure_steps.png", labels={**dict(BASELINES), **dict(ARMS)})
    changes = change_at_zero(data, [run for found in runs.values() for run in found])
    methods = [*BASELINES, *ARMS]
    command = "python reports/pix2pix_exposure.py " + " ".join(argv if argv is not None else sys.argv[1:])
    steps = params.epochs * params.steps_per_epoch
    text = "\n".join([
        "# pix2pix exposure correction (u1921415): both learning rates, three seeds, per EV",
        "",
        f"Regenerate with `make report-pix2pix-exposure` (`{command.strip()}`). Written {datetime.date.today()} on "
        f"{platform.machine()} ({platform.python_version()}), {chosen_precision(params.precision)[0]} precision.",
        "",
        "## Settings",
        "",
        f"- Table `param_tables/pix2pix_exposure.csv`, categories {', '.join(a for a, _ in ARMS)} (learning rates "
        f"2e-4 and 1e-4), seeds {args.seeds}, each with `--set {' --set '.join(SETTINGS + tuple(args.sets))}`.",
        "- Kept from the paper: U-Net to a 1x1 bottleneck, 70-px PatchGAN, BCE + 100 x L1, Adam beta_1 0.5, flip "
        "p 0.5 on both images, colour jitter p 0.2 on the input only, the blur on both images, no resize jitter. "
        "Changed to fit 2 CPU cores: 128 px instead of 256 (blur sigma 0.5 px instead of 1), NGF = NDF = "
        f"{params.ngf} instead of 64 (a pilot at 64 reached only 480 steps in the time), batch {params.batch_size} "
        f"instead of 64, {steps} steps instead of about 41,000 (150 epochs of 17,675 "
        "pairs), the shared photos instead of Afifi et al.'s renders.",
        f"- Photos: `reports/photo_split.csv` of `../shared/data/photos` (Kodak + CC0 wildlife), shorter side 128 px: "
        f"{len(list(train_dir.iterdir()))} train (each step renders a crop at one of the five EVs as a camera would: "
        f"noise, local tone mapping, a drawn tone curve, JPEG), {len(list(val_dir.iterdir()))} validation (the loss "
        f"curves' right panel), {len(list(scored.iterdir()))} `{args.part}` photos, used only here.",
        f"- Scored: `tfcorrect-data simulate-exposure --ev-offsets=-1.5,-1,0,1,1.5 --render camera --seed 0` of the "
        f"`{args.part}` photos, then `tfcorrect-eval` against the originals on the whole image (PSNR in dB, SSIM); "
        "mean over photos, then mean ± sd over seeds.",
        "- At 0 EV the exposure is right but the camera rendering still differs from the photo (noise, a drawn tone "
        "curve, local tone mapping, JPEG), so identity is not perfect there; how much each arm changes a well-exposed "
        "input is under Findings (PSNR of its output against its own input).",
        "",
        "## PSNR (dB)",
        "",
        *score_table(scores, "psnr", methods, 2),
        "",
        "## SSIM",
        "",
        *score_table(scores, "ssim", methods, 3),
        "",
        "## Findings",
        "",
        *verdicts(scores),
        "- How little each arm changes a 0 EV input (PSNR of its output against that input, dB; higher is less "
        "change): " + "; ".join(f"{label} " + ", ".join(f"{changes[f'{arm}-seed{s}']:.2f}" for s in seeds)
                               for arm, label in ARMS) + " (per seed).",
        "",
        "## PSNR against training steps",
        "",
        f"After every epoch each run's generator is scored on the 128-px centre crops of the same `{args.part}` inputs "
        "(never used to choose anything); the baselines on the same crops. The step from which an arm's mean over "
        "seeds stays above a baseline to the end (`docs/figures/pix2pix_exposure_steps.png`):",
        "",
        *curve_lines(curves, crop_baselines),
        "",
        "## Figures",
        "",
        "- `docs/figures/pix2pix_exposure_loss.png`: the generator's losses per step for both arms, mean over seeds "
        "with the min-max band (the paper's Figure 3 plots the generator loss per epoch).",
        f"- `docs/figures/pix2pix_exposure_grid.png`: the {GRID_ROWS} worst and {GRID_ROWS} best nonzero-EV test "
        "inputs by the 1e-4 arm's PSNR (mean over seeds), with both arms' seed-0 outputs.",
        "",
        "## Runs",
        "",
        *notes,
        "",
    ])
    write_report(text, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
