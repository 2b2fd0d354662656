"""Perceptual photo enhancement: Que & Lee's "Perceptual Photo Enhancement with Generative Adversarial
Networks" (Chonbuk National University): a Dense U-Net with global feature fusion against a global
discriminator, L_G = L_p + lambda L_GAN + eta (1 - MS-SSIM), on DPED patches.

Here: the networks, the ``keras.Model``, the ``dped`` data kind, ``tfcorrect-data patches`` and a
phone-like rendering for DPED-like pairs.
"""

from tfcorrect.methods.dense_unet.commands import add_data_commands
from tfcorrect.methods.dense_unet.dped import DPED
from tfcorrect.methods.dense_unet.model import METHOD

METHODS = {"dense_unet": METHOD}
DATA_KINDS = {"dped": DPED}
DATA_COMMANDS = (add_data_commands,)
