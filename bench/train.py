"""Benchmark of the training step: tfcorrect beside a reference step in the TF pix2pix tutorial's style.

Run as ``python bench/train.py [--table T] [--set NAME=VALUE ...] [--batch-sizes 1,4] [--steps 5]
[--rounds 2] [--jit] [--parts steps,pipeline,train,precision,paper] [--seeds 3] [--paper-steps 2]
[--json PATH]`` (``make
bench-train`` runs it with the defaults: the seed-001 table, pix2pix at 256 px, every part).

What is measured, in one process:

1. **Train steps on random data**, per batch size. Four contenders are built from the same
   table (same networks, batch and precision): the *reference*, a plain ``tf.function`` step
   written here as the TensorFlow pix2pix tutorial writes it (Keras's LeakyReLU and
   BatchNormalization layers, two tapes, BCE + 100 x L1, Keras's Adam), compiled under
   TensorFlow's default Grappler options; tfcorrect's networks differ only in their kernels (a
   LeakyReLU Grappler can fuse, TensorFlow's fused batch norm, the fused Adam update); tfcorrect's ``train_step`` through
   ``fit`` *as the driver runs it* (:func:`tfcorrect.training.driver.graph_options`, the method's own
   train function); the same with Grappler's *remapping off* (the driver's earlier
   workaround); and the same through *Keras's own train function* (``keras.Model``'s, which
   reads the iterator inside nested ``tf.function``s). Grappler options are read when a
   function is first run, so each contender is warmed up (traced, optimised) under its own
   options; then the timed runs of ``--steps`` steps alternate between contenders for
   ``--rounds`` rounds, and the median seconds per step is reported with img/s and the ratio
   to the reference.
2. **FLOPs per image** of one step: 3 x the forward convolution FLOPs of the generator plus
   2 x 3 x those of the discriminator (it judges a real and a fake pair; a backward pass costs
   about two forwards), counted from the layers (``bench/common.py``), and the share of the
   float32 matmul FLOP rate measured in the same run that the step reaches.
3. **The input pipeline alone**: ``tfcorrect.data.make_datasets`` on real photos (the bundled
   training photos, ``simulate_exposure``), images/s of decode + resize + crop + render +
   augment, to show whether data can starve the step.
4. **Where the step's time goes**: the reference and the driver's step at the largest batch are
   profiled (``tf.profiler``) for ``--steps`` steps, and the op time per step is summed by kind
   (convolutions, batch norm, activations, optimizer update, other). Two ops run at once on two
   cores, so op time is about twice the wall time; the shares are what matters. Both steps run
   the same convolutions, so the convolutions' share of the reference bounds what any other
   change can gain.
5. **tfcorrect-train end to end** on those photos (pipeline, callbacks and all): ``train()``
   with a timing callback; seconds per step are the median interval between training batches
   after the first epoch (which compiles). The reference step is timed again right after it,
   and the ratio uses the median of all its timed runs, before and after.
6. **PRECISION**: what ``PRECISION=auto`` picks here and why; the driver's step under float32 and
   mixed_bfloat16, alternating, per batch size; and the last-epoch validation L1 of short
   ``train()`` runs on real photos under each, over ``--seeds`` seeds (``bench/precision.py``).
7. **The paper's own recipe** (the table's size and batch: 256 px, batch 64) for ``--paper-steps``
   steps under float32 and mixed precision: on a GPU at the table's batch with its peak memory, on a
   CPU at the largest batch that fits, and what the paper's full run would take (``bench/paper_cost.py``).

The steps are built in ``bench/steps.py``, the op time is read in ``bench/ops.py``.
"""


import argparse
import dataclasses
import json
import os
import pathlib
import statistics
import sys
import tempfile
import time

import paper_cost  # bench/paper_cost.py, beside this file (as are the modules below)
import precision
from common import conv_flops, matmul_flop_rate
from ops import print_op_seconds
from steps import contenders, timed_train

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_TABLE = ROOT / "param_tables" / "pix2pix_exposure.csv"
PARTS = ("steps", "pipeline", "train", "precision", "paper")


def step_flops(params):
    """FLOPs of one training step per image (see the module docstring)."""
    from tfcorrect.methods import build_network

    generator, _ = conv_flops(build_network(params, "generator"), params.resol)
    discriminator, _ = conv_flops(build_network(params, "discriminator"), params.resol)
    return 3 * generator + 2 * 3 * discriminator


def pipeline_rate(params, batches):
    """Images/s of the training pipeline alone (decode + augment), after one warm-up batch."""
    from tfcorrect.data.pipeline import make_datasets
    from tfcorrect.training.driver import training_input

    iterator = iter(training_input(make_datasets(params).train))
    next(iterator)
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches * params.batch_size / (time.perf_counter() - start)


def time_steps(base, batches, args, rate, flops, work):
    """Part 1 (and 4 at the largest batch): every contender per batch size; the largest batch's reference."""
    figures, largest = {}, max(batches)
    for batch in batches:
        params = dataclasses.replace(base, batch_size=batch)
        found = contenders(params, batch, jit=args.jit)
        for _ in range(args.rounds):
            for contender in found:
                contender.time(args.steps)
        reference = statistics.median(found[0].seconds)
        print(f"\nbatch {batch}, {args.rounds} x {args.steps} steps each, alternating:")
        print(f"  {'step':<52} {'s/step':>7} {'img/s':>6} {'vs ref':>6} {'of matmul rate':>14}")
        rows = {}
        for contender in found:
            seconds = statistics.median(contender.seconds)
            share = flops * batch / seconds / rate
            print(f"  {contender.name:<52} {seconds:7.2f} {batch / seconds:6.2f} {reference / seconds:6.2f} "
                  f"{share:13.0%}")
            rows[contender.name] = {"s_per_step": seconds, "runs": contender.seconds}
        figures[batch] = rows
        if batch == largest:
            op_figures = print_op_seconds(found[:2], args.steps, batch, work)
            reference_step = found[0]  # timed again after the end-to-end run
        del found
    return {"batches": figures, "op_seconds": op_figures}, reference_step


def time_training(params, args, work, reference_step):
    """Part 5: ``train()`` end to end on real photos, against the reference timed before and right after."""
    run = dataclasses.replace(params, epochs=args.train_epochs, steps_per_epoch=args.steps)
    seconds = timed_train(run, work / "run")
    print(f"tfcorrect-train on real photos, batch {params.batch_size}: {seconds:.2f} s/step, "
          f"{params.batch_size / seconds:.2f} img/s", end="")
    if reference_step is None:
        print()
        return {"train_s_per_step": seconds}
    before = statistics.median(reference_step.seconds)
    for _ in range(args.rounds):  # the machine may have drifted since: the reference again, right after
        reference_step.time(args.steps)
    after = statistics.median(reference_step.seconds[-args.rounds:])
    reference = statistics.median(reference_step.seconds)
    print(f", {reference / seconds:.2f}x the reference step ({reference:.2f} s/step: {before:.2f} before, "
          f"{after:.2f} right after)")
    return {"train_s_per_step": seconds, "train_vs_reference": reference / seconds,
            "reference_s_per_step_after_train": after}


def compare_precisions(base, batches, args, work, val_dir):
    """Part 6: the driver's step under each precision per batch size, then short runs on real photos per seed."""
    figures = {"steps": {}, "load_average_before": os.getloadavg()[0]}
    print(f"\nPRECISION arms; 1-minute load average {figures['load_average_before']:.2f} (other processes "
          "competing for memory bandwidth slow float32 more than bfloat16: compare quiet runs)")
    for batch in batches:
        found = precision.step_contenders(dataclasses.replace(base, batch_size=batch), batch)
        for _ in range(args.rounds):
            for contender in found:
                contender.time(args.steps)
        figures["steps"][batch] = precision.print_speed(found, batch, args.rounds, args.steps)
        del found
    figures["load_average_after_steps"] = os.getloadavg()[0]
    if not args.seeds:
        return figures
    params = dataclasses.replace(base, batch_size=max(batches), epochs=args.train_epochs,
                                 steps_per_epoch=args.steps, val_dir=str(val_dir), val_steps=0)
    print(f"\nshort runs on real photos, batch {params.batch_size}, {params.epochs} epochs x {params.steps_per_epoch} "
          f"steps, validated on {val_dir.name}/ (the demo photos), arms interleaved:")
    runs = precision.quality_runs(params, args.seeds, work)
    figures.update(runs=runs, **precision.print_quality(runs), load_average_after=os.getloadavg()[0])
    print(f"  1-minute load average at the end: {figures['load_average_after']:.2f}")
    return figures


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="bench/train.py", description=__doc__.splitlines()[0])
    parser.add_argument("--table", default=str(DEFAULT_TABLE), help="parameter table (default: seed 001's)")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="NAME=VALUE",
                        help="override a parameter (repeatable)")
    parser.add_argument("--batch-sizes", default="1,4", help="comma-separated batch sizes (default: 1,4)")
    parser.add_argument("--steps", type=int, default=5, help="steps per timed run (default: 5)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per contender (default: 2)")
    parser.add_argument("--train-epochs", type=int, default=3, help="epochs of each end-to-end run (default: 3)")
    parser.add_argument("--jit", action="store_true", help="also time tfcorrect's step compiled with XLA")
    parser.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated parts to run (default: all: "
                        f"{','.join(PARTS)})")
    parser.add_argument("--seeds", type=int, default=3,
                        help="seeds of each precision's runs; 0: time the steps only (default: 3)")
    parser.add_argument("--paper-steps", type=int, default=2,
                        help="timed steps of the table's own recipe per precision (part paper; default: 2)")
    parser.add_argument("--json", metavar="PATH", help="also write every figure as JSON")
    args = parser.parse_args(argv)
    args.parts = args.parts.split(",")
    if unknown := set(args.parts) - set(PARTS):
        parser.error(f"unknown part(s) {', '.join(sorted(unknown))}; known: {', '.join(PARTS)}")
    return args


def main(argv=None):
    args = parse_args(argv)
    from tfcorrect.io.sample_photos import DEMO_SET, TRAIN_SET, export_photos
    from tfcorrect.methods import resolve
    from tfcorrect.nn.precision import machine_precision

    work = pathlib.Path(tempfile.mkdtemp(prefix="tfcorrect-bench-train-"))
    photos = export_photos(TRAIN_SET, work / "photos")[0].parent
    base = resolve(args.table, sets=["DATASET=simulate_exposure", f"TRAIN_DIR={photos}", "VAL_DIR=", "SAMPLES=1",
                                     "VAL_STEPS=1", *args.sets])[0]
    rate, _ = matmul_flop_rate()
    flops = step_flops(base)
    print(f"table {args.table} {' '.join(args.sets)}: MODEL {base.model}, RESOL {base.resol}, NGF {base.ngf}, "
          f"NDF {base.ndf}, PRECISION {base.precision}; auto here: {' '.join(machine_precision())}")
    print(f"float32 matmul: {rate / 1e9:.0f} GFLOP/s; one training step: {flops / 1e9:.1f} GFLOP per image")
    figures = {"matmul_flops": rate, "step_flops_per_image": flops, "auto": machine_precision()}
    batches = [int(b) for b in args.batch_sizes.split(",")]
    params = dataclasses.replace(base, batch_size=max(batches))
    reference_step = None
    if "steps" in args.parts:
        found, reference_step = time_steps(base, batches, args, rate, flops, work)
        figures.update(found)
    if "pipeline" in args.parts:
        figures["pipeline_images_per_s"] = images_per_s = pipeline_rate(params, batches=10)
        print(f"\ninput pipeline alone (real photos, batch {params.batch_size}): {images_per_s:.1f} img/s")
    if "train" in args.parts:
        figures.update(time_training(params, args, work, reference_step))
    if "precision" in args.parts:
        val_dir = export_photos(DEMO_SET, work / "val")[0].parent
        figures["precision"] = compare_precisions(base, batches, args, work, val_dir)
    if "paper" in args.parts:
        figures["paper"] = paper_cost.measure(base, args.paper_steps)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
