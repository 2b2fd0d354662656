"""The figures of ``bench/predict.py`` gathered per image size, and their printed report."""

import math
import os

from common import MATMUL_N, MATMUL_REPEATS

GIB = 1024 ** 3
MEMORY_BUDGET_GIB = 3.0


def summarize(child, floor, cli_peak, height, width):
    """All figures of one image size in one dict (seconds, bytes, FLOPs; no formatting).

    ``child``: the measured child's figures, its ``peak_rss_bytes`` included; ``cli_peak``: the peak
    RSS of ``tfcorrect-predict`` on the same image.
    """
    megapixels = height * width / 1e6
    total_flops = floor["flops_per_tile"] * child["tiles_run"]
    floor_s = total_flops / floor["flop_rate"]
    peak, baseline = child["peak_rss_bytes"], child["child_vmhwm_baseline_bytes"]
    budget = MEMORY_BUDGET_GIB * GIB
    return {
        **child, **floor, "height": height, "width": width, "megapixels": megapixels,
        "seconds_per_megapixel": child["seconds"] / megapixels,
        "baseline_rss_bytes": baseline, "image_rss_bytes": peak - baseline,
        "image_rss_bytes_per_pixel": (peak - baseline) / (height * width),
        "large_image_rss_bytes": peak - child["child_vmhwm_after_warmup_bytes"],
        "cli_peak_rss_bytes": cli_peak, "memory_budget_gib": MEMORY_BUDGET_GIB,
        "peak_below_budget": peak < budget and cli_peak < budget,
        "total_flops": total_flops, "floor_seconds": floor_s, "floor_seconds_per_megapixel": floor_s / megapixels,
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


def _gib(n):
    return f"{n / GIB:.3f} GiB"


def report(fig, photo, photo_shape):
    """Print the human-readable report of one image size."""
    loads = fig["load_average"]
    lines = [
        ("run folder", fig["run_dir"]),
        ("image", f"{fig['width']}x{fig['height']} px ({fig['megapixels']:.2f} MP) 8-bit PNG, "
                  f"'{photo}' {photo_shape[1]}x{photo_shape[0]} resized with cv2 INTER_CUBIC"),
        ("tiling", f"tile {fig['tile']} px, overlap {fig['overlap']} px, batch {fig['batch_size']} -> "
                   f"tiles run: {fig['tiles_run']} (cut into tiles: {fig['tile_rows']}x{fig['tile_cols']})"),
        ("warm-up (not counted)", f"{fig['warmup_shape'][1]}x{fig['warmup_shape'][0]} px, "
                                  f"{fig['warmup_seconds']:.2f} s, {fig['warmup_traces']} traces"),
        ("correct_file wall time", f"{fig['seconds']:.2f} s, traces during it: {fig['traces_during_timed_call']}"),
        ("  of which", _stage_line(fig["stage_seconds"], fig["seconds"])),
        ("seconds per megapixel", f"{fig['seconds_per_megapixel']:.3f} s/MP"),
        ("child CPU during it", f"{fig['cpu_seconds']:.1f} s CPU = {fig['cpu_seconds'] / fig['seconds']:.2f} "
                                f"cores busy of {os.cpu_count()}"),
        ("load average (1 min)", f"{loads[0]:.2f} before, {loads[1]:.2f} after (other processes compete)"),
        ("RSS baseline (TF + model)", f"{_gib(fig['baseline_rss_bytes'])} (child VmHWM before any image)"),
        ("RSS after warm-up", f"{_gib(fig['child_vmhwm_after_warmup_bytes'])} (child VmHWM)"),
        ("peak RSS", f"{_gib(fig['peak_rss_bytes'])} (ru_maxrss of child; its own final VmHWM "
                     f"{_gib(fig['child_vmhwm_end_bytes'])})"),
        ("  due to the images", f"+{_gib(fig['image_rss_bytes'])} over baseline "
                                f"({fig['image_rss_bytes_per_pixel']:.0f} bytes a pixel), "
                                f"+{_gib(fig['large_image_rss_bytes'])} over the warm-up peak"),
        ("tfcorrect-predict peak RSS", f"{_gib(fig['cli_peak_rss_bytes'])} (the command on the same PNG, "
                                       "in the environment the bench started in)"),
        (f"peak < {MEMORY_BUDGET_GIB:g} GiB", "yes" if fig["peak_below_budget"] else "NO"),
        ("generator FLOPs per tile", f"{fig['flops_per_tile'] / 1e9:.3f} GFLOP ({fig['conv_layers']} conv layers)"),
        ("total FLOPs", f"{fig['total_flops'] / 1e9:.1f} GFLOP (tiles run: {fig['tiles_run']})"),
        ("matmul FLOP rate", f"{fig['flop_rate'] / 1e9:.1f} GFLOP/s (float32 {MATMUL_N}^3, best of {MATMUL_REPEATS}; "
                             f"median {fig['median_flop_rate'] / 1e9:.1f})"),
        ("floor", f"{fig['floor_seconds']:.2f} s = {fig['floor_seconds_per_megapixel']:.3f} s/MP"),
        ("measured / floor", f"{fig['ratio']:.2f}x ({fig['seconds_per_megapixel']:.3f} / "
                             f"{fig['floor_seconds_per_megapixel']:.3f} s/MP)"),
        ("generator calls / floor", f"{fig['generator_ratio']:.2f}x"),
    ]
    width = max(len(name) for name, _ in lines)
    print(f"tfcorrect prediction benchmark, {fig['megapixels']:.0f} MP")
    for name, value in lines:
        print(f"  {name:<{width}} : {value}")


def report_memory(sizes):
    """Print peak RSS per image size and its growth per added pixel between consecutive sizes."""
    print(f"peak RSS by image size (budget {MEMORY_BUDGET_GIB:g} GiB)")
    header = ("MP", "image", "child", "over baseline", "bytes/px", "tfcorrect-predict")
    print("  " + "  ".join(f"{name:>{width}}" for name, width in zip(header, (6, 11, 9, 13, 8, 17))))
    for fig in sizes:
        print(f"  {fig['megapixels']:6.2f}  {fig['width']:>5}x{fig['height']:<5}"
              f"  {fig['peak_rss_bytes'] / GIB:5.3f} GiB  {fig['image_rss_bytes'] / GIB:9.3f} GiB"
              f"  {fig['image_rss_bytes_per_pixel']:8.0f}  {fig['cli_peak_rss_bytes'] / GIB:13.3f} GiB")
    for small, large in zip(sizes, sizes[1:]):
        added = large["height"] * large["width"] - small["height"] * small["width"]
        child = (large["peak_rss_bytes"] - small["peak_rss_bytes"]) / added
        cli = (large["cli_peak_rss_bytes"] - small["cli_peak_rss_bytes"]) / added
        print(f"  {small['megapixels']:.3g} -> {large['megapixels']:.3g} MP: "
              f"{child:.0f} bytes per added pixel (child), {cli:.0f} (tfcorrect-predict)")
