"""Benchmark of whole-image prediction: speed, peak memory by image size and distance from the compute floor.

Run as ``python bench/predict.py [--run DIR] [--megapixels 12,24] [--batch-size 4] [--tile N]
[--json PATH]`` (``make bench`` runs it with the defaults).

What is measured, all in one invocation, for each size of ``--megapixels``:

1. **Seconds per megapixel.** A real photo (scikit-image's ``retina`` by default) is resized
   with ``cv2.resize(..., INTER_CUBIC)`` to a 4:3 image of that many megapixels (12 MP = 4000x3000)
   and written as an 8-bit PNG into a temporary folder. A fresh child process builds the
   predictor with :func:`tfcorrect.inference.predict.predictor_from_run`, warms it up with one
   :func:`tfcorrect.inference.predict.correct_file` call on a small image made of ``batch_size + 1``
   tiles (so both the full-batch and a partial-batch shape are traced), then times one
   ``correct_file`` call on the large PNG: read, predict and write, the path the CLI
   takes. The number of ``tf.function`` traces during the timed call is reported (it should be
   0). Inside that call, reading, the predictor and writing are timed by ``correct_file(stages=)``
   and the generator's calls by the predictor's ``network_seconds`` (public seams, a few
   ``perf_counter`` calls each); the rest of the predictor is tiling, blending and gains.
2. **Peak memory.** The child's peak RSS is the ``ru_maxrss`` that ``os.wait4`` reports for it,
   started by a small fresh interpreter so that nothing of the parent's memory counts (``bench/rss.py``). The
   child also reports its own ``VmHWM`` (from ``/proc/self/status``) after TensorFlow import
   and model build (the baseline), after the warm-up and at the end, so the share of the
   large image is visible. Then ``tfcorrect-predict LARGE.png OUT/`` runs as a user runs it (the
   console script, in the environment the bench was started in) and its peak RSS is measured the
   same way. Both peaks are compared with a 3 GiB budget, and a table gives the peak per size and
   its growth per added pixel.
3. **Compute floor.** The generator's FLOPs for one tile are counted from its convolution
   layers, with shapes taken by evaluating the layers on a zero tile: ``2*kh*kw*cin*cout*Hout*Wout``
   per ``Conv2D`` and ``2*kh*kw*cin*cout*Hin*Win`` per ``Conv2DTranspose`` (each input pixel
   scatters one kernel); normalisation, activations and blending are ignored as small. Times
   the tiles the predictor ran in the timed call (its ``network_tiles``: one for a model with one
   gain per photo, such as the default), this is the total.
4. **FLOP rate.** The best of 10 timed float32 ``2048x2048 @ 2048x2048`` TensorFlow matmuls,
   ``2*n**3 / seconds`` (the median is printed too).
5. **Ratio.** Floor seconds = total FLOPs / FLOP rate; the ratio is the measured
   ``correct_file`` seconds over the floor seconds (the same per megapixel). The last line,
   ``ratio: X.XX``, is for scripts (the last size's).

Other processes (e.g. a training job) compete for the CPU; the load average and the child's
CPU use during the timed call are printed so a slow figure can be read in context.
"""

import argparse
import json
import math
import os
import pathlib
import sys
import tempfile
import time

# bench/common.py, bench/rss.py and bench/predict_report.py, beside this file
from common import conv_flops, matmul_flop_rate
from predict_report import report, report_memory, summarize
from rss import run_measured, vm_hwm_bytes

USER_ENV = dict(os.environ)  # tfcorrect-predict runs in the environment the bench was started in
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

PHOTO = "retina"
ASPECT = (4, 3)  # width : height


# --- shared helpers ------------------------------------------------------------------------

def image_size(megapixels):
    """``(height, width)`` of a 4:3 landscape image of about ``megapixels`` MP (12 -> 3000, 4000)."""
    width = round(math.sqrt(megapixels * 1e6 * ASPECT[0] / ASPECT[1]))
    return round(width * ASPECT[1] / ASPECT[0]), width


def tile_counts(height, width, tile, overlap):
    """Tiles per column and per row that :class:`tfcorrect.inference.predict.Predictor` cuts an image into."""
    from tfcorrect.inference.tiling import tile_starts

    stride = tile - overlap
    return len(tile_starts(max(height, tile), tile, stride)), len(tile_starts(max(width, tile), tile, stride))


# --- child: the measured process -----------------------------------------------------------

def _write_png(path, rgb_uint8):
    """Write an RGB uint8 array as PNG with OpenCV (no float copy of the image)."""
    import cv2

    if not cv2.imwrite(str(path), cv2.cvtColor(rgb_uint8, cv2.COLOR_RGB2BGR)):
        raise OSError(f"{path}: could not write PNG")


def _warmup_image(photo_png, tile, overlap, batch_size, target):
    """Write a ``tile`` x ``tile+stride*batch_size`` PNG: ``batch_size + 1`` tiles in one row."""
    import cv2

    width = tile + (tile - overlap) * batch_size
    photo = cv2.cvtColor(cv2.imread(str(photo_png), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    _write_png(target, cv2.resize(photo, (width, tile), interpolation=cv2.INTER_CUBIC))
    return tile, width


def _timed_correct(predictor, source, target):
    """Run ``correct_file`` once; ``(wall seconds, CPU seconds, stage seconds, new traces, tiles run)``."""
    from tfcorrect.inference.predict import correct_file

    traces, network, tiles = predictor.traces(), predictor.network_seconds, predictor.network_tiles
    stages = {}
    wall, cpu = time.perf_counter(), time.process_time()
    correct_file(predictor, source, target, stages=stages)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    stages["generator_s"] = predictor.network_seconds - network
    new_traces = None if traces is None else predictor.traces() - traces
    return wall, cpu, stages, new_traces, predictor.network_tiles - tiles


def run_child(config):
    """The measured process: build the predictor, warm up, time the large image, save figures."""
    from tfcorrect.inference.predict import predictor_from_run
    from tfcorrect.io.shipped import default_run

    predictor = predictor_from_run(config["run"], tile=config["tile"], batch_size=config["batch_size"])
    baseline = vm_hwm_bytes()
    work = pathlib.Path(config["work_dir"])
    warm_shape = _warmup_image(config["photo_png"], predictor.tile, predictor.overlap,
                               predictor.batch_size, work / "warmup.png")
    warm_s, _, _, warm_traces, _ = _timed_correct(predictor, work / "warmup.png", work / "out" / "warmup.png")
    after_warmup = vm_hwm_bytes()
    wall, cpu, stages, traces, tiles = _timed_correct(predictor, config["source_png"], work / "out" / "large.png")
    figures = {
        "run_dir": str(pathlib.Path(config["run"] or default_run()).resolve()),
        "tile": predictor.tile, "overlap": predictor.overlap, "batch_size": predictor.batch_size,
        "warmup_shape": warm_shape, "warmup_seconds": warm_s, "warmup_traces": warm_traces,
        "seconds": wall, "cpu_seconds": cpu, "stage_seconds": stages, "traces_during_timed_call": traces,
        "tiles_run": tiles, "child_vmhwm_baseline_bytes": baseline, "child_vmhwm_after_warmup_bytes": after_warmup,
        "child_vmhwm_end_bytes": vm_hwm_bytes(),
    }
    pathlib.Path(config["result_json"]).write_text(json.dumps(figures))


# --- parent: preparation, floor and report ---------------------------------------------------

def prepare_images(work_dir, photo, height, width):
    """Write the source photo and its ``height`` x ``width`` INTER_CUBIC resize as PNGs.

    Returns:
        ``(photo_png, large_png, photo_shape)``.
    """
    import cv2

    from tfcorrect.io.sample_photos import load_photo

    pixels = load_photo(photo)
    photo_png, large_png = work_dir / f"{photo}.png", work_dir / "large.png"
    _write_png(photo_png, pixels)
    _write_png(large_png, cv2.resize(pixels, (width, height), interpolation=cv2.INTER_CUBIC))
    return photo_png, large_png, pixels.shape


def measure_in_child(config):
    """Run :func:`run_child` in a fresh interpreter; its figures, its peak RSS (``peak_rss_bytes``) among them."""
    command = [sys.executable, str(pathlib.Path(__file__).resolve()), "--child", json.dumps(config)]
    code, peak, _ = run_measured(command)
    if code:
        raise SystemExit(f"benchmark child failed with exit code {code}")
    return {**json.loads(pathlib.Path(config["result_json"]).read_text()), "peak_rss_bytes": peak}


def measure_cli(args, source, output_dir):
    """Peak RSS in bytes of ``tfcorrect-predict SOURCE OUTPUT_DIR`` with the bench's model options."""
    script = pathlib.Path(sys.executable).with_name("tfcorrect-predict")  # the console script of this environment
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "tfcorrect.cli.predict"]
    command += [str(source), str(output_dir), "--batch-size", str(args.batch_size)]
    command += ["--run", args.run] if args.run else []
    command += ["--tile", str(args.tile)] if args.tile else []
    code, peak, stderr = run_measured(command, env=USER_ENV, quiet=True)
    if code:
        raise SystemExit(f"tfcorrect-predict failed with exit code {code}: {stderr.strip().splitlines()[-1:]}")
    return peak


def measure_size(args, megapixels):
    """The child's figures, the command's peak RSS and the photo's shape for one image size."""
    height, width = image_size(megapixels)
    with tempfile.TemporaryDirectory(prefix="tfcorrect-bench-") as tmp:
        work = pathlib.Path(tmp)
        photo_png, large_png, photo_shape = prepare_images(work, args.photo, height, width)
        config = {"run": args.run, "tile": args.tile, "batch_size": args.batch_size, "work_dir": tmp,
                  "photo_png": str(photo_png), "source_png": str(large_png),
                  "result_json": str(work / "child.json")}
        load_before = os.getloadavg()[0]
        child = measure_in_child(config)
        child["load_average"] = [load_before, os.getloadavg()[0]]
        cli_peak = measure_cli(args, large_png, work / "cli")
    return child, cli_peak, photo_shape


def compute_floor(child):
    """Per-tile FLOPs and the matmul FLOP rate, measured in this process."""
    from tfcorrect.inference.predict import load_network

    _, generator = load_network(child["run_dir"])
    per_tile, conv_layers = conv_flops(generator, child["tile"])
    best, median = matmul_flop_rate()
    return {"flops_per_tile": per_tile, "conv_layers": conv_layers, "flop_rate": best, "median_flop_rate": median}


def _sizes(text):
    """``--megapixels`` values: ``12`` or ``1,12,24``."""
    try:
        sizes = [float(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected megapixels like 12 or 12,24, got {text!r}") from None
    if not all(size > 0 for size in sizes):
        raise argparse.ArgumentTypeError(f"megapixels must be positive, got {text!r}")
    return sizes


def parse_args(argv=None):
    """Command-line options (``--child`` is internal: the measured process)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default=None, help="run folder (default: the shipped default model)")
    parser.add_argument("--megapixels", type=_sizes, default=[12.0, 24.0],
                        help="sizes of the 4:3 test images, comma-separated (default: 12,24)")
    parser.add_argument("--batch-size", type=int, default=4, help="tiles run at once")
    parser.add_argument("--tile", type=int, default=None, help="tile side (default: the model's)")
    parser.add_argument("--photo", default=PHOTO, help="bundled photo the test image is made from")
    parser.add_argument("--json", type=pathlib.Path, default=None, help="also write the figures here")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None):
    """Measure each size in children, then compute the floor here and print the reports."""
    args = parse_args(argv)
    if args.child:
        from tfcorrect.errors import UserError
        try:
            run_child(json.loads(args.child))
        except UserError as err:  # a bad --run or --tile: one line, not a traceback
            raise SystemExit(f"error: {err}") from None
        return
    measured = [(megapixels, *measure_size(args, megapixels)) for megapixels in sorted(args.megapixels)]
    floor = compute_floor(measured[0][1])  # TensorFlow in this process only now
    sizes = []
    for megapixels, child, cli_peak, photo_shape in measured:
        height, width = image_size(megapixels)
        rows, cols = tile_counts(height, width, child["tile"], child["overlap"])
        figures = {**summarize(child, floor, cli_peak, height, width), "tile_rows": rows, "tile_cols": cols}
        report(figures, args.photo, photo_shape)
        sizes.append(figures)
    report_memory(sizes)
    print(f"ratio: {sizes[-1]['ratio']:.2f}")
    if args.json:
        args.json.write_text(json.dumps({"sizes": sizes}, indent=2) + "\n")


if __name__ == "__main__":
    main()
