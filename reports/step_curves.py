"""PSNR against training steps beside the baselines, for reports whose budget may stop short of the paper's.

:class:`StepCurves` is a Keras callback: after every epoch it runs the generator (``training=False``)
on fixed centre crops of a paired test folder and records the mean PSNR per condition. The crops are
the same for every arm and seed and are never used to choose anything: the curves only show where an
arm stands after each epoch. :func:`baseline_psnr` scores the classical baselines on the same crops,
:func:`crossing_step` reads off where an arm's curve passes a baseline, :func:`curve_figure` plots them.
"""

import numpy as np


def centre_crops(data, side):
    """``{condition: (inputs, targets)}``: the ``side`` x ``side`` centre crop of every pair of a paired folder."""
    from tfcorrect.data.examples import find_paired
    from tfcorrect.evaluation.evaluate import condition_of, read_pair

    crops = {}
    for example in find_paired(data):
        image, target = read_pair(example)
        top, left = (image.shape[0] - side) // 2, (image.shape[1] - side) // 2
        window = (slice(top, top + side), slice(left, left + side))
        crops.setdefault(condition_of(example, data), []).append((image[window], target[window]))
    return {c: (np.stack([i for i, _ in pairs]), np.stack([t for _, t in pairs])) for c, pairs in sorted(crops.items())}


def mean_psnr(outputs, targets):
    from tfcorrect.evaluation.metrics import psnr

    return float(np.mean([psnr(o, t) for o, t in zip(outputs, targets)]))


def mean_psnr_clipped(outputs, targets, inputs):
    """Mean ``psnr_clipped`` (inside the inputs' clipped pixels) over the crops that have any; NaN if none."""
    from tfcorrect.evaluation.clipped import clipped_pixels, psnr_clipped

    values = [psnr_clipped(o, t, clipped_pixels(i)) for o, t, i in zip(outputs, targets, inputs)]
    values = [v for v in values if v == v]
    return float(np.mean(values)) if values else float("nan")


def _scores(outputs, targets, inputs, condition, clipped):
    row = {condition: mean_psnr(outputs, targets)}
    if clipped:
        row[f"{condition} clipped"] = mean_psnr_clipped(outputs, targets, inputs)
    return row


def baseline_psnr(crops, names, *, clipped=False):
    """``{name: {condition: mean PSNR}}`` of each baseline on the crops (``clipped``: also ``"<condition> clipped"``)."""
    from tfcorrect.evaluation.baselines import BASELINES

    found = {}
    for name in names:
        found[name] = {}
        for condition, (inputs, targets) in crops.items():
            found[name].update(_scores([BASELINES[name](i) for i in inputs], targets, inputs, condition, clipped))
    return found


def step_curves_callback(crops, steps_per_epoch, batch_size=16, *, clipped=False):
    """A :class:`keras.callbacks.Callback` whose ``rows`` gain ``{step, condition: PSNR ...}`` after each epoch.

    ``clipped``: also ``"<condition> clipped"``, the PSNR inside the inputs' clipped pixels.
    """
    import keras

    class StepCurves(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.rows = []

        def on_epoch_end(self, epoch, logs=None):
            row = {"step": (epoch + 1) * steps_per_epoch}
            for condition, (inputs, targets) in crops.items():
                outputs = np.concatenate([
                    np.asarray(self.model.generator(inputs[i:i + batch_size] * 2 - 1, training=False), np.float32)
                    for i in range(0, len(inputs), batch_size)])
                row.update(_scores(np.clip((outputs + 1) / 2, 0, 1), targets, inputs, condition, clipped))
            self.rows.append(row)

    return StepCurves()


def crossing_step(steps, values, level):
    """The first step from which ``values`` stay above ``level`` to the end, or ``None``."""
    above = np.asarray(values) > level
    if not above[-1]:
        return None
    first = len(above) - np.argmin(above[::-1]) if not above.all() else 0
    return int(steps[first])


def curve_figure(curves, baselines, conditions, path, *, labels):
    """One panel per condition: each arm's PSNR per step (mean over seeds, min-max band), baselines as lines.

    Args:
        curves: ``{arm: [DataFrame(step, <condition> ...) per seed]}``.
        baselines: ``{name: {condition: PSNR}}``.
        labels: display names of arms and baselines.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(conditions), figsize=(3.3 * len(conditions), 3.2), sharey=True)
    for ax, condition in zip(np.atleast_1d(axes), conditions):
        for arm, frames in curves.items():
            values = np.array([f[condition].to_numpy() for f in frames])
            steps = frames[0]["step"].to_numpy()
            line, = ax.plot(steps, values.mean(axis=0), label=labels[arm])
            ax.fill_between(steps, values.min(axis=0), values.max(axis=0), color=line.get_color(), alpha=0.2)
        for (name, scores), style in zip(baselines.items(), (":", "--", "-.", (0, (1, 3)))):
            ax.axhline(scores[condition], color="gray", linestyle=style, label=labels[name])
        ax.set(title=condition.strip() or "whole image", xlabel="training step")
        ax.grid(alpha=0.3)
    np.atleast_1d(axes)[0].set_ylabel("PSNR (dB), centre crops")
    np.atleast_1d(axes)[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
