"""Inference: tiling, applying a run's prediction network to images of any size, and exporting it."""
