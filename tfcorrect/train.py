"""The training driver: resolved parameters in, a run folder out."""

import dataclasses
import os
import pathlib
import sys

import keras
import tensorflow as tf

from tfcorrect import runfolder
from tfcorrect.data import make_datasets
from tfcorrect.errors import UserError
from tfcorrect.health import CollapseWatch
from tfcorrect.methods import build_trainer, get_method
from tfcorrect.params import load_params, resolved_rows, write_table

# Parameters a resumed run may change; any other difference would make it another run.
RESUMABLE_CHANGES = ("epochs",)


# STRATEGY -> the tf.distribute strategy it names.
STRATEGIES = {
    "default": tf.distribute.get_strategy,
    "mirrored": tf.distribute.MirroredStrategy,
    "multiworker": tf.distribute.MultiWorkerMirroredStrategy,
}


def make_strategy(name):
    """The ``tf.distribute`` strategy named by the table's ``STRATEGY``."""
    if name not in STRATEGIES:
        raise ValueError(f"unknown STRATEGY {name!r}; known: {', '.join(STRATEGIES)}")
    return STRATEGIES[name]()


def graph_options(strategy):
    """The Grappler options training runs with under ``strategy`` (for ``tf.config.optimizer``).

    One device: TensorFlow's defaults, remapping (op fusion) included; the networks' LeakyReLU
    (``models/activations.py``) keeps the fusion of a biased convolution with it valid. Several
    replicas: remapping off, the workaround for a MirroredStrategy run on CPU replicas whose graph
    was miswired; it costs nothing measurable there (bench/README.md).
    """
    return {"remapping": strategy.num_replicas_in_sync < 2}


def _warn_about_cpu_replicas(strategy):
    """One line when several replicas share CPUs with oneDNN's graph rewrites on.

    Under MirroredStrategy on logical CPU devices, oneDNN's fusion of a biased convolution with
    its LeakyReLU miswired a replica's graph in about 1 run of 4 ("input depth must be evenly
    divisible by filter depth"); with TF_ENABLE_ONEDNN_OPTS=0 set before TensorFlow starts, 14 of
    14 runs trained. GPUs do not use these CPU rewrites.
    """
    if strategy.num_replicas_in_sync < 2 or os.environ.get("TF_ENABLE_ONEDNN_OPTS") == "0":
        return
    if all("CPU" in device.upper() for device in strategy.extended.worker_devices):
        print("warning: several replicas on CPUs: set TF_ENABLE_ONEDNN_OPTS=0 before starting, or a oneDNN "
              "graph rewrite may miswire a replica (TensorFlow error 'input depth must be evenly divisible')",
              file=sys.stderr, flush=True)


def default_run_dir(table, category=None):
    """``saved_models/<table stem>[-<category>]``, as SPEC 'Run folder' says."""
    stem = pathlib.Path(table).stem
    return pathlib.Path("saved_models") / (f"{stem}-{category}" if category else stem)


def _resumed_params(run_dir, params):
    saved = load_params(run_dir / runfolder.PARAMS)
    differing = [f.name.upper() for f in dataclasses.fields(params)
                 if f.name not in RESUMABLE_CHANGES and getattr(saved, f.name) != getattr(params, f.name)]
    if differing:
        raise UserError(f"{run_dir}: cannot resume with changed {', '.join(differing)} "
                        f"(only {', '.join(n.upper() for n in RESUMABLE_CHANGES)} may change)")
    return dataclasses.replace(saved, epochs=params.epochs)


def _samples(dataset, count):
    if not count:
        return None
    batches = list(dataset.unbatch().take(count).batch(count).as_numpy_iterator())
    return batches[0] if batches else None


def train(params, run_dir, *, resume=False, verbose="auto", callbacks=()):
    """Train ``params.model`` and write its run folder.

    Args:
        params: resolved :class:`~tfcorrect.params.Params`.
        run_dir: the run folder to create, or with ``resume`` to continue.
        resume: continue from the folder's last complete epoch with its optimiser state.
        verbose: Keras ``fit`` verbosity.
        callbacks: further Keras callbacks, run after the run folder's own (e.g. a timer).

    Returns:
        The Keras ``History`` of the epochs run now (``None`` when nothing was left to run).

    Raises:
        UserError: the run folder is in the wrong state or the data cannot be read.
    """
    run_dir = pathlib.Path(run_dir)
    checkpoint = run_dir / runfolder.CHECKPOINT
    if resume:
        if not checkpoint.is_file():
            raise UserError(f"{run_dir}: nothing to resume (no {runfolder.CHECKPOINT}); run without --resume")
        params = _resumed_params(run_dir, params)
    elif (run_dir / runfolder.PARAMS).exists():
        raise UserError(f"{run_dir}: already holds a run; pass --resume to continue it or choose another --run-dir")

    keras.utils.set_random_seed(params.seed)
    strategy = make_strategy(params.strategy)
    tf.config.optimizer.set_experimental_options(graph_options(strategy))
    _warn_about_cpu_replicas(strategy)
    method = get_method(params.model)
    with strategy.scope():
        trainer = build_trainer(params)  # first: a missing pretrained file fails before the run folder exists
    run_dir.mkdir(parents=True, exist_ok=True)
    write_table(run_dir / runfolder.PARAMS, resolved_rows(params))
    epoch, history = runfolder.load_checkpoint(checkpoint, trainer) if resume else (0, [])
    if epoch >= params.epochs:
        print(f"{run_dir}: all {params.epochs} epochs are complete; raise EPOCHS to train further")
        return None
    data = make_datasets(params, start_epoch=epoch)
    writer = runfolder.RunFolderWriter(run_dir, history, _samples(data.val, min(params.samples, data.val_count)),
                                       sample_network=method.predict_network, keep_best=params.keep_best)
    callbacks = [
        writer,  # first: the others read the history row it adds
        keras.callbacks.TensorBoard(str(run_dir / runfolder.LOGS), write_graph=False),
        CollapseWatch(run_dir, writer.history, method.adversaries, threshold=params.collapse_d_loss,
                      epochs=params.collapse_epochs),
        *callbacks,
    ]
    print(f"training {params.model} on {data.train_count} examples, validating on {data.val_count}; "
          f"epochs {epoch + 1}..{params.epochs} of {data.steps_per_epoch} steps; "
          f"{strategy.num_replicas_in_sync} replica(s); run folder {run_dir}")
    result = trainer.fit(data.train, epochs=params.epochs, initial_epoch=epoch, steps_per_epoch=data.steps_per_epoch,
                         validation_data=data.val, validation_steps=data.val_steps, callbacks=callbacks,
                         shuffle=False, verbose=verbose)
    done = len(writer.history)
    if done < params.epochs:
        raise UserError(f"{params.train_dir}: training data ran out after {done} of {params.epochs} "
                        "epochs; too many files could not be read (named above)")
    return result


__all__ = ["STRATEGIES", "default_run_dir", "graph_options", "make_strategy", "train"]
