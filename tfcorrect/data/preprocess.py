"""``PREPROCESS``: a filter applied once to a run's training images before training (seed 004).

Each entry maps resolved parameters and the run folder to the parameters training then uses
(``TRAIN_DIR`` pointing at a filtered copy inside the run folder); the driver calls
:func:`preprocess_training_data` once per run, so no epoch recomputes it.
"""

from tfcorrect.homomorphic import preprocess_run_data


def _none(params, run_dir):
    return params


# PREPROCESS -> (params, run folder) -> params trained on.
PREPROCESSES = {"none": _none, "homomorphic": preprocess_run_data}


def preprocess_training_data(params, run_dir):
    """``params`` with its training images run through ``PREPROCESS`` (cached in ``run_dir``)."""
    return PREPROCESSES[params.preprocess](params, run_dir)
