"""Overexposure recovery: Le Jeune's "Exposure correction with Adversarial Networks" (Technical University
of Denmark, report): pix2pix with LSGAN, spectral normalisation, noise injection and a VGG19 perceptual
loss, trained on simulated overexposure.

Here: the ``simulate_overexposure`` data kind and command; the networks' options (``NOISE_INJECTION``,
``SPECTRAL_NORM``, ``GAN_LOSS``, ``LAMBDA_PERCEPTUAL``) belong to pix2pix's parts.
"""

from tfcorrect.methods.overexposure.commands import NEGATIVE_VALUE_OPTIONS, add_data_commands
from tfcorrect.methods.overexposure.kind import SIMULATE_OVEREXPOSURE

DATA_KINDS = {"simulate_overexposure": SIMULATE_OVEREXPOSURE}
DATA_COMMANDS = (add_data_commands,)

__all__ = ["DATA_COMMANDS", "DATA_KINDS", "NEGATIVE_VALUE_OPTIONS"]
