"""``make demo``: the shipped exposure model on photos it never saw.

Bundled photos that were not used for training are rendered 1 and 1.5 stops too dark and too
bright, corrected with ``tfcorrect-predict`` and the default model, and scored against the
originals beside the classical baselines. A before/after grid is written to ``demo_out/``.
"""

import argparse
import pathlib
import sys

if __name__ == "__main__" and "--verbose" not in sys.argv:  # before TensorFlow is imported below
    from tfcorrect.cli.common import quiet_start_wanted, start_tensorflow_quietly

    if quiet_start_wanted():
        start_tensorflow_quietly()

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from tfcorrect.evaluation import baselines  # noqa: E402
from tfcorrect.cli import predict as predict_cli # noqa: E402
from tfcorrect.data.exposure import render_exposure # noqa: E402
from tfcorrect.io.images import read_image, write_image # noqa: E402
from tfcorrect.evaluation.metrics import psnr, ssim # noqa: E402
from tfcorrect.io.sample_photos import DEMO_SET, export_photos # noqa: E402

EV_OFFSETS = (-1.5, -1.0, 1.0, 1.5)
METHODS = {"input": baselines.identity, "CLAHE": baselines.clahe,
           "global re-exposure": baselines.global_reexposure,
           "white-point re-exp.": baselines.white_point_reexposure}
GRID_HEIGHT = 160


def render_inputs(originals, folder):
    """Write each original at every EV offset as an 8-bit PNG; returns ``(original, input)`` paths."""
    pairs = []
    for original in originals:
        pixels = read_image(original).pixels
        for ev in EV_OFFSETS:
            path = pathlib.Path(folder) / f"{original.stem}_{ev:+.1f}EV.png"
            write_image(path, render_exposure(pixels, ev).numpy())
            pairs.append((original, path))
    return pairs


def score(pairs, output_dir):
    """Mean PSNR and SSIM of every method and of the model's outputs against the originals."""
    results = {name: [] for name in [*METHODS, "tfcorrect"]}
    for original, source in pairs:
        reference, image = read_image(original).pixels, read_image(source).pixels
        candidates = {name: method(image) for name, method in METHODS.items()}
        candidates["tfcorrect"] = read_image(pathlib.Path(output_dir) / source.name).pixels
        for name, candidate in candidates.items():
            results[name].append((psnr(candidate, reference), ssim(candidate, reference)))
    return {name: np.mean(values, axis=0) for name, values in results.items()}


def _thumb(pixels, label):
    width = round(pixels.shape[1] * GRID_HEIGHT / pixels.shape[0])
    thumb = cv2.resize(np.clip(pixels, 0, 1), (width, GRID_HEIGHT), interpolation=cv2.INTER_AREA)
    thumb = np.ascontiguousarray((thumb * 255).round().astype(np.uint8))
    cv2.putText(thumb, label, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 0), 1, cv2.LINE_AA)
    return thumb


def write_grid(pairs, output_dir, path):
    """One row per rendered input: input | CLAHE | global re-exposure | tfcorrect | original."""
    rows = []
    for original, source in pairs:
        image = read_image(source).pixels
        cells = [(f"input {source.stem.rsplit('_', 1)[1]}", image),
                 ("CLAHE", METHODS["CLAHE"](image)),
                 ("global re-exposure", METHODS["global re-exposure"](image)),
                 ("tfcorrect", read_image(pathlib.Path(output_dir) / source.name).pixels),
                 ("original", read_image(original).pixels)]
        rows.append(np.concatenate([_thumb(p, label) for label, p in cells], axis=1))
    width = max(r.shape[1] for r in rows)
    rows = [np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0))) for r in rows]
    write_image(path, np.concatenate(rows, axis=0) / 255.0)


def main(argv=None):
    """Render, correct, score and draw; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m tfcorrect.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--run", metavar="DIR", help="run folder to use instead of the shipped default model")
    parser.add_argument("--out", default="demo_out", help="working folder (default: demo_out)")
    parser.add_argument("--verbose", action="store_true", help="show TensorFlow's C++ start-up log lines")
    args = parser.parse_args(argv)
    out = pathlib.Path(args.out)
    originals = export_photos(DEMO_SET, out / "originals")
    pairs = render_inputs(originals, out / "inputs")
    print(f"{len(pairs)} inputs: {', '.join(DEMO_SET)} at {', '.join(f'{ev:+g}' for ev in EV_OFFSETS)} EV")
    code = predict_cli.main([str(out / "inputs"), str(out / "outputs"), *(["--run", args.run] if args.run else [])])
    if code:
        return code
    print(f"\nmean over {len(pairs)} images, against the originals:")
    print(f"  {'method':<20} {'PSNR (dB)':>9} {'SSIM':>7}")
    for name, (mean_psnr, mean_ssim) in score(pairs, out / "outputs").items():
        print(f"  {name:<20} {mean_psnr:9.2f} {mean_ssim:7.3f}")
    write_grid(pairs, out / "outputs", out / "grid.png")
    print(f"\nbefore/after grid: {out / 'grid.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
