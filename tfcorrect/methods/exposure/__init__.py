"""Exposure correction: u1921415's "Investigation into the use of Convolutional Neural Networks for the
purpose of image exposure correction" (report, 2022; pix2pix on Afifi et al.'s data) and the shipped
default model (the U-Net's exposure gain heads, trained on ``simulate_exposure`` renders).

Here: Afifi et al.'s data kind, the ``simulate_exposure`` kind and command, the exposure heads of
the U-Net and their options, and prediction with one gain per picture.
"""

from tfcorrect.methods.exposure.commands import NEGATIVE_VALUE_OPTIONS, add_data_commands
from tfcorrect.methods.exposure.kinds import AFIFI, SIMULATE_EXPOSURE

DATA_KINDS = {"afifi": AFIFI, "simulate_exposure": SIMULATE_EXPOSURE}
DATA_COMMANDS = (add_data_commands,)

__all__ = ["DATA_COMMANDS", "DATA_KINDS", "NEGATIVE_VALUE_OPTIONS"]
