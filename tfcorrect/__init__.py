"""tfcorrect: GAN-based image correction methods for Keras 3 / TensorFlow."""

__version__ = "0.1.0"
