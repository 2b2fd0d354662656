"""Benchmark of exported models: size on disk, latency and closeness to Keras, per export variant.

Run as ``python bench/export.py [--run DIR] [--tile 512] [--megapixels 12] [--repeats 5] [--json PATH]``.

What is measured, in one process, for Keras (the run folder through
:func:`tfcorrect.inference.predict.predictor_from_run`) and for each export of the same run made with
:func:`tfcorrect.inference.export.export_run` (SavedModel; TFLite float32, float16, dynamic and int8,
int8 calibrated on bundled photos that are not among the compared ones), all run through the
same :class:`tfcorrect.inference.predict.Predictor`:

1. **Size on disk**: bytes of the model file (``model.tflite``) or folder (``saved_model/``);
   for Keras, ``<network>.weights.h5``.
2. **Latency per tile**: the median of ``--repeats`` calls of the predictor's network call on one
   ``--tile`` x ``--tile`` tile of a real photo (batch 1), after one warm-up call.
3. **Seconds per photo**: one whole-image call of the predictor (tiling, batches of 4, blending) on a
   4:3 image of ``--megapixels`` (12 MP = 4000x3000) resized from a real photo with ``INTER_CUBIC``,
   after a warm-up on a small image.
4. **PSNR against Keras** (peak 1) and max absolute difference of each variant's output on three
   real photos (``coffee``, ``chelsea``, ``rocket`` resized to 1024x768, several tiles each); the
   table shows the lowest PSNR and the largest difference over the photos.

The TFLite files run in LiteRT's interpreter (``ai-edge-litert``) with one thread per CPU.
"""

import argparse
import json
import os
import pathlib
import statistics
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

COMPARED = ("coffee", "chelsea", "rocket")
CALIBRATION = ("astronaut", "motorcycle_left", "immunohistochemistry")
VARIANTS = (("savedmodel", "none"), ("tflite", "none"), ("tflite", "float16"), ("tflite", "dynamic"),
            ("tflite", "int8"))
COMPARE_SIZE = (1024, 768)  # width, height


def _photo(name, width, height):
    """A bundled real photo as float32 RGB in [0, 1], resized with ``INTER_CUBIC``."""
    import cv2
    import numpy as np

    from tfcorrect.io.sample_photos import load_photo

    resized = cv2.resize(load_photo(name), (width, height), interpolation=cv2.INTER_CUBIC)
    return resized.astype(np.float32) / 255.0


def _size(path):
    """Bytes of a file, or of every file below a folder."""
    path = pathlib.Path(path)
    return path.stat().st_size if path.is_file() else sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _tile_latency(predictor, tile_pixels, repeats):
    """Median seconds of one network call on one tile (batch 1), after a warm-up call."""
    batch = (tile_pixels[None] * 2 - 1).astype("float32")
    predictor.run_network(batch)
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        predictor.run_network(batch)
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def _photo_seconds(predictor, large):
    """Seconds of one whole-image prediction, after a warm-up on an image of two tile rows and columns."""
    predictor(large[:2 * predictor.tile, :2 * predictor.tile])
    start = time.perf_counter()
    predictor(large)
    return time.perf_counter() - start


def _closeness(predictor, references, photos):
    """``(lowest PSNR in dB, largest max abs difference)`` of the predictor's outputs against ``references``."""
    import numpy as np

    from tfcorrect.evaluation.metrics import psnr

    outputs = [predictor(image) for image in photos]
    return (min(psnr(out, ref) for out, ref in zip(outputs, references)),
            max(float(np.abs(out - ref).max()) for out, ref in zip(outputs, references)))


def _exports(run_dir, work, tile):
    """Export every variant into ``work``; ``{(format, quantize): (folder, model path)}``."""
    from tfcorrect.inference.export import FILES, export_run
    from tfcorrect.io.images import write_image
    from tfcorrect.errors import UserError
    from tfcorrect.methods import get_method, load_params

    params = load_params(pathlib.Path(run_dir) / "params.csv")

    calibration = work / "calibration"
    for name in CALIBRATION:
        write_image(calibration / f"{name}.png", _photo(name, tile * 2, tile * 2))
    made = {}
    for fmt, quantize in VARIANTS:
        out = work / f"{fmt}-{quantize}"
        try:
            get_method(params.model).check_export(params, quantize)
        except UserError as refused:
            print(f"{fmt} {quantize}: skipped ({refused})")
            continue
        export_run(run_dir, out, fmt=fmt, quantize=quantize, tile=tile,
                   calibration=calibration if quantize == "int8" else None)
        made[fmt, quantize] = (out, out / FILES[fmt])
    return made


def measure(run_dir, tile, megapixels, repeats):
    """Every figure of the table, one row per variant (Keras first)."""
    import math

    from tfcorrect.methods import get_method
    from tfcorrect.inference.predict import load_network, predictor_from_model, predictor_from_run
    from tfcorrect.io.shipped import default_run
    from tfcorrect.training.runfolder import weights_file

    run_dir = pathlib.Path(run_dir or default_run())
    params, _ = load_network(run_dir)
    width = round(math.sqrt(megapixels * 1e6 * 4 / 3))
    large = _photo("retina", width, round(width * 3 / 4))
    photos = [_photo(name, *COMPARE_SIZE) for name in COMPARED]
    tile_pixels = photos[0][:tile, :tile]
    keras_predictor = predictor_from_run(run_dir, tile=tile)
    references = [keras_predictor(image) for image in photos]
    rows = [{"variant": "keras", "bytes": _size(run_dir / weights_file(get_method(params.model).predict_network)),
             "tile_seconds": _tile_latency(keras_predictor, tile_pixels, repeats),
             "photo_seconds": _photo_seconds(keras_predictor, large), "psnr_db": None, "max_abs": None}]
    with tempfile.TemporaryDirectory() as work:
        for (fmt, quantize), (folder, model) in _exports(run_dir, pathlib.Path(work), tile).items():
            predictor = predictor_from_model(folder, tile=tile)
            lowest, largest = _closeness(predictor, references, photos)
            rows.append({"variant": fmt if fmt == "savedmodel" else f"tflite {quantize}", "bytes": _size(model),
                         "tile_seconds": _tile_latency(predictor, tile_pixels, repeats),
                         "photo_seconds": _photo_seconds(predictor, large), "psnr_db": lowest, "max_abs": largest})
    return {"run": str(run_dir.resolve()), "tile": tile, "photo_shape": list(large.shape), "rows": rows}


def table(figures):
    """The figures as a Markdown table."""
    height, width = figures["photo_shape"][:2]
    lines = [f"| variant | size (MB) | ms per {figures['tile']}-px tile | s per {width}x{height} photo "
             "| PSNR vs Keras (dB, lowest) | max abs vs Keras (/255) |", "|---|---:|---:|---:|---:|---:|"]
    for row in figures["rows"]:
        closeness = ("reference", "reference") if row["psnr_db"] is None else (
            f"{row['psnr_db']:.1f}", f"{row['max_abs'] * 255:.2f}")
        lines.append(f"| {row['variant']} | {row['bytes'] / 1e6:.1f} | {row['tile_seconds'] * 1e3:.0f} "
                     f"| {row['photo_seconds']:.1f} | {closeness[0]} | {closeness[1]} |")
    return "\n".join(lines)


def main():
    """Parse the options, measure and print the table (and write JSON when asked)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", help="run folder (default: the shipped default model)")
    parser.add_argument("--tile", type=int, default=512, help="tile side of every variant (default: 512)")
    parser.add_argument("--megapixels", type=float, default=12.0, help="size of the whole photo (default: 12)")
    parser.add_argument("--repeats", type=int, default=5, help="timed tile calls per variant (default: 5)")
    parser.add_argument("--json", metavar="PATH", help="also write every figure as JSON")
    args = parser.parse_args()
    figures = measure(args.run, args.tile, args.megapixels, args.repeats)
    print(table(figures))
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(figures, indent=2, default=str))


if __name__ == "__main__":
    main()
