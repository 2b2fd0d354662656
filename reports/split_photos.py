"""Write ``reports/photo_split.csv``: the train / val / test split of ``../shared/data/photos``.

Run once as ``python reports/split_photos.py [PHOTOS]``; the CSV is committed and every report and
training recipe reads it. ``python reports/split_photos.py copy PART FOLDER [--short-side N]`` writes
a part's photos, scaled, into a folder (the default model trains on ``train`` and ``val`` copies). Each source folder (kodak, opennature_birds) is split on its own: a
seeded permutation of its sorted file names puts 20 % in ``test``, 15 % in ``val`` and the rest in
``train``. Nothing is ever trained or selected on ``test``.
"""

import pathlib
import sys

import numpy as np
import pandas as pd

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_PHOTOS = ROOT.parent / "shared" / "data" / "photos"
SPLIT_FILE = ROOT / "reports" / "photo_split.csv"
SHARES = {"test": 0.20, "val": 0.15}
SEED = 2026


def split(photos):
    """``DataFrame(file, split)`` with ``file`` relative to ``photos``."""
    rows = []
    for folder in sorted(p for p in photos.iterdir() if p.is_dir()):
        files = sorted(p.relative_to(photos).as_posix() for p in folder.rglob("*") if p.is_file())
        order = np.random.default_rng(SEED).permutation(len(files))
        counts = {name: round(share * len(files)) for name, share in SHARES.items()}
        labels = ["test"] * counts["test"] + ["val"] * counts["val"]
        labels += ["train"] * (len(files) - len(labels))
        rows += [(files[i], label) for i, label in zip(order, labels)]
    return pd.DataFrame(sorted(rows), columns=["file", "split"])


def read_split(photos=DEFAULT_PHOTOS, part=None):
    """Paths of the photos in ``part`` (``train``, ``val`` or ``test``; all when ``None``)."""
    table = pd.read_csv(SPLIT_FILE)
    if part is not None:
        table = table[table["split"] == part]
    return [pathlib.Path(photos) / name for name in table["file"]]


def scaled_copies(paths, folder, *, short_side=None, long_side=None):
    """The photos scaled so their shorter (or longer) side is the given size (cv2 INTER_AREA), as PNG in ``folder``."""
    import cv2

    from tfcorrect.io.images import read_rgb, write_image

    folder.mkdir(parents=True)
    for path in paths:
        image = read_rgb(path)[0]
        scale = short_side / min(image.shape[:2]) if short_side else long_side / max(image.shape[:2])
        size = (round(image.shape[1] * scale), round(image.shape[0] * scale))
        write_image(folder / f"{path.parent.name}-{path.stem}.png", cv2.resize(image, size, interpolation=cv2.INTER_AREA))
    return folder


def copy_part(argv):
    """``copy PART FOLDER [--short-side N] [--photos DIR]``: a part's photos, scaled, as PNG in FOLDER."""
    import argparse

    parser = argparse.ArgumentParser(prog="reports/split_photos.py copy")
    parser.add_argument("part", choices=("train", "val", "test"))
    parser.add_argument("folder", type=pathlib.Path)
    parser.add_argument("--short-side", type=int, default=288, help="shorter side of the copies (default: 288)")
    parser.add_argument("--photos", type=pathlib.Path, default=DEFAULT_PHOTOS)
    args = parser.parse_args(argv)
    if args.folder.exists():
        print(f"{args.folder} exists: kept as it is")
        return
    scaled_copies(read_split(args.photos, args.part), args.folder, short_side=args.short_side)
    print(f"{args.folder}: {len(list(args.folder.iterdir()))} {args.part} photos")


if __name__ == "__main__" and sys.argv[1:2] == ["copy"]:
    copy_part(sys.argv[2:])
elif __name__ == "__main__":
    photos = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PHOTOS
    table = split(photos)
    table.to_csv(SPLIT_FILE, index=False)
    print(table.groupby([table["file"].str.split("/").str[0], "split"]).size().to_string())
