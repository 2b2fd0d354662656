"""Seed 004's Table 4, regenerated from nothing: ``python reports/colorize.py`` (``make report-colorize``).

Trains ``param_tables/pix2pix_colorize.csv`` twice with the same data, seed and steps: category
``HOMOMORPHIC`` (``PREPROCESS=homomorphic``: the training photos filtered once into the run
folder, seed 004's 'Applied') and ``COMMON`` (photos as they are, 'Not Applied'), on the training
part of ``reports/photo_split.csv`` (``../shared/data/photos``), validated on its validation part
(not filtered). Then ``tfcorrect-report loss-table`` writes the final discriminator loss on real
pairs, on generated pairs and the generator loss of each run: ``reports/colorize_loss_table.md``
(with the settings and the seed's figures) and ``reports/colorize_loss_table.csv``.

The run is small enough for this 2-core CPU (``--set`` values below); it shows how the table is
produced and how the two arms compare on the same budget, not the paper's figures.
"""

import datetime
import pathlib
import platform
import shutil
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "reports"))

from split_photos import read_split, scaled_copies  # noqa: E402  (reports/split_photos.py)
from common import report_parser, train_arm  # noqa: E402  (reports/common.py)

TABLE = ROOT / "param_tables" / "pix2pix_colorize.csv"
REPORT = ROOT / "reports" / "colorize_loss_table.md"
# (category, the seed's 'proposed Logic' label), in the seed's row order.
ARMS = (("HOMOMORPHIC", "Applied"), (None, "Not Applied"))
# The small CPU run: both arms get these on top of the table.
SETTINGS = ("RESOL=64", "DEPTH=6", "NGF=16", "NDF=16", "G_MAX_FILTERS=128", "BATCH_SIZE=4", "EPOCHS=10",
            "STEPS_PER_EPOCH=40", "VAL_STEPS=4", "SAMPLES=2")
PHOTO_SIDE = 256  # shorter side of the copies the filter sees; training then scales them to LOAD_SIZE
# Seed 004's Table 4 (431 palace photos, 256 px and up): label -> (D loss real, D loss fake, G loss).
PAPER = {"Applied": (0.28004, 0.38701, 3.04149), "Not Applied": (0.32232, 0.40546, 4.03307)}


def parse_args(argv=None):
    return report_parser("reports/colorize.py", __doc__.splitlines()[0], name="colorize", out=REPORT,
                         arms="both arms").parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    import pandas as pd

    from tfcorrect.methods.colorize.loss_table import LOSS_COLUMNS, to_markdown, write_loss_table
    from tfcorrect.methods import resolve

    started = time.perf_counter()
    work = pathlib.Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    train_dir = scaled_copies(read_split(args.photos, "train"), work / "train", short_side=PHOTO_SIDE)
    val_dir = scaled_copies(read_split(args.photos, "val"), work / "val", short_side=PHOTO_SIDE)
    sets = [*SETTINGS, f"TRAIN_DIR={train_dir}", f"VAL_DIR={val_dir}", *args.sets]
    applied = resolve(str(TABLE), category=ARMS[0][0], sets=sets)[0]

    runs, notes = [], []
    for category, label in ARMS:
        print(f"training {category or 'COMMON'} ({label}) ...", flush=True)
        run_dir = work / "runs" / (category or "COMMON")
        seconds = train_arm(TABLE, category, sets, run_dir)[0]
        runs.append(run_dir)
        history = pd.read_csv(run_dir / "history.csv")
        notes.append(f"- **{label}** (`--category {category}`)" if category else f"- **{label}** (COMMON rows only)")
        notes[-1] += (f": trained in {seconds:.0f} s; final validation L1 on the unfiltered validation photos "
                      f"{history['val_g_l1'].iloc[-1]:.4f} (in [-1, 1] units).")

    out = pathlib.Path(args.out)
    csv = write_loss_table(runs, work / "loss_table", [label for _, label in ARMS])[1]
    table = pd.read_csv(csv)
    shutil.copyfile(csv, out.with_suffix(".csv"))
    paper = pd.DataFrame([{"No": i, "run": label, **dict(zip(LOSS_COLUMNS, PAPER[label]))}
                          for i, (_, label) in enumerate(ARMS, start=1)])
    paper_lines = to_markdown(paper.assign(epochs="")).replace("|  |", "| - |").splitlines()
    command = "python reports/colorize.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = "\n".join([
        "# Colorization with homomorphic preprocessing (seed 004): Table 4 on a small CPU run",
        "",
        f"Regenerate with `make report-colorize` (`{command.strip()}`). Written {datetime.date.today()} on "
        f"{platform.machine()} ({platform.python_version()}); {time.perf_counter() - started:.0f} s in all.",
        "",
        "## Settings",
        "",
        f"- Table `param_tables/pix2pix_colorize.csv`: categories {ARMS[0][0]} and COMMON, each with "
        f"`--set {' --set '.join(SETTINGS + tuple(args.sets))}` (same data, seed and steps for both).",
        f"- Photos: `reports/photo_split.csv` of `../shared/data/photos` (Kodak + CC0 wildlife): "
        f"{len(list(train_dir.iterdir()))} train, {len(list(val_dir.iterdir()))} validation, scaled to a shorter "
        f"side of {PHOTO_SIDE} px; the input is their grayscale (`DATASET=colorize`).",
        f"- Applied: `PREPROCESS=homomorphic` filters the training photos once into `RUN/preprocessed/`: "
        f"gamma_L {applied.homo_gamma_l}, gamma_H {applied.homo_gamma_h}, D0 {applied.homo_cutoff} cycles per "
        f"shorter side, c {applied.homo_c}, on the {applied.homo_channels}; whole images (REFLECTION_ONLY "
        f"{'Y' if applied.reflection_only else 'N'}). The same as `tfcorrect-data homomorphic SRC DST`.",
        "- Losses are the last epoch's training means as Keras reports them (`history.csv`): discriminator "
        "BCE on real pairs (`d_real`), on generated pairs (`d_fake`), generator total "
        "(GAN + 100 * L1, `g_total`); `tfcorrect-report loss-table RUN RUN --labels Applied,'Not Applied'`.",
        "",
        "## Table 4: model loss values (this run)",
        "",
        to_markdown(table).rstrip(),
        "",
        "## Seed 004's Table 4 (431 palace photos)",
        "",
        *paper_lines,
        "",
        *notes,
        "",
        "The seed's figures come from full training on its own photos; this run is "
        f"{applied.epochs * applied.steps_per_epoch} steps at {applied.resol} px on CPU, so compare the two "
        "rows with each other, not with the paper. Each row's training losses are on its own targets (filtered or "
        "not), so they say how hard each set is to fit; the validation L1 above, on the same unfiltered photos "
        "for both, is the common yardstick.",
        "",
    ])
    out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
