"""``PREPROCESS``: a filter applied once to a run's training images before training.

A :class:`Preprocess` maps resolved parameters and the run folder to the parameters training
then uses (``TRAIN_DIR`` pointing at a filtered copy inside the run folder); the driver calls
:func:`preprocess_training_data` once per run, so no epoch recomputes it. The core knows only
``none``; a method's folder declares its own (the colorization paper's homomorphic filter) and
:mod:`tfcorrect.methods` collects them.
"""

import dataclasses
from collections.abc import Callable

from tfcorrect.params import Component


@dataclasses.dataclass(frozen=True)
class Preprocess:
    """One preprocessing step.

    Attributes:
        run: ``(params, run folder) -> params`` trained on.
        options: the :class:`~tfcorrect.params.Component` of its own options, selected by
            ``PREPROCESS``; ``None`` when it has none.
    """

    run: Callable
    options: Component | None = None


NONE = Preprocess(lambda params, run_dir: params)


def preprocess_training_data(params, run_dir):
    """``params`` with its training images run through ``PREPROCESS`` (cached in ``run_dir``)."""
    return params.preprocessing.run(params, run_dir)
