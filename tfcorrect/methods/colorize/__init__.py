"""Colorization with homomorphic preprocessing: Kim & Hwang's "A Study on the Image Preprocessing model
linkage method for usability of Pix2Pix" (journal article, 2022): gray-to-colour pix2pix on photos
filtered where light reflections damaged them.

Here: the ``colorize`` data kind, the homomorphic filter and its reflection mask, ``PREPROCESS=homomorphic``,
``tfcorrect-data homomorphic`` and ``tfcorrect-report loss-table`` (the paper's Table 4).
"""

from tfcorrect.methods.colorize.commands import add_data_commands, add_report_commands
from tfcorrect.methods.colorize.kind import COLORIZE
from tfcorrect.methods.colorize.preprocess import HOMOMORPHIC

DATA_KINDS = {"colorize": COLORIZE}
PREPROCESSES = {"homomorphic": HOMOMORPHIC}
DATA_COMMANDS = (add_data_commands,)
REPORT_COMMANDS = (add_report_commands,)
