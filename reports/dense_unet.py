"""Seed 002 on a small CPU run, regenerated from nothing: ``python reports/dense_unet.py`` (``make report-dense-unet``).

DPED's phone/DSLR photos are not on this machine, so a DPED-layout folder is built from real photos
(``reports/photo_split.csv`` of ``../shared/data/photos``): each photo, scaled to a shorter side of
200 px, is the "DSLR" target and a phone-like rendering of it
(:func:`tfcorrect.methods.exposure.simulate.phone_degradation`) the "phone"
input; ``tfcorrect-data patches --size 100 --layout dped`` cuts both into DPED's 100x100 patches
(train part -> ``<phone>/training_data``, validation part -> ``val/``, test part ->
``<phone>/test_data/patches``). ``dense_unet`` and the pix2pix U-Net (categories of
``param_tables/dense_unet_dped.csv``) train on 96-px crops for the same steps, then ``tfcorrect-eval``
scores both beside the input (identity) on the test patches. Writes ``reports/dense_unet.md`` and
``reports/dense_unet_grid.png``.

The seed's loss needs VGG19's ImageNet weights (``--vgg-weights PATH``); without them the dense_unet
arm trains with category ``NO_VGG``: the perceptual term replaced by an L1 content term, said so in
the report. Random VGG weights are never used.
"""

import datetime
import pathlib
import platform
import shutil
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "reports"))

from split_photos import read_split, scaled_copies  # noqa: E402  (reports/split_photos.py)
from common import report_parser, train_arm, write_report  # noqa: E402  (reports/common.py)

TABLE = ROOT / "param_tables" / "dense_unet_dped.csv"
REPORT = ROOT / "reports" / "dense_unet.md"
GRID = ROOT / "reports" / "dense_unet_grid.png"
PHONE = "phone"
SHORT_SIDE = 200  # photos are scaled to this shorter side before the patches are cut
PATCH = 100  # DPED's patch side; training crops RESOL=96 from them
# The phone-like degradation (its settings are named in the report): tfcorrect.methods.exposure.simulate.phone_degradation.
from tfcorrect.methods.dense_unet.phone import (  # noqa: E402
    PHONE_BLUR_SIGMA as BLUR_SIGMA, PHONE_COLOUR_GAINS as COLOUR_GAINS, PHONE_DESATURATION as DESATURATION,
    PHONE_NOISE as NOISE, PHONE_SEED as SEED, PHONE_TONE as TONE, simulate_phone_folder)
# The small CPU run: both arms get these on top of their category of the table.
SETTINGS = ("BATCH_SIZE=8", "EPOCHS=5", "STEPS_PER_EPOCH=60", "VAL_STEPS=4", "SAMPLES=2", "NGF=16", "NDF=16",
            "GROWTH=8", "DENSE_LAYERS=3", "LR=0.0002")
ROWS = (("psnr", "PSNR (dB)"), ("ssim", "SSIM"), ("ms_ssim", "MS-SSIM (4 scales)"))


def degraded_pairs(photos, folder):
    """A ``paired`` folder: ``target/`` the photos, ``input/`` their phone-like rendering (seeded by name)."""
    simulate_phone_folder(photos, folder, seed=SEED, progress=False)
    return folder


def dped_patches(photos, pairs, patches):
    """Degrade, then cut DPED's 100-px patch pairs into ``patches`` (``{PHONE}/``, ``canon/``)."""
    from tfcorrect.methods.dense_unet.patches import cut_patches_folder

    degraded_pairs(photos, pairs)
    cut_patches_folder(pairs, patches, size=PATCH, layout="dped", phone=PHONE, progress=False)
    return patches


def parse_args(argv=None):
    parser = report_parser("reports/dense_unet.py", __doc__.splitlines()[0], name="dense_unet", out=REPORT,
                           arms="both arms")
    parser.add_argument("--vgg-weights", default="",
                        help="VGG19 no-top ImageNet weights: train dense_unet with the seed's perceptual loss")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from tfcorrect.evaluation.evaluate import MODEL, evaluate
    from tfcorrect.methods import build_network
    from tfcorrect.methods import resolve

    start = time.perf_counter()
    work = pathlib.Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    phone = work / "dped" / PHONE
    parts = {}
    for part, patches in (("train", phone / "training_data"), ("val", work / "val_patches"),
                          ("test", phone / "test_data" / "patches")):
        photos = scaled_copies(read_split(args.photos, part), work / "photos" / part, short_side=SHORT_SIDE)
        dped_patches(photos, work / "pairs" / part, patches)
        parts[part] = (len(list(photos.iterdir())), len(list((patches / "canon").iterdir())))
    test_dir = phone / "test_data" / "patches"
    data_seconds = time.perf_counter() - start

    dense_category = "COMMON" if args.vgg_weights else "NO_VGG"
    arms = ((dense_category, "dense_unet"), ("PIX2PIX", "pix2pix U-Net"))
    sets = [*SETTINGS, f"TRAIN_DIR={phone}", f"VAL_DIR={work / 'val_patches'}", *args.sets]
    if args.vgg_weights:
        sets.append(f"VGG_WEIGHTS={args.vgg_weights}")
    run = resolve(str(TABLE), category="NO_VGG", sets=sets)[0]  # the schedule both arms share
    columns, notes = {}, []
    for category, title in arms:
        print(f"training {title} ({category}) ...", flush=True)
        seconds, params = train_arm(TABLE, None if category == "COMMON" else category, sets, work / "runs" / category)
        size = build_network(params, "generator").count_params()
        notes.append(f"- **{title}** (category {category}): {size:,} generator parameters, trained in {seconds:.0f} s.")
        result = evaluate(test_dir, work / "eval" / category, run=work / "runs" / category, baselines=["identity"],
                          grid=4, progress=False)
        means = result.summary[result.summary.condition == "all"].set_index("method")
        columns.setdefault("input (identity)", means.loc["identity"])
        columns[title] = means.loc[MODEL]
        if category != "PIX2PIX":
            shutil.copyfile(result.out / "grid.png", GRID)
        if result.failed:
            notes.append(f"  {len(result.failed)} test patches failed: {result.failed[0]}")
    images = int(columns["input (identity)"]["images"])

    lines = ["| | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for name, label in ROWS:
        digits = 2 if name == "psnr" else 4
        lines.append(f"| {label} | " + " | ".join(f"{c[name]:.{digits}f}" for c in columns.values()) + " |")
    loss = ("the seed's loss: L_p (VGG19 conv5_4 before its ReLU, ImageNet weights "
            f"`{args.vgg_weights}`) + 0.1 L_GAN + 10 (1 - MS-SSIM)" if args.vgg_weights else
            "**not the seed's loss**: VGG19's ImageNet weights are not on this machine, so the perceptual term "
            "L_p is replaced by an L1 content term (category `NO_VGG`: 10 L1 + 0.1 L_GAN + 10 (1 - MS-SSIM)). "
            "Pass `--vgg-weights PATH` to train with L_p; random VGG weights are never used")
    command = "python reports/dense_unet.py " + " ".join(argv if argv is not None else sys.argv[1:])
    total = time.perf_counter() - start
    text = "\n".join([
        "# Perceptual photo enhancement (seed 002): Dense U-Net vs pix2pix U-Net on a small CPU run",
        "",
        f"Regenerate with `make report-dense-unet` (`{command.strip()}`). Written {datetime.date.today()} on "
        f"{platform.machine()} ({platform.python_version()}); {total / 60:.1f} min in all.",
        "",
        "## Data (DPED layout from real photos)",
        "",
        f"- Photos: `reports/photo_split.csv` of `../shared/data/photos` (Kodak + CC0 wildlife), each scaled to a "
        f"shorter side of {SHORT_SIDE} px: {parts['train'][0]} train, {parts['val'][0]} validation, "
        f"{parts['test'][0]} test photos. The photo is the DSLR (`canon/`) side.",
        f"- Phone side: `tfcorrect.methods.exposure.simulate.phone_degradation`, seeded per file name (seed {SEED}): Gaussian blur "
        f"sigma {BLUR_SIGMA} px; tone x -> {TONE[0]} + {TONE[1]} x^{TONE[2]} (lifted blacks, dim highlights); "
        f"colour gains R,G,B {COLOUR_GAINS} and {DESATURATION:.0%} less saturation; Gaussian noise of deviation "
        f"{NOISE[0]} + {NOISE[1]} sqrt(x) per pixel and channel; 8-bit PNG.",
        f"- Patches: `tfcorrect-data patches pairs/<part> <dst> --size {PATCH} --layout dped --phone {PHONE}` "
        f"(the same {PATCH}x{PATCH} boxes in both images, no overlap): {parts['train'][1]} training patches in "
        f"`dped/{PHONE}/training_data/`, {parts['val'][1]} validation, {parts['test'][1]} test patches in "
        f"`dped/{PHONE}/test_data/patches/`. Built in {data_seconds:.0f} s.",
        "",
        "## Training",
        "",
        f"- `tfcorrect-train param_tables/dense_unet_dped.csv --category <C> --set TRAIN_DIR=dped/{PHONE} "
        f"--set VAL_DIR=val_patches --set {' --set '.join(SETTINGS + tuple(args.sets))}` for C = "
        f"{dense_category if args.vgg_weights else 'NO_VGG'} (dense_unet) and PIX2PIX (the pix2pix U-Net, DEPTH 5, "
        "with its conditional PatchGAN and BCE + 100 L1): same data, seed, batches and steps, 96-px random crops "
        "of the 100-px patches (RESOL 96, LOAD_SIZE 100).",
        f"- dense_unet loss: {loss}.",
        *notes,
        "",
        f"## Results (test patches, mean over {images})",
        "",
        "`tfcorrect-eval dped/phone/test_data/patches --run runs/<C> --baselines identity` (whole 100-px patches, "
        "predicted in 96-px tiles); MS-SSIM keeps the 4 scales a 100-px patch holds, their weights renormalised.",
        "",
        *lines,
        "",
        "`reports/dense_unet_grid.png`: input | dense_unet | identity | target for four test patches.",
        "",
        f"This is {run.epochs * run.steps_per_epoch} steps of batch {run.batch_size} with narrow networks on CPU, "
        "on a simulated phone, not the seed's DPED "
        "training: compare the two generators with each other and with the input, not with the paper (which "
        "reports no numbers).",
        "",
    ])
    write_report(text, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
