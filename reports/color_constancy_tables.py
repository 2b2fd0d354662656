"""The tables, verdicts and figure of ``reports/color_constancy.py``.

``scores`` maps ``(category, seed)`` to a frame of one run's test errors (``image, camera, patch,
patches, mean, median``); ``baselines`` is ``tfcorrect-eval``'s per-image frame (``method, error``).
"""

import numpy as np

# (category, the seed's row name)
ARMS = (("CAMERA_C", "(A) Camera 'C'"), ("CAMERA_N", "(B) Camera 'N'"), ("INTEGRATED", "(C) Simple Integration"),
        ("ADVERSARIAL", "(D) Proposed"))
# (unit of analysis key, the seed's name)
UNITS = (("patch", "Per Patch"), ("mean", "Per Image (Average Pooling)"), ("median", "Per Image (Median Pooling)"))
# Seed 000's Table 3 (average angular error in degrees, 7,022 images of two cameras): unit -> values per arm.
PAPER = {"patch": (7.7160, 6.2980, 7.5475, 5.8676), "mean": (7.6938, 6.2160, 7.5513, 5.7450),
         "median": (7.7077, 6.2949, 7.4876, 5.8268)}
CLASSICAL = ("gray_world", "white_patch", "shades_of_gray", "gray_edge")


def unit_mean(frame, unit, camera=None):
    """One run's mean error in a unit of analysis; per patch, each image weighs its number of patches."""
    frame = frame if camera is None else frame[frame.camera == camera]
    if unit == "patch":
        return float((frame["patch"] * frame["patches"]).sum() / frame["patches"].sum())
    return float(frame[unit].mean())


def over_seeds(scores, category, seeds, unit, camera=None):
    """``(k,)`` the run means of ``category`` at each seed."""
    return np.array([unit_mean(scores[category, seed], unit, camera) for seed in seeds])


def _cell(values):
    return f"{values.mean():.2f} ± {values.std(ddof=1):.2f}" if len(values) > 1 else f"{values[0]:.2f}"


def arm_table(scores, seeds):
    """Seed 000's Table 3 layout, mean ± standard deviation over seeds, per camera and over both."""
    lines = ["| Unit of analysis | Model | all test images (°) | camera C images | camera N images | seed 000 |",
             "|---|---|---|---|---|---|"]
    for unit, unit_name in UNITS:
        for i, (category, title) in enumerate(ARMS):
            cells = [_cell(over_seeds(scores, category, seeds, unit, camera)) for camera in (None, "C", "N")]
            lines.append(f"| {unit_name if i == 0 else ''} | {title} | " + " | ".join(cells)
                         + f" | {PAPER[unit][i]:.4f} |")
    return lines


def compare(scores, seeds, unit, camera=None):
    """(D) against (C): ``(proposed values, integrated values, relative gain, beyond the spread)``.

    The gain is ``(C - D) / C`` of the seed means (positive: (D) is better); "beyond the spread" means
    the seeds of the two arms do not overlap and the gap of the means exceeds the sum of both standard
    deviations, in either direction.
    """
    proposed = over_seeds(scores, "ADVERSARIAL", seeds, unit, camera)
    integrated = over_seeds(scores, "INTEGRATED", seeds, unit, camera)
    gain = (integrated.mean() - proposed.mean()) / integrated.mean()
    spread = proposed.std(ddof=1) + integrated.std(ddof=1) if len(seeds) > 1 else 0.0
    apart = proposed.max() < integrated.min() or integrated.max() < proposed.min()
    beyond = bool(apart and abs(integrated.mean() - proposed.mean()) > spread)
    return proposed, integrated, gain, beyond


def verdict(scores, seeds):
    """A sentence per unit of analysis (and camera): does (D) beat (C), by how much, beyond the seeds' spread?"""
    lines = []
    for unit, unit_name in UNITS:
        parts = []
        for camera in (None, "C", "N"):
            proposed, integrated, gain, beyond = compare(scores, seeds, unit, camera)
            where = "both cameras" if camera is None else f"camera {camera}"
            parts.append(f"{where} {proposed.mean():.2f}° vs {integrated.mean():.2f}° "
                         f"({100 * gain:+.0f} %, {'beyond' if beyond else 'within'} the seed spread)")
        lines.append(f"- **{unit_name}**, (D) against (C): " + "; ".join(parts) + ".")
    _, _, gains, beyonds = zip(*(compare(scores, seeds, unit) for unit, _ in UNITS))
    held = all(g >= 0.10 and b for g, b in zip(gains, beyonds))  # better by 10 %, beyond the spread
    lines.append("")
    lines.append(f"**(D) {'beats' if held else 'does not beat'} (C) by at least 10 % beyond the seed spread at "
                 "every unit of analysis** (over both cameras: "
                 + ", ".join(f"{100 * g:+.0f} %" for g in gains) + "; Table 3 of the seed: "
                 + ", ".join(f"{100 * (PAPER[u][2] - PAPER[u][3]) / PAPER[u][2]:+.0f} %" for u, _ in UNITS) + ").")
    return lines


def _stats_cells(per_seed):
    """Statistics mean ± sd over seeds: ``per_seed`` is a list of error_statistics dicts."""
    from tfcorrect.methods.illum_da.classical import STATISTICS

    return [_cell(np.array([s[name] for s in per_seed])) for name in STATISTICS]


def statistics_table(scores, baselines, seeds):
    """Per-image statistics (mean pooling of each arm over seeds; every baseline)."""
    from tfcorrect.methods.illum_da.classical import STATISTICS, error_statistics

    lines = ["| Method | " + " | ".join(STATISTICS) + " |", "|---" * (len(STATISTICS) + 1) + "|"]
    for category, title in ARMS:
        for unit in ("mean", "median"):
            cells = _stats_cells([error_statistics(scores[category, s][unit].to_numpy()) for s in seeds])
            lines.append(f"| {title}, {unit} pooling | " + " | ".join(cells) + " |")
    for name, frame in baselines[baselines.method != "model"].groupby("method", sort=False):
        stats = error_statistics(frame["error"].to_numpy())
        label = "no correction (identity)" if name == "identity" else f"{name} (baseline)"
        lines.append(f"| {label} | " + " | ".join(f"{stats[s]:.2f}" for s in STATISTICS) + " |")
    return lines


def baseline_check(scores, baselines, seeds):
    """Whether every arm's worst seed beats the best classical baseline per image (mean error, both poolings)."""
    classical = {name: float(baselines[baselines.method == name]["error"].mean()) for name in CLASSICAL}
    best = min(classical, key=classical.get)
    lines = []
    for category, title in ARMS:
        worst = max(over_seeds(scores, category, seeds, unit).max() for unit in ("mean", "median"))
        verdict_ = "beats" if worst < classical[best] else "does not beat"
        lines.append(f"- {title}: worst seed and pooling {worst:.2f}° per image; {verdict_} every classical "
                     f"baseline (best: {best} {classical[best]:.2f}°).")
    return lines


def figure(scores, baselines, seeds, path):
    """Bars of each arm per unit (seed means) with each seed as a dot, beside the classical baselines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(UNITS), figsize=(4.2 * len(UNITS), 3.6), sharey=True)
    classical = {name: float(baselines[baselines.method == name]["error"].mean()) for name in CLASSICAL}
    for ax, (unit, unit_name) in zip(axes, UNITS):
        for i, (category, title) in enumerate(ARMS):
            values = over_seeds(scores, category, seeds, unit)
            ax.bar(i, values.mean(), color=f"C{i}", alpha=0.6)
            ax.plot([i] * len(values), values, "k.", ms=6)
        for j, (name, value) in enumerate(classical.items()):
            ax.axhline(value, ls=(0, (2, 2)), lw=1, color=f"C{4 + j}", label=name if unit == "patch" else None)
        ax.set_xticks(range(len(ARMS)), [t.split(")")[0] + ")" for _, t in ARMS])
        ax.set_title(unit_name, fontsize=10)
    axes[0].set_ylabel("mean angular error (°), raw space")
    axes[0].legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
