"""Real photos that ship inside our dependencies (scikit-image, matplotlib), by name.

They need no download, so tests, the demo and the shipped default model can use real
content on a machine without network access.
"""

import os
import pathlib

import matplotlib
import numpy as np
from skimage import data

from tfcorrect.io.images import read_image, shrink_to, write_image


def _matplotlib_sample(filename):
    def load():
        path = os.path.join(matplotlib.get_data_path(), "sample_data", filename)
        return (read_image(path).pixels * 255).round().astype(np.uint8)

    return load


# name -> loader returning uint8 RGB (or gray HxW) pixels.
PHOTOS = {
    "astronaut": data.astronaut,
    "chelsea": data.chelsea,
    "coffee": data.coffee,
    "rocket": data.rocket,
    "motorcycle_left": lambda: data.stereo_motorcycle()[0],
    "motorcycle_right": lambda: data.stereo_motorcycle()[1],
    "immunohistochemistry": data.immunohistochemistry,
    "retina": data.retina,
    "hubble_deep_field": data.hubble_deep_field,
    "grace_hopper": _matplotlib_sample("grace_hopper.jpg"),
    "camera": data.camera,
    "brick": data.brick,
    "coins": data.coins,
    "grass": data.grass,
    "gravel": data.gravel,
    "moon": data.moon,
    "page": data.page,
    "clock": data.clock,
}


def load_photo(name, *, rgb=True):
    """A bundled photo as uint8 pixels; gray photos are repeated to three channels when ``rgb``."""
    if name not in PHOTOS:
        raise ValueError(f"unknown photo {name!r}; known: {', '.join(PHOTOS)}")
    pixels = np.asarray(PHOTOS[name]())
    if rgb and pixels.ndim == 2:
        pixels = np.repeat(pixels[..., None], 3, axis=-1)
    return pixels


def export_photos(names, folder, *, max_side=None):
    """Write the named photos as PNG files into ``folder``; returns their paths.

    Args:
        max_side: when set, photos with a longer side are scaled down to it (a file already
            there is kept as it is).
    """
    paths = []
    for name in names:
        path = pathlib.Path(folder) / f"{name}.png"
        if not path.exists():
            write_image(path, shrink_to(load_photo(name), max_side) / 255.0)
        paths.append(path)
    return paths


# The shipped default exposure model trains on these; the demo tests on the others.
TRAIN_SET = ("astronaut", "immunohistochemistry", "retina", "hubble_deep_field", "grace_hopper",
             "camera", "brick", "coins", "grass", "gravel", "moon", "page", "clock")
# motorcycle_right is left out of both: it is nearly the same scene as motorcycle_left.
DEMO_SET = ("chelsea", "coffee", "rocket", "motorcycle_left")
SETS = {"train": TRAIN_SET, "demo": DEMO_SET}


def main(argv=None):
    """``python -m tfcorrect.io.sample_photos {train,demo} FOLDER``: export a set of bundled photos."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tfcorrect.io.sample_photos",
                                     description="Write a set of photos bundled with our dependencies as PNG files.")
    parser.add_argument("set", choices=sorted(SETS))
    parser.add_argument("folder")
    args = parser.parse_args(argv)
    for path in export_photos(SETS[args.set], args.folder):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
