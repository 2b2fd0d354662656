"""The shipped white-balance model on cameras it never saw: ``python reports/white_balance_model.py``.

``make report-white-balance`` runs it. Simulates the test part of ``reports/photo_split.csv`` (photos
no training or choice touched) with ``tfcorrect-data simulate-cameras`` for cameras absent from the
model's ``CAMERAS`` (default: the synthetic X100..X103, each with its own sensor), lights from the
mixed prior, then scores the model (``--run``, default ``saved_models/white_balance``) and the
classical baselines with ``tfcorrect-eval``. Writes ``reports/white_balance.md``: mean, median and
worst-25 % angular error per camera and over all, and ``docs/figures/white_balance_grid.png``.
"""

import argparse
import datetime
import pathlib
import shutil
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "reports"))

from split_photos import DEFAULT_PHOTOS, read_split, scaled_copies  # noqa: E402  (reports/split_photos.py)

COMPARED = ("gray_world", "shades_of_gray", "gray_edge")  # the Done-when's baselines
SHOWN = ("model", "white_patch", *COMPARED, "identity")
STATS = ("mean", "median", "worst25")
GRID = ROOT / "docs" / "figures" / "white_balance_grid.png"
DEFAULT_OUT = ROOT / "reports" / "white_balance.md"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="reports/white_balance_model.py", description=__doc__.splitlines()[0])
    parser.add_argument("--run", default=str(ROOT / "saved_models" / "white_balance"), help="run folder to score")
    parser.add_argument("--cameras", default="X100..X103", help="cameras to simulate (default: X100..X103)")
    parser.add_argument("--photos", default=str(DEFAULT_PHOTOS), help="the photos reports/photo_split.csv names")
    parser.add_argument("--part", default="test", choices=("val", "test"),
                        help="photos to simulate: test (the report) or val (for choices, with other cameras)")
    parser.add_argument("--per-photo", type=int, default=2, help="lights per photo and camera (default: 2)")
    parser.add_argument("--work", default=str(ROOT / "reports" / "work" / "white_balance"), help="scratch folder")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="the report to write")
    return parser.parse_args(argv)


def verdict(summary, cameras):
    """One line per camera and over all: does the model beat each compared baseline on every statistic?"""
    lines, beaten = [], True
    for camera in ["all", *cameras]:
        part = summary[summary.camera == camera].set_index("method")
        losses = [f"{method} {stat}" for method in COMPARED for stat in STATS
                  if part.loc["model", stat] >= part.loc[method, stat]]
        beaten &= not losses
        lines.append(f"- {camera}: " + ("beats " + ", ".join(COMPARED) + " on mean, median and worst 25 %"
                                        if not losses else "does not beat " + ", ".join(losses)))
    return lines, beaten


def main(argv=None):
    args = parse_args(argv)
    from tfcorrect.cli import data as data_cli
    from tfcorrect.evaluation.evaluate import evaluate
    from tfcorrect.methods import load_params
    from tfcorrect.methods.illum_da.cameras import parse_cameras

    run, work = pathlib.Path(args.run), pathlib.Path(args.work)
    params = load_params(run / "params.csv")
    cameras = parse_cameras(args.cameras)
    trained = set(params.cameras.split(","))
    if trained & set(cameras):
        raise SystemExit(f"{', '.join(sorted(trained & set(cameras)))}: in the model's training CAMERAS")
    shutil.rmtree(work, ignore_errors=True)
    photos = scaled_copies(read_split(args.photos, args.part), work / "photos", long_side=params.illum_long_side or 128)
    simulate = ["simulate-cameras", str(photos), str(work / "data"), "--cameras", args.cameras, "--per-photo",
                str(args.per_photo), "--long-side", str(params.illum_long_side or 128), "--seed", "2" if args.part == "test" else "1"]
    if data_cli.main(simulate) != 0:
        raise SystemExit("simulate-cameras failed")
    result = evaluate(work / "data", work / "eval", run=run, progress=False)
    summary = result.summary  # per camera ("all": every image) and method
    shown = summary[summary.method.isin(SHOWN)].copy()
    shown["order"] = shown.method.map(SHOWN.index)
    lines, beaten = verdict(summary, cameras)
    table = ["| camera | method | images | " + " | ".join(STATS) + " |", "|---|---|---|" + "---|" * len(STATS)]
    for camera in ["all", *cameras]:
        for _, row in shown[shown.camera == camera].sort_values("order").iterrows():
            name = f"**{row.method}**" if row.method == "model" else row.method
            table.append(f"| {camera} | {name} | {row.images} | " + " | ".join(f"{row[s]:.2f}" for s in STATS) + " |")
    # The doc page's figure only from the report itself; other runs (e.g. --part val) put theirs beside --out.
    grid = GRID if pathlib.Path(args.out).resolve() == DEFAULT_OUT.resolve() else pathlib.Path(args.out).with_suffix(".png")
    if (work / "eval" / "grid.png").is_file():
        grid.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(work / "eval" / "grid.png", grid)
    rel = lambda p: str(pathlib.Path(p).resolve().relative_to(ROOT)) if ROOT in pathlib.Path(p).resolve().parents else str(p)  # noqa: E731
    text = "\n".join([
        f"# {run.name} on cameras it never saw", "",
        f"Regenerate with `make report-white-balance` (`python reports/white_balance_model.py --run {rel(run)} "
        f"--cameras {args.cameras}`). Written {datetime.date.today()}.", "",
        "## Protocol", "",
        f"- Photos: the {args.part} part of `reports/photo_split.csv` ({len(list(photos.iterdir()))} photos"
        + (" no training run or design choice touched" if args.part == "test" else "") + "), longer side "
        f"{params.illum_long_side or 128} px.",
        f"- Data: `tfcorrect-data simulate-cameras PHOTOS DATA --cameras {args.cameras} --per-photo {args.per_photo} "
        f"--long-side {params.illum_long_side or 128} --seed {2 if args.part == 'test' else 1}`: cameras not in the model's `CAMERAS` (trained "
        f"on {len(trained)}), each with its own synthetic sensitivities and sensor (shading, noise, black level, "
        "per-channel saturation), lights from the mixed prior.",
        f"- Scores: `tfcorrect-eval DATA --run {rel(run)} --out EVAL`: angular error in degrees in each camera's "
        "raw space; the classical baselines ignore clipped pixels. worst25 is the mean of the worst 25 %.",
        f"- {len(result.failed)} images failed.", "",
        "## Results", "", *table, "", *lines, "",
        ("**The model beats gray-world, shades-of-gray and gray-edge on mean, median and worst 25 % for every "
         "unseen camera and over all.**" if beaten else
         "**The model does not beat gray-world, shades-of-gray and gray-edge everywhere** (see above)."), "",
        (f"![grid](../{grid.relative_to(ROOT)})" if grid == GRID else f"![grid]({grid.name})"), ""])
    pathlib.Path(args.out).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
