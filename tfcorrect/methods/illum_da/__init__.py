"""Colour constancy across cameras: Kim & Kim's "Adversarial Learning-Based Image Correction Methodology
for Deep Learning Analysis of Heterogeneous Images": an illuminant estimator trained against a camera
discriminator through gradient reversal.

Here: the estimator and discriminator, the ``keras.Model``, its patch pipeline and prediction, the
``illuminant`` data kind, camera simulation and importers (``tfcorrect-data simulate-cameras``,
``import-illuminants``), classical estimators and ``tfcorrect-eval`` on illuminant folders.
"""

from tfcorrect.data.kinds import DataKind, folder_only
from tfcorrect.methods.illum_da.commands import add_data_commands
from tfcorrect.methods.illum_da.evaluate import FOLDER_EVALUATOR
from tfcorrect.methods.illum_da.illuminants import find_illuminants
from tfcorrect.methods.illum_da.method import METHOD

METHODS = {"illum_da": METHOD}
# Linear camera images with a ground-truth illuminant and a camera label; the method reads them itself.
DATA_KINDS = {"illuminant": DataKind(folder_only(find_illuminants))}
DATA_COMMANDS = (add_data_commands,)
FOLDER_EVALUATORS = (FOLDER_EVALUATOR,)
