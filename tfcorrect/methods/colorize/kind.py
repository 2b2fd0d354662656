"""``DATASET=colorize``: a folder of colour photos; the input is their grayscale, made in the pipeline."""

from tfcorrect.data import examples
from tfcorrect.data.kinds import DataKind, folder_only


def _same_image(target, ev, seed, params):
    return target  # the pipeline turns a 1-channel kind's input gray last


COLORIZE = DataKind(folder_only(examples.find_targets), make_input=_same_image, in_channels=1)
