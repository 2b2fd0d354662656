"""Benchmark of ``tfcorrect-eval``: today's code against the code before its metrics were batched, in one run.

Run as ``python bench/eval.py [--old-commit ad47bfb] [--photos 8] [--size 512x384] [--rounds 2] [--json PATH]``.

1. **Data.** ``--photos`` real photos bundled with scikit-image and matplotlib are resized
   (``cv2.INTER_AREA``) to ``--size`` (512x384 = 0.2 MP) and written as PNGs; ``tfcorrect-data
   simulate-exposure`` makes a paired folder of them at ``--ev-offsets`` (default -1,1: 16 pairs).
2. **Old code.** A copy of today's ``tfcorrect`` package whose ``evaluation/metrics.py``,
   ``evaluate.py``, ``baselines.py`` and ``report.py`` are those of ``--old-commit`` (``git show``), so
   only the change of those files is measured. The default, ad47bfb, is the last commit that scored
   one eager call per metric, image and method (its metrics and baselines are those of 2dce8f1, which
   made ``tests/fixtures/evaluation/metrics_2dce8f1.csv``).
3. **Timing.** Each round runs ``tfcorrect-eval DATA --out OUT --grid 4`` (every baseline) as a
   fresh child process with today's package, then with the old one (``PYTHONPATH``), and takes each
   child's wall time and CPU time (``os.wait4``), and its peak RSS. ``tfcorrect-eval --help`` is
   timed the same way: the start-up (importing TensorFlow) that every run pays.
4. **Values.** The two ``metrics.csv`` files are compared: the largest relative difference of
   each metric.

It prints the medians over ``--rounds``, the ratio old / new of the whole command and of the
command less its start-up, and, last, ``ratio: X.XX`` (whole command) for scripts. Other
processes compete for the 2 cores; the load average is printed, and the ratio comes from runs
that alternate in one invocation.
"""

import argparse
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "motorcycle_left", "immunohistochemistry", "retina",
          "grace_hopper", "hubble_deep_field", "motorcycle_right")
OLD_FILES = ("evaluation/metrics.py", "evaluation/evaluate.py", "evaluation/baselines.py", "evaluation/report.py")
METRICS = ("psnr", "ssim", "ms_ssim", "luminance_sim", "contrast_sim", "saturation_sim")


def make_data(folder, photos, size, ev_offsets):
    """A paired folder of ``photos`` real photos at ``size`` (w, h), made by ``tfcorrect-data simulate-exposure``."""
    import cv2

    from tfcorrect.io.images import write_image
    from tfcorrect.io.sample_photos import load_photo

    for name in PHOTOS[:photos]:
        pixels = cv2.resize(load_photo(name), size, interpolation=cv2.INTER_AREA)
        write_image(folder / "photos" / f"{name}.png", pixels / 255.0)
    command = [sys.executable, "-m", "tfcorrect.cli.data", "simulate-exposure", str(folder / "photos"),
               str(folder / "data"), "--ev-offsets", ev_offsets]
    subprocess.run(command, check=True, capture_output=True, cwd=folder, env=_env(ROOT))
    return folder / "data"


def old_package(folder, commit):
    """Today's package with the evaluation files of ``commit``; returns the folder to put on ``PYTHONPATH``."""
    shutil.copytree(ROOT / "tfcorrect", folder / "tfcorrect", ignore=shutil.ignore_patterns("__pycache__"))
    for path in OLD_FILES:
        text = subprocess.run(["git", "show", f"{commit}:tfcorrect/{path}"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout
        (folder / "tfcorrect" / path).write_text(text, encoding="utf-8")
    return folder


def _env(package_root):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    env["PYTHONPATH"] = str(package_root)
    env["KERAS_HOME"] = str(pathlib.Path(tempfile.gettempdir()) / "tfcorrect-bench-eval-keras")  # no InceptionV3
    return env


def timed(args, package_root, cwd):
    """``(wall s, cpu s, peak RSS bytes)`` of ``python -m tfcorrect.cli.eval ARGS`` in a fresh process."""
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "tfcorrect.cli.eval", *args], cwd=cwd, env=_env(package_root),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"tfcorrect-eval {' '.join(args)} failed:\n{stderr.decode()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


def compare(new_csv, old_csv):
    """Largest relative difference of each metric between two ``metrics.csv`` files of the same pairs."""
    import numpy as np
    import pandas as pd

    new, old = (pd.read_csv(p).set_index(["image", "method"]).sort_index() for p in (new_csv, old_csv))
    if list(new.index) != list(old.index):
        raise SystemExit("the two runs scored different images or methods")
    return {m: float(np.max(np.abs(new[m] / old[m] - 1))) for m in METRICS}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old-commit", default="ad47bfb", help="commit of the code to compare with (default: ad47bfb)")
    parser.add_argument("--photos", type=int, default=8, help=f"real photos, at most {len(PHOTOS)} (default: 8)")
    parser.add_argument("--size", default="512x384", help="photo size WxH (default: 512x384, 0.2 MP)")
    parser.add_argument("--ev-offsets", default="-1,1", help="simulate-exposure offsets (default: -1,1)")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each version, alternating (default: 2)")
    parser.add_argument("--json", metavar="PATH", help="also write every figure as JSON")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    work = pathlib.Path(tempfile.mkdtemp(prefix="tfcorrect-bench-eval-"))
    try:
        data = make_data(work, args.photos, size, args.ev_offsets)
        versions = {"new": ROOT, "old": old_package(work / "old", args.old_commit)}
        pairs = len(list((data / "input").rglob("*.png")))
        print(f"{pairs} pairs of {size[0]}x{size[1]} px, every baseline; old = {args.old_commit}; "
              f"load average {os.getloadavg()[0]:.2f}")
        runs = {f"{name} {what}": [] for name in versions for what in ("eval", "start-up")}
        for _ in range(args.rounds):
            for name, package in versions.items():
                runs[f"{name} start-up"].append(timed(["--help"], package, work))
                runs[f"{name} eval"].append(timed([str(data), "--out", str(work / f"out-{name}")], package, work))
        figures = {key: {"wall_s": statistics.median(r[0] for r in values),
                         "cpu_s": statistics.median(r[1] for r in values),
                         "peak_rss_mib": max(r[2] for r in values) / 2 ** 20} for key, values in runs.items()}
        for key, f in figures.items():
            print(f"{key:14s} wall {f['wall_s']:6.2f} s  cpu {f['cpu_s']:6.2f} s  peak RSS {f['peak_rss_mib']:6.0f} MiB")
        old, new = figures["old eval"], figures["new eval"]
        loop = {name: figures[f"{name} eval"]["wall_s"] - figures[f"{name} start-up"]["wall_s"] for name in versions}
        figures["differences"] = compare(work / "out-new" / "metrics.csv", work / "out-old" / "metrics.csv")
        figures["ratio"] = old["wall_s"] / new["wall_s"]
        figures["ratio_less_start_up"] = loop["old"] / loop["new"]
        figures["ratio_cpu"] = old["cpu_s"] / new["cpu_s"]
        figures["seconds_per_image_and_method"] = {n: loop[n] / (pairs * 6) for n in versions}
        print("largest relative difference new vs old: "
              + ", ".join(f"{m} {d:.1e}" for m, d in figures["differences"].items()))
        print(f"per image and method (less start-up): old {figures['seconds_per_image_and_method']['old']:.3f} s, "
              f"new {figures['seconds_per_image_and_method']['new']:.3f} s")
        print(f"ratio less start-up: {figures['ratio_less_start_up']:.2f}; cpu ratio: {figures['ratio_cpu']:.2f}; "
              f"load average {os.getloadavg()[0]:.2f}")
        if args.json:
            pathlib.Path(args.json).write_text(json.dumps(figures, indent=2), encoding="utf-8")
        print(f"ratio: {figures['ratio']:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
