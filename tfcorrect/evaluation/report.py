"""What ``tfcorrect-eval`` shows: the summary of the per-image scores, the Markdown report and the image grid."""

import dataclasses
import math
import re
from collections.abc import Callable

import cv2
import numpy as np
import pandas as pd

from tfcorrect.evaluation import clipped, metrics
from tfcorrect.io.images import to_uint

# The summary's condition of every image together.
ALL = "all"
# Side of a grid cell in pixels.
CELL = 128


def _condition_key(name):
    """Sort ``ev<number>`` conditions by their number, the others after them by name."""
    match = re.fullmatch(r"ev([+-]?\d+(?:\.\d+)?)", name)
    return (0, float(match[1]), name) if match else (1, 0.0, name)


def summarise(table, probabilities, methods, splits=1):
    """Means per condition and method (``condition == "all"``: every image) and the inception score.

    Each metric of the table is averaged; each of :data:`~tfcorrect.evaluation.metrics.INPUT_METRICS`
    also gets its largest value, ``<name>_max`` (one bad image is what they look for). The means of
    :data:`~tfcorrect.evaluation.clipped.CLIPPED_METRICS` skip the images without clipped pixels (NaN);
    ``clipped_images`` counts those with a ``psnr_clipped``.

    Args:
        table: the per-image rows of :func:`~tfcorrect.evaluation.evaluate.evaluate` (without the
            full-reference metrics when there were no targets).
        probabilities: ``(condition, method) -> [class probabilities]``; empty when not computed.
        methods: method names in the order the report shows them.
        splits: parts of each set for the inception score (at most the set's size).
    """
    full = [name for name in (*metrics.METRICS, *clipped.CLIPPED_METRICS) if name in table]
    maxima = [name for name in metrics.INPUT_METRICS if name in table]
    means = [*full, *maxima]
    counted = "psnr_clipped" in table  # clipped_images: the images the clipped means average
    columns = ["condition", "method", "images", *full, *(["clipped_images"] if counted else []),
               *[c for name in maxima for c in (name, f"{name}_max")]]
    conditions = [ALL] + sorted({c for c in table.condition if c}, key=_condition_key)
    rows = []
    for condition in conditions:
        part = table if condition == ALL else table[table.condition == condition]
        for method in methods:
            scores = part[part.method == method]
            if scores.empty:
                continue
            probs = [p for (c, m), ps in probabilities.items() if m == method and condition in (ALL, c) for p in ps]
            inception = (metrics.inception_score_from_probabilities(probs, min(splits, len(probs)))[0]
                         if probs else math.nan)
            rows.append({"condition": condition, "method": method, "images": len(scores), **scores[means].mean(),
                         **({"clipped_images": int(scores.psnr_clipped.notna().sum())} if counted else {}),
                         **{f"{name}_max": scores[name].max() for name in maxima}, "inception_score": inception})
    return pd.DataFrame(rows, columns=[*columns, "inception_score"])


def _percent(value):
    return f"{100 * value:.2f}"


def _fine_percent(value):
    return f"{100 * value:.3f}"


# column -> (report heading, value -> text); the similarities are shown in percent as in Le Jeune.
_REPORT_COLUMNS = {
    "condition": ("condition", str), "method": ("method", str), "images": ("images", str),
    "psnr": ("PSNR (dB)", "{:.2f}".format), "ssim": ("SSIM", "{:.4f}".format), "ms_ssim": ("MS-SSIM", "{:.4f}".format),
    "luminance_sim": ("luminance sim. (%)", _percent), "contrast_sim": ("contrast sim. (%)", _percent),
    "saturation_sim": ("saturation sim. (%)", _percent),
    "psnr_clipped": ("PSNR clipped (dB)", "{:.2f}".format), "ssim_clipped": ("SSIM clipped", "{:.4f}".format),
    "clipped_images": ("clipped images", str),
    "new_edges": ("new edges (%)", _fine_percent), "new_edges_max": ("new edges, max (%)", _fine_percent),
    "inception_score": ("inception score", "{:.2f}".format),
}


def markdown_table(frame):
    """A summary frame as a Markdown table, headed and formatted by :data:`_REPORT_COLUMNS`."""
    def cell(column, value):
        if isinstance(value, float) and math.isnan(value):
            return "-"
        return _REPORT_COLUMNS[column][1](value)

    lines = ["| " + " | ".join(_REPORT_COLUMNS[c][0] for c in frame.columns) + " |",
             "|" + "|".join("---" for _ in frame.columns) + "|"]
    lines += ["| " + " | ".join(cell(c, v) for c, v in zip(frame.columns, row)) + " |"
              for row in frame.itertuples(index=False)]
    return "\n".join(lines)


_FULL_REFERENCE = f"""\
The full-reference metrics compare a method's output with the target, both RGB in [0, 1]; higher is better.

- **PSNR**: `tf.image.psnr` with a peak of 1, in dB, capped at {metrics.PSNR_MAX:g} dB: an exact match (an infinite
  PSNR) and any output within 1e-5 rms of its target score {metrics.PSNR_MAX:g}, so a mean stays finite.
- **SSIM**: `tf.image.ssim` (11x11 Gaussian window, sigma 1.5, K1 = 0.01, K2 = 0.03), mean over channels.
- **MS-SSIM**: `tf.image.ssim_multiscale` with Wang et al.'s 5 scales; an image with a side under 161 pixels
  uses the scales that fit, their power factors renormalised to sum to 1.
- **Luminance sim.**: mean over windows and channels of SSIM's luminance term
  (2 mu_x mu_y + C1) / (mu_x^2 + mu_y^2 + C1), same window and constants as SSIM.
- **Contrast sim.**: mean of SSIM's contrast term (2 sigma_x sigma_y + C2) / (sigma_x^2 + sigma_y^2 + C2).
- **Saturation sim.**: mean of the product of both terms on the HSV saturation maps (`tf.image.rgb_to_hsv`).
- **PSNR clipped**, **SSIM clipped**: PSNR and SSIM inside the input's clipped pixels, those with any channel
  at or above {clipped.CLIPPED_LEVEL * 255:g} / 255 (what an overexposure lost, and the trivial inverse cannot
  recover): PSNR of the mean squared error over them (all channels, same peak and cap), and the mean of SSIM's
  map over the windows centred on them (none within 5 px of the border). An image without clipped pixels has
  neither (empty in `metrics.csv`); the means are over the **clipped images** that have them (`-`: none).

The three similarities are shown in percent (Le Jeune's table); `metrics.csv` holds them as fractions.
"""
_NEW_EDGES = f"""\
- **New edges** (no target needed; lower is better): the fraction of pixels where a method's output has an
  edge that its own input lacks. Both are shrunk to a longer side of {metrics.NEW_EDGE_SIDE} px (never enlarged),
  made gray (`skimage.color.rgb2gray`) and filtered by `skimage.filters.sobel`; a new edge is a pixel whose
  magnitude is above {metrics.NEW_EDGE_HIGH:g} in the output and below {metrics.NEW_EDGE_LOW:g} in the input.
  A global gain draws none; halos, banding, seams and pasted-in structure do. Shown in percent, the mean and
  the largest value over the images; `metrics.csv` holds the fraction of each image.
"""
_INCEPTION = """\
- **Inception score**: exp(E_x KL(p(y|x) || p(y))) of InceptionV3's ImageNet classes over a method's outputs
  (299x299, set-level).
"""


def render_report(summary, header, failed):
    """The text of ``report.md``: the header, the summary's tables, the definitions of its metrics, the failures."""
    lines = ["# tfcorrect-eval report", ""] + [f"- {key}: {value}" for key, value in header.items()]
    overall = summary[summary.condition == ALL].drop(columns="condition")
    lines += ["", "## Means per method", "", markdown_table(overall)]
    if (summary.condition != ALL).any():
        lines += ["", "## Means per condition and method", "", markdown_table(summary[summary.condition != ALL])]
    lines += ["", "## Metrics", ""]
    lines += [_FULL_REFERENCE] if any(name in summary for name in metrics.METRICS) else []
    lines += [(_NEW_EDGES if "new_edges" in summary else "") + _INCEPTION]
    if failed:
        lines += ["## Failed", ""] + [f"- {message}" for message in failed] + [""]
    return "\n".join(lines)


def thumbnail(image, side=CELL):
    """An RGB float image resized (keeping its aspect ratio) so its longer side is ``side``."""
    h, w = image.shape[:2]
    factor = side / max(h, w)
    if factor == 1:
        return image
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR)


def make_grid(rows, labels, cell=CELL, header=24):
    """Images in a labelled grid: one row per example, one column per label.

    Args:
        rows: lists of RGB float images (any sizes), one per label.
        labels: the column titles.
        cell: side of each square cell; an image is fitted inside it keeping its aspect ratio.
        header: height of the title strip.

    Returns:
        float32 RGB array ``(header + len(rows) * cell, len(labels) * cell, 3)``.
    """
    canvas = np.full((header + len(rows) * cell, len(labels) * cell, 3), 255, np.uint8)  # putText draws on 8 bits
    font = cv2.FONT_HERSHEY_SIMPLEX
    for j, label in enumerate(labels):
        width = cv2.getTextSize(label, font, 1.0, 1)[0][0]
        scale = min(0.45, (cell - 6) / max(width, 1))
        cv2.putText(canvas, label, (j * cell + 3, header - 8), font, scale, (0, 0, 0), 1, cv2.LINE_AA)
    for i, images in enumerate(rows):
        for j, image in enumerate(images):
            thumb = thumbnail(image, cell)
            h, w = thumb.shape[:2]
            top, left = header + i * cell + (cell - h) // 2, j * cell + (cell - w) // 2
            canvas[top:top + h, left:left + w] = to_uint(thumb, 8)
    return canvas.astype(np.float32) / 255


@dataclasses.dataclass(frozen=True)
class FolderEvaluator:
    """A method's own ``tfcorrect-eval`` for folders that are not image pairs (an ``illuminant`` folder).

    Attributes:
        dataset: the ``--dataset`` value that asks for it.
        accepts: ``folder -> bool``: whether a folder is of its kind (layout detection).
        evaluate: ``(data, out, *, run, params, baselines, grid, progress) -> (table, summary, failed)``.
        models: the ``MODEL`` values whose runs it scores; such a run scores no other kind of folder
            (and it scores no other run).
    """

    dataset: str
    accepts: Callable
    evaluate: Callable
    models: tuple = ()
