"""Evaluation: image metrics, classical baselines and ``tfcorrect-eval``'s scoring of folders."""
