"""Data kinds on disk and the ``tf.data`` pipelines built from them."""

from tfcorrect.data.examples import Example, expand_exposures, split_examples
from tfcorrect.data.kinds import DATA_KINDS, DataKind, find_examples
from tfcorrect.data.pipeline import Datasets, make_datasets, make_prepare, training_order

__all__ = ["DATA_KINDS", "DataKind", "Datasets", "Example", "expand_exposures", "find_examples", "make_datasets",
           "make_prepare", "split_examples", "training_order"]
