"""``make demo``: train a tiny exposure-correction pix2pix on bundled photos.

Every step is a public command or function a user can call alone.
"""

import pathlib
import shutil

from tfcorrect.params import resolve
from tfcorrect.sample_photos import export_photos
from tfcorrect.train import train

OUT = pathlib.Path("demo_out")
TRAIN_PHOTOS = ("astronaut", "coffee", "rocket", "immunohistochemistry", "retina", "grace_hopper")
TINY = ["DATASET=simulate_exposure", "RESOL=64", "NGF=8", "NDF=8", "EPOCHS=3", "STEPS_PER_EPOCH=5",
        "BATCH_SIZE=2", "SAMPLES=2"]


def main():
    """Export bundled photos, train a tiny model on them, say where the weights went."""
    photos = OUT / "photos"
    export_photos(TRAIN_PHOTOS, photos)
    run_dir = OUT / "run"
    shutil.rmtree(run_dir, ignore_errors=True)
    params = resolve("param_tables/pix2pix_exposure.csv", sets=[*TINY, f"TRAIN_DIR={photos}"])[0]
    train(params, run_dir, verbose=2)
    print(f"generator weights: {run_dir / 'generator.weights.h5'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
