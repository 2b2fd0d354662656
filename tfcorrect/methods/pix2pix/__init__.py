"""pix2pix (Isola et al., "Image-to-Image Translation with Conditional Adversarial Networks", CVPR 2017).

The U-Net generator, the conditional PatchGAN and the ``keras.Model`` that trains them; the
exposure-correction, overexposure and colorization papers train it on their own data.
"""

from tfcorrect.data.kinds import PAIRED
from tfcorrect.methods.pix2pix.model import METHOD

METHODS = {"pix2pix": METHOD}
DATA_KINDS = {"paired": PAIRED}
