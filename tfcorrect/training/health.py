"""Training health: noticing a discriminator that has won.

When a discriminator's loss stays near zero while the generator's adversarial loss climbs, the
generator gets no useful gradient from it any more: the failure users of pix2pix-style code ask
about most. :class:`CollapseWatch` says so in one line, printed and kept in the run folder.
"""

import dataclasses
import pathlib
import sys

import keras
import numpy as np

from tfcorrect.params import Component, option
from tfcorrect.training import runfolder


@dataclasses.dataclass(frozen=True)
class HealthOptions:
    """When :class:`CollapseWatch` warns."""

    collapse_d_loss: float = option(
        0.05, "Training health: a discriminator loss (mean of its parts) below this counts as collapsed.", minimum=0.0)
    collapse_epochs: int = option(
        3, "Training health: warn after this many collapsed epochs in a row while the generator's adversarial loss "
        "climbs; 0 = never.", minimum=0)


HEALTH = Component("the training health watch", HealthOptions)



def collapse_message(history, adversary, *, threshold, epochs):
    """A one-line warning when ``adversary`` has collapsed in the last ``epochs`` rows of ``history``, else None.

    Collapsed: the mean of the discriminator's loss parts is below ``threshold`` in each of those
    epochs and the generator's adversarial part is higher at the last than at the first of them.
    """
    if epochs < 1 or len(history) < epochs:
        return None
    recent = history[-epochs:]
    d_losses = [np.mean([row[part] for part in adversary.loss_parts]) for row in recent]
    g_first, g_last = recent[0][adversary.generator_part], recent[-1][adversary.generator_part]
    if max(d_losses) >= threshold or g_last <= g_first:
        return None
    return (f"warning: epoch {recent[-1]['epoch']}: {adversary.name} collapse: its loss "
            f"({' + '.join(adversary.loss_parts)}, mean) stayed below {threshold:g} for {epochs} epochs "
            f"(now {d_losses[-1]:.3g}) while {adversary.generator_part} climbed {g_first:.3g} -> {g_last:.3g}; "
            "the generator learns little from it: try a lower D_LR, a higher G_LR or a smaller NDF")


class CollapseWatch(keras.callbacks.Callback):
    """Warns once per collapse (again only after a recovery) for each adversary of a method.

    Args:
        run_dir: the run folder; warnings are appended to its ``warnings.txt``.
        history: the list of epoch rows the run folder writer keeps (it must run first, so
            the row of the epoch just ended is already there).
        adversaries: the method's :class:`~tfcorrect.methods.Adversary` entries.
        threshold: ``COLLAPSE_D_LOSS``.
        epochs: ``COLLAPSE_EPOCHS`` (0 turns the watch off).
    """

    def __init__(self, run_dir, history, adversaries, *, threshold, epochs):
        super().__init__()
        self.path = pathlib.Path(run_dir) / runfolder.WARNINGS
        self.history = history
        self.adversaries = adversaries
        self.threshold = threshold
        self.epochs = epochs
        self.warned = set()

    def on_epoch_end(self, epoch, logs=None):
        if not logs:
            return
        for adversary in self.adversaries:
            message = collapse_message(self.history, adversary, threshold=self.threshold, epochs=self.epochs)
            if message is None:
                self.warned.discard(adversary.name)
            elif adversary.name not in self.warned:
                self.warned.add(adversary.name)
                print(f"\n{message}", file=sys.stderr, flush=True)
                runfolder.append_warning(self.path, message)
