"""Data basics: examples on disk, data kinds, the ``tf.data`` pipeline, preprocessing steps, tone maths."""
