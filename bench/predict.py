"""Benchmark of whole-image prediction: speed, peak memory and distance from the compute floor.

Run as ``python bench/predict.py [--run DIR] [--megapixels 12] [--batch-size 4] [--tile N]
[--json PATH]`` (``make bench`` runs it with the defaults).

What is measured, all in one invocation:

1. **Seconds per megapixel.** A real photo (scikit-image's ``retina`` by default) is resized
   with ``cv2.resize(..., INTER_CUBIC)`` to a 4:3 image of ``--megapixels`` (12 MP = 4000x3000)
   and written as an 8-bit PNG into a temporary folder. A fresh child process builds the
   predictor with :func:`tfcorrect.inference.predict.predictor_from_run`, warms it up with one
   :func:`tfcorrect.inference.predict.correct_file` call on a small image made of ``batch_size + 1``
   tiles (so both the full-batch and a partial-batch shape are traced), then times one
   ``correct_file`` call on the large PNG: read, tile, run, blend and write, the path the CLI
   takes. The number of ``tf.function`` traces during the timed call is reported (it should be
   0). Inside that call, reading, the predictor and writing are timed by ``correct_file(stages=)``
   and the generator's calls by the predictor's ``network_seconds`` (public seams, a few
   ``perf_counter`` calls each); the rest of the predictor is tiling, blending and gains in NumPy.
2. **Peak memory.** The parent never imports TensorFlow before the child has exited and reads
   the child's peak RSS from ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` (KiB on Linux). The
   child also reports its own ``VmHWM`` (from ``/proc/self/status``) after TensorFlow import
   and model build (the baseline), after the warm-up and at the end, so the share of the
   large image is visible. Peak RSS is compared with a 3 GiB budget.
3. **Compute floor.** The generator's FLOPs for one tile are counted from its convolution
   layers, with shapes taken by evaluating the layers on a zero tile: ``2*kh*kw*cin*cout*Hout*Wout``
   per ``Conv2D`` and ``2*kh*kw*cin*cout*Hin*Win`` per ``Conv2DTranspose`` (each input pixel
   scatters one kernel); normalisation, activations and blending are ignored as small. Times
   the number of tiles the predictor runs (its own ``tile_starts`` rule), this is the total.
4. **FLOP rate.** The best of 10 timed float32 ``2048x2048 @ 2048x2048`` TensorFlow matmuls,
   ``2*n**3 / seconds`` (the median is printed too).
5. **Ratio.** Floor seconds = total FLOPs / FLOP rate; the ratio is the measured
   ``correct_file`` seconds over the floor seconds (the same per megapixel). The last line,
   ``ratio: X.XX``, is for scripts.

Other processes (e.g. a training job) compete for the CPU; the load average and the child's
CPU use during the timed call are printed so a slow figure can be read in context.
"""

import argparse
import json
import math
import os
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

from common import MATMUL_N, MATMUL_REPEATS, conv_flops, matmul_flop_rate  # bench/common.py, beside this file

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

GIB = 1024 ** 3
KIB = 1024
MEMORY_BUDGET_GIB = 3.0
PHOTO = "retina"
ASPECT = (4, 3)  # width : height


# --- shared helpers ------------------------------------------------------------------------

def image_size(megapixels):
    """``(height, width)`` of a 4:3 landscape image of about ``megapixels`` MP (12 -> 3000, 4000)."""
    width = round(math.sqrt(megapixels * 1e6 * ASPECT[0] / ASPECT[1]))
    return round(width * ASPECT[1] / ASPECT[0]), width


def tile_counts(height, width, tile, overlap):
    """Tiles per column and per row that :class:`tfcorrect.inference.predict.Predictor` runs for an image."""
    from tfcorrect.inference.tiling import tile_starts

    stride = tile - overlap
    return len(tile_starts(max(height, tile), tile, stride)), len(tile_starts(max(width, tile), tile, stride))


def _vm_hwm_kib():
    """This process's peak resident set size so far (``VmHWM``), in KiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


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
    """Run ``correct_file`` once; ``(wall seconds, CPU seconds, stage seconds, new traces)``."""
    from tfcorrect.inference.predict import correct_file

    traces, network = predictor.traces(), predictor.network_seconds
    stages = {}
    wall, cpu = time.perf_counter(), time.process_time()
    correct_file(predictor, source, target, stages=stages)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    stages["generator_s"] = predictor.network_seconds - network
    new_traces = None if traces is None else predictor.traces() - traces
    return wall, cpu, stages, new_traces


def run_child(config):
    """The measured process: build the predictor, warm up, time the large image, save figures."""
    from tfcorrect.inference.predict import predictor_from_run
    from tfcorrect.io.shipped import default_run

    predictor = predictor_from_run(config["run"], tile=config["tile"], batch_size=config["batch_size"])
    baseline_kib = _vm_hwm_kib()
    work = pathlib.Path(config["work_dir"])
    warm_shape = _warmup_image(config["photo_png"], predictor.tile, predictor.overlap,
                               predictor.batch_size, work / "warmup.png")
    warm_s, _, _, warm_traces = _timed_correct(predictor, work / "warmup.png", work / "out" / "warmup.png")
    after_warmup_kib = _vm_hwm_kib()
    wall, cpu, stages, traces = _timed_correct(predictor, config["source_png"], work / "out" / "large.png")
    figures = {
        "run_dir": str(pathlib.Path(config["run"] or default_run()).resolve()),
        "tile": predictor.tile, "overlap": predictor.overlap, "batch_size": predictor.batch_size,
        "warmup_shape": warm_shape, "warmup_seconds": warm_s, "warmup_traces": warm_traces,
        "seconds": wall, "cpu_seconds": cpu, "stage_seconds": stages, "traces_during_timed_call": traces,
        "child_vmhwm_baseline_kib": baseline_kib, "child_vmhwm_after_warmup_kib": after_warmup_kib,
        "child_vmhwm_end_kib": _vm_hwm_kib(),
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
    """Run :func:`run_child` in a fresh interpreter; ``(its figures, peak RSS in KiB)``.

    ``ru_maxrss`` of ``RUSAGE_CHILDREN`` is the largest peak RSS of any waited-for child; the
    only child is this one, so it is the measured process's peak.
    """
    command = [sys.executable, str(pathlib.Path(__file__).resolve()), "--child", json.dumps(config)]
    done = subprocess.run(command, check=False)
    if done.returncode:
        raise SystemExit(f"benchmark child failed with exit code {done.returncode}")
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return json.loads(pathlib.Path(config["result_json"]).read_text()), peak_kib


def compute_floor(child, height, width):
    """Per-tile and total FLOPs, tile counts and the matmul FLOP rate, measured in this process."""
    from tfcorrect.inference.predict import load_network

    _, generator = load_network(child["run_dir"])
    per_tile, conv_layers = conv_flops(generator, child["tile"])
    rows, cols = tile_counts(height, width, child["tile"], child["overlap"])
    best, median = matmul_flop_rate()
    return {"flops_per_tile": per_tile, "conv_layers": conv_layers, "tile_rows": rows, "tile_cols": cols,
            "tiles": rows * cols, "total_flops": per_tile * rows * cols, "flop_rate": best, "median_flop_rate": median}


def summarize(child, floor, peak_kib, height, width):
    """All figures in one dict (seconds, bytes, FLOPs; no formatting)."""
    megapixels = height * width / 1e6
    floor_s = floor["total_flops"] / floor["flop_rate"]
    baseline = child["child_vmhwm_baseline_kib"] * KIB
    peak = peak_kib * KIB
    return {
        **child, **floor, "height": height, "width": width, "megapixels": megapixels,
        "seconds_per_megapixel": child["seconds"] / megapixels,
        "peak_rss_bytes": peak, "baseline_rss_bytes": baseline, "image_rss_bytes": peak - baseline,
        "large_image_rss_bytes": peak - child["child_vmhwm_after_warmup_kib"] * KIB,
        "peak_below_budget": peak < MEMORY_BUDGET_GIB * GIB, "memory_budget_gib": MEMORY_BUDGET_GIB,
        "floor_seconds": floor_s, "floor_seconds_per_megapixel": floor_s / megapixels,
        "ratio": child["seconds"] / floor_s,
        "generator_ratio": (child["stage_seconds"]["generator_s"] or math.nan) / floor_s,
    }


def _stage_line(stages, total):
    """``read 0.02 s, generator 0.10 s, rest of the predictor 0.16 s, ...`` for the stages of the timed call.

    ``correct_s`` (the predictor's whole call) holds the generator's calls; the rest is tiling, blending and gains.
    """
    shown = {"read": stages["read_s"], "generator": stages["generator_s"],
             "rest of the predictor": stages["correct_s"] - stages["generator_s"], "write": stages["write_s"]}
    other = total - stages["read_s"] - stages["correct_s"] - stages["write_s"]
    parts = [f"{name} {value:.2f} s ({100 * value / total:.0f}%)" for name, value in shown.items()]
    return ", ".join(parts + [f"other {other:.2f} s ({100 * other / total:.0f}%)"])


def report(fig, photo, photo_shape, loads):
    """Print the human-readable report, ending with ``ratio: X.XX``."""
    gib = lambda n: n / GIB  # noqa: E731
    lines = [
        ("run folder", fig["run_dir"]),
        ("image", f"{fig['width']}x{fig['height']} px ({fig['megapixels']:.2f} MP) 8-bit PNG, "
                  f"'{photo}' {photo_shape[1]}x{photo_shape[0]} resized with cv2 INTER_CUBIC"),
        ("tiling", f"tile {fig['tile']} px, overlap {fig['overlap']} px, batch {fig['batch_size']} -> "
                   f"{fig['tile_rows']}x{fig['tile_cols']} = {fig['tiles']} tiles"),
        ("warm-up (not counted)", f"{fig['warmup_shape'][1]}x{fig['warmup_shape'][0]} px, "
                                  f"{fig['warmup_seconds']:.2f} s, {fig['warmup_traces']} traces"),
        ("correct_file wall time", f"{fig['seconds']:.2f} s, traces during it: {fig['traces_during_timed_call']}"),
        ("  of which", _stage_line(fig["stage_seconds"], fig["seconds"])),
        ("seconds per megapixel", f"{fig['seconds_per_megapixel']:.3f} s/MP"),
        ("child CPU during it", f"{fig['cpu_seconds']:.1f} s CPU = {fig['cpu_seconds'] / fig['seconds']:.2f} "
                                f"cores busy of {os.cpu_count()}"),
        ("load average (1 min)", f"{loads[0]:.2f} before, {loads[1]:.2f} after (other processes compete)"),
        ("RSS baseline (TF + model)", f"{gib(fig['baseline_rss_bytes']):.3f} GiB (child VmHWM before any image)"),
        ("RSS after warm-up", f"{gib(fig['child_vmhwm_after_warmup_kib'] * KIB):.3f} GiB (child VmHWM)"),
        ("peak RSS", f"{gib(fig['peak_rss_bytes']):.3f} GiB (ru_maxrss of child; its own final VmHWM "
                     f"{gib(fig['child_vmhwm_end_kib'] * KIB):.3f} GiB)"),
        ("  due to the images", f"+{gib(fig['image_rss_bytes']):.3f} GiB over baseline, "
                                f"+{gib(fig['large_image_rss_bytes']):.3f} GiB over the warm-up peak"),
        (f"peak < {MEMORY_BUDGET_GIB:g} GiB", "yes" if fig["peak_below_budget"] else "NO"),
        ("generator FLOPs per tile", f"{fig['flops_per_tile'] / 1e9:.3f} GFLOP ({fig['conv_layers']} conv layers)"),
        ("total FLOPs", f"{fig['total_flops'] / 1e9:.1f} GFLOP ({fig['tiles']} tiles)"),
        ("matmul FLOP rate", f"{fig['flop_rate'] / 1e9:.1f} GFLOP/s (float32 {MATMUL_N}^3, best of {MATMUL_REPEATS}; "
                             f"median {fig['median_flop_rate'] / 1e9:.1f})"),
        ("floor", f"{fig['floor_seconds']:.2f} s = {fig['floor_seconds_per_megapixel']:.3f} s/MP"),
        ("measured / floor", f"{fig['ratio']:.2f}x ({fig['seconds_per_megapixel']:.3f} / "
                             f"{fig['floor_seconds_per_megapixel']:.3f} s/MP)"),
        ("generator calls / floor", f"{fig['generator_ratio']:.2f}x"),
    ]
    width = max(len(name) for name, _ in lines)
    print("tfcorrect prediction benchmark")
    for name, value in lines:
        print(f"  {name:<{width}} : {value}")
    print(f"ratio: {fig['ratio']:.2f}")


def parse_args(argv=None):
    """Command-line options (``--child`` is internal: the measured process)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default=None, help="run folder (default: the shipped default model)")
    parser.add_argument("--megapixels", type=float, default=12.0, help="size of the 4:3 test image")
    parser.add_argument("--batch-size", type=int, default=4, help="tiles run at once")
    parser.add_argument("--tile", type=int, default=None, help="tile side (default: the model's)")
    parser.add_argument("--photo", default=PHOTO, help="bundled photo the test image is made from")
    parser.add_argument("--json", type=pathlib.Path, default=None, help="also write the figures here")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None):
    """Prepare the images, measure in a child, compute the floor here and print the report."""
    args = parse_args(argv)
    if args.child:
        from tfcorrect.errors import UserError
        try:
            run_child(json.loads(args.child))
        except UserError as err:  # a bad --run or --tile: one line, not a traceback
            raise SystemExit(f"error: {err}") from None
        return
    height, width = image_size(args.megapixels)
    with tempfile.TemporaryDirectory(prefix="tfcorrect-bench-") as tmp:
        work = pathlib.Path(tmp)
        photo_png, large_png, photo_shape = prepare_images(work, args.photo, height, width)
        config = {"run": args.run, "tile": args.tile, "batch_size": args.batch_size, "work_dir": tmp,
                  "photo_png": str(photo_png), "source_png": str(large_png),
                  "result_json": str(work / "child.json")}
        load_before = os.getloadavg()[0]
        child, peak_kib = measure_in_child(config)
    floor = compute_floor(child, height, width)
    figures = summarize(child, floor, peak_kib, height, width)
    figures["load_average"] = [load_before, os.getloadavg()[0]]
    report(figures, args.photo, photo_shape, figures["load_average"])
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
