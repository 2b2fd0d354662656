"""Where a train step's time goes: op time by kind from a ``tf.profiler`` trace (``bench/train.py``, part 4)."""

import collections
import pathlib


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

