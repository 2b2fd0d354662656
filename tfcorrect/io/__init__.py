"""Files: reading and writing images, atomic writes, walking folders, the sample photos that ship with scikit-image."""
