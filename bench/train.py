"""Benchmark of the training step: tfcorrect beside a reference step in the TF pix2pix tutorial's style.

Run as ``python bench/train.py [--table T] [--set NAME=VALUE ...] [--batch-sizes 1,4] [--steps 5]
[--rounds 2] [--jit] [--json PATH]`` (``make bench-train`` runs it with the defaults: the seed-001 table,
pix2pix at 256 px).

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
"""

import argparse
import collections
import json
import pathlib
import statistics
import sys
import tempfile
import time
import types

from common import conv_flops, matmul_flop_rate  # bench/common.py, beside this file

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_TABLE = ROOT / "param_tables" / "pix2pix_exposure.csv"


def reference_step(generator, discriminator, *, lambda_content, lr, beta_1):
    """A train step as the TensorFlow pix2pix tutorial writes it (Keras's Adam), for the given networks."""
    import keras
    import tensorflow as tf

    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    g_opt, d_opt = keras.optimizers.Adam(lr, beta_1=beta_1), keras.optimizers.Adam(lr, beta_1=beta_1)

    @tf.function
    def step(image, target):
        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            fake = generator(image, training=True)
            real_out = discriminator([image, target], training=True)
            fake_out = discriminator([image, fake], training=True)
            g_loss = bce(tf.ones_like(fake_out), fake_out) + lambda_content * tf.reduce_mean(tf.abs(target - fake))
            d_loss = bce(tf.ones_like(real_out), real_out) + bce(tf.zeros_like(fake_out), fake_out)
        g_grads = gen_tape.gradient(g_loss, generator.trainable_variables)
        d_grads = disc_tape.gradient(d_loss, discriminator.trainable_variables)
        g_opt.apply_gradients(zip(g_grads, generator.trainable_variables))
        d_opt.apply_gradients(zip(d_grads, discriminator.trainable_variables))
        return g_loss

    return step


def tutorial_networks(params):
    """The table's generator and discriminator built from Keras's own layers, as the tutorial writes them.

    tfcorrect's blocks use a LeakyReLU whose gradient lets Grappler fuse it and a batch norm that
    runs TensorFlow's fused kernel; the tutorial uses ``keras.layers.LeakyReLU`` and
    ``keras.layers.BatchNormalization``. Same architecture, same weights layout.
    """
    import keras

    from tfcorrect.methods import build_network
    from tfcorrect.nn import blocks

    saved = dict(blocks.NORMS), dict(blocks.ACTIVATIONS)
    blocks.NORMS["batch"] = ("bn", lambda name: keras.layers.BatchNormalization(name=name))
    blocks.ACTIVATIONS["lrelu"] = ("lrelu", lambda name: keras.layers.LeakyReLU(0.2, name=name))
    try:
        return build_network(params, "generator"), build_network(params, "discriminator")
    finally:
        blocks.NORMS.update(saved[0]), blocks.ACTIVATIONS.update(saved[1])


class Contender:
    """One way of running train steps under its own Grappler options: ``run(steps)`` waits for the result.

    TensorFlow optimises a function when it is first run under a set of options, so every run of
    a contender (warm-up and timed) happens with its options in force, restored afterwards.
    """

    def __init__(self, name, run, options):
        self.name, self._run, self.options, self.seconds = name, run, options, []

    def run(self, steps):
        import tensorflow as tf

        previous = tf.config.optimizer.get_experimental_options()
        tf.config.optimizer.set_experimental_options(self.options)
        try:
            self._run(steps)
        finally:
            tf.config.optimizer.set_experimental_options({k: previous.get(k, True) for k in self.options})

    def time(self, steps):
        start = time.perf_counter()
        self.run(steps)
        self.seconds.append((time.perf_counter() - start) / steps)


def contenders(params, batch, *, jit=False):
    """The reference; tfcorrect as the driver runs it, with remapping off, with Keras's train function (and XLA)."""
    import keras
    import tensorflow as tf

    from tfcorrect.methods import build_trainer
    from tfcorrect.training.driver import graph_options, training_input

    keras.utils.set_random_seed(params.seed)
    shape = (batch, params.resol, params.resol)
    image = tf.random.uniform((*shape, params.in_channels), -1, 1)
    target = tf.random.uniform((*shape, params.out_channels), -1, 1)
    data = training_input(tf.data.Dataset.from_tensors((image, target)).repeat())  # as the driver feeds fit

    step = reference_step(*tutorial_networks(params), lambda_content=params.lambda_content, lr=params.g_lr, beta_1=params.beta_1)

    def run_reference(steps):
        for _ in range(steps):
            loss = step(image, target)
        loss.numpy()

    def fitter(trainer):
        return lambda steps: trainer.fit(data, steps_per_epoch=steps, epochs=1, verbose=0)

    driver = graph_options(tf.distribute.get_strategy())
    keras_function = build_trainer(params)
    keras_function.make_train_function = types.MethodType(keras.Model.make_train_function, keras_function)
    found = [Contender("reference (tutorial step, TF default options)", run_reference, {"remapping": True}),
             Contender("tfcorrect train_step via fit, as the driver runs it", fitter(build_trainer(params)), driver),
             Contender("tfcorrect via fit, remapping off (old workaround)", fitter(build_trainer(params)),
                       {"remapping": False}),
             Contender("tfcorrect via fit, Keras's own train function", fitter(keras_function), driver)]
    if jit:
        jitted = build_trainer(params)
        jitted.compile(optimizers=jitted.optimizers, jit_compile=True)
        found.append(Contender("tfcorrect train_step via fit, XLA jit_compile", fitter(jitted), driver))
    for contender in found:
        contender.run(2)  # trace and optimise
    return found


OP_KINDS = ("convolutions", "batch norm", "activations", "optimizer update", "other")


def op_kind(name, op_type):
    """The kind of one executed op, from its type and its name (layer and optimizer scopes)."""
    if "Conv2D" in op_type:
        return "convolutions"
    if "adam" in name.lower() or "ApplyAdam" in op_type:
        return "optimizer update"
    if "_bn" in name or "BatchNorm" in op_type:
        return "batch norm"
    if "relu" in name.lower() or "Relu" in op_type:
        return "activations"
    return "other"


def op_seconds(contender, steps, logdir):
    """Op time per step of ``contender``, in seconds by :data:`OP_KINDS`, from a ``tf.profiler`` trace."""
    import tensorflow as tf
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    tf.profiler.experimental.start(str(logdir))
    try:
        contender.run(steps)
    finally:
        tf.profiler.experimental.stop()
    seconds = collections.Counter({kind: 0.0 for kind in OP_KINDS})
    for path in pathlib.Path(logdir).glob("**/*.xplane.pb"):
        for plane in xplane_pb2.XSpace.FromString(path.read_bytes()).planes:
            if plane.name != "/host:CPU":
                continue
            for line in plane.lines:
                if not line.name.startswith("tf_Compute"):  # the executor threads, where ops run
                    continue
                for event in line.events:
                    label = plane.event_metadata[event.metadata_id].name  # "op name:op type"
                    if ":" not in label or "::" in label:  # executor spans, not ops
                        continue
                    name, op_type = label.rsplit(":", 1)
                    seconds[op_kind(name, op_type)] += event.duration_ps / 1e12 / steps
    return seconds


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


def train_rate(params, run_dir):
    """Median seconds per step of ``tfcorrect.training.driver.train`` after its first epoch."""
    import keras

    from tfcorrect.training.driver import train

    class Timer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.stamps = {}

        def on_train_batch_end(self, batch, logs=None):
            self.stamps.setdefault(self.epoch, []).append(time.perf_counter())

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

    timer = Timer()
    train(params, run_dir, verbose=0, callbacks=[timer])
    intervals = [b - a for epoch, stamps in timer.stamps.items() if epoch > 0 for a, b in zip(stamps, stamps[1:])]
    return statistics.median(intervals)


def print_op_seconds(found, steps, batch, work):
    """Profile the reference and the driver's step; print and return their op time by kind."""
    profiles = {c.name: op_seconds(c, steps, work / f"profile{i}") for i, c in enumerate(found)}
    print(f"\nop time per step at batch {batch} by kind, s (share), profiled over {steps} steps; two ops run at "
          f"once, so op time is about twice the wall time:")
    print(f"  {'kind':<18}" + "".join(f" {c.name.split()[0]:>16}" for c in found))  # reference, tfcorrect
    for kind in OP_KINDS:
        print(f"  {kind:<18}" + "".join(f" {p[kind]:9.2f} ({p[kind] / sum(p.values()):4.0%})" for p in profiles.values()))
    print(f"  {'total':<18}" + "".join(f" {sum(p.values()):9.2f}       " for p in profiles.values()))
    return {name: dict(p) for name, p in profiles.items()}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="bench/train.py", description=__doc__.splitlines()[0])
    parser.add_argument("--table", default=str(DEFAULT_TABLE), help="parameter table (default: seed 001's)")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="NAME=VALUE",
                        help="override a parameter (repeatable)")
    parser.add_argument("--batch-sizes", default="1,4", help="comma-separated batch sizes (default: 1,4)")
    parser.add_argument("--steps", type=int, default=5, help="steps per timed run (default: 5)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per contender (default: 2)")
    parser.add_argument("--train-epochs", type=int, default=3, help="epochs of the end-to-end run (default: 3)")
    parser.add_argument("--jit", action="store_true", help="also time tfcorrect's step compiled with XLA")
    parser.add_argument("--json", metavar="PATH", help="also write every figure as JSON")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    import dataclasses

    from tfcorrect.methods import resolve
    from tfcorrect.io.sample_photos import TRAIN_SET, export_photos

    work = pathlib.Path(tempfile.mkdtemp(prefix="tfcorrect-bench-train-"))
    photos = export_photos(TRAIN_SET, work / "photos")[0].parent
    base = resolve(args.table, sets=["DATASET=simulate_exposure", f"TRAIN_DIR={photos}", "SAMPLES=1",
                                     "VAL_STEPS=1", *args.sets])[0]
    rate, _ = matmul_flop_rate()
    flops = step_flops(base)
    print(f"table {args.table} {' '.join(args.sets)}: MODEL {base.model}, RESOL {base.resol}, NGF {base.ngf}, "
          f"NDF {base.ndf}, PRECISION {base.precision}")
    print(f"float32 matmul: {rate / 1e9:.0f} GFLOP/s; one training step: {flops / 1e9:.1f} GFLOP per image")
    figures = {"matmul_flops": rate, "step_flops_per_image": flops, "batches": {}}
    largest = max(int(b) for b in args.batch_sizes.split(","))
    for batch in (int(b) for b in args.batch_sizes.split(",")):
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
        figures["batches"][batch] = rows
        if batch == largest:
            figures["op_seconds"] = print_op_seconds(found[:2], args.steps, batch, work)
            reference_step = found[0]  # timed again after the end-to-end run
        del found
    params = dataclasses.replace(base, batch_size=largest)
    images_per_s = pipeline_rate(params, batches=10)
    print(f"\ninput pipeline alone (real photos, batch {params.batch_size}): {images_per_s:.1f} img/s")
    run = dataclasses.replace(params, epochs=args.train_epochs, steps_per_epoch=args.steps)
    seconds = train_rate(run, work / "run")
    before = statistics.median(reference_step.seconds)
    for _ in range(args.rounds):  # the machine may have drifted since: the reference again, right after
        reference_step.time(args.steps)
    after = statistics.median(reference_step.seconds[-args.rounds:])
    reference = statistics.median(reference_step.seconds)
    print(f"tfcorrect-train on real photos, batch {params.batch_size}: {seconds:.2f} s/step, "
          f"{params.batch_size / seconds:.2f} img/s, {reference / seconds:.2f}x the reference step "
          f"({reference:.2f} s/step: {before:.2f} before, {after:.2f} right after)")
    figures.update(pipeline_images_per_s=images_per_s, train_s_per_step=seconds, train_vs_reference=reference / seconds,
                   reference_s_per_step_after_train=after)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
