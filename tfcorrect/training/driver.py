"""The training driver: resolved parameters in, a run folder out."""

import dataclasses
import os
import pathlib
import sys

import keras
import tensorflow as tf

from tfcorrect.training import runfolder
from tfcorrect.data.pipeline import make_datasets
from tfcorrect.data.preprocess import preprocess_training_data
from tfcorrect.errors import UserError
from tfcorrect.training.health import CollapseWatch
from tfcorrect.methods import build_trainer, get_method, load_params
from tfcorrect.nn.precision import chosen_precision
from tfcorrect.io.atomic import atomic_path
from tfcorrect.params import resolved_rows, write_table
from tfcorrect.training.folderlock import remove_leftovers
from tfcorrect.training.strategies import make_strategy

# Parameters a resumed run may change; any other difference would make it another run.
RESUMABLE_CHANGES = ("epochs",)


def distribute_by_data(dataset):
    """``dataset`` set to be split among workers by data: each worker keeps its part of every global batch.

    Every worker builds the same dataset (same files, order and augmentation, all seeded) and
    ``tf.distribute`` cuts each global batch of ``BATCH_SIZE`` into one part per replica, worker 0
    taking the first. So several workers train on exactly the batches one worker (or a mirrored
    run) would, which ``AutoShardPolicy.FILE`` cannot promise (one file source, decoded in
    ``tf.numpy_function``); the price is that each worker decodes every image. Without several
    workers the option does nothing.
    """
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)


def without_autotune(dataset):
    """``dataset`` with tf.data's autotuning and its injected prefetch turned off.

    With them on, a training step on this 2-core CPU ran 1.3-1.7x slower, using about one core, in
    4 of 6 processes that made a new iterator after the step was first run (as each call of ``fit``
    does); with them off, in none of 6 such runs (``bench/README.md``, "The slow mode"). ``AUTOTUNE``
    parallel calls and prefetch buffers then take tf.data's fixed defaults; the pipeline still
    delivers far more images per second than a training step takes.
    """
    options = tf.data.Options()
    options.autotune.enabled = False
    options.experimental_optimization.inject_prefetch = False
    return dataset.with_options(options)


def training_input(dataset):
    """How the driver hands a dataset to ``fit``: split among workers by data, without autotuning."""
    return without_autotune(distribute_by_data(dataset))


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
    divisible by filter depth"), and in 5 of 5 two-worker runs on a CPU with AMX; with
    TF_ENABLE_ONEDNN_OPTS=0 set before TensorFlow starts, 14 of 14 runs trained. ``tfcorrect-train``
    sets it (:func:`tfcorrect.cli.train.before_tensorflow`); this warns Python code that imported
    TensorFlow first. GPUs do not use these CPU rewrites.
    """
    if strategy.num_replicas_in_sync < 2 or os.environ.get("TF_ENABLE_ONEDNN_OPTS") == "0":
        return
    if all("CPU" in device.upper() for device in strategy.extended.worker_devices):
        print("warning: several replicas on CPUs with oneDNN's graph rewrites on (TensorFlow started first): call "
              "tfcorrect.cli.train.before_tensorflow(STRATEGY) before importing TensorFlow, or a "
              "replica may be miswired (TensorFlow error 'input depth must be evenly divisible')",
              file=sys.stderr, flush=True)


def default_run_dir(table, category=None):
    """``saved_models/<table stem>[-<category>]``, as docs/run-folder.md says."""
    stem = pathlib.Path(table).stem
    return pathlib.Path("saved_models") / (f"{stem}-{category}" if category else stem)


def _resumed_params(run_dir, params):
    saved = load_params(run_dir / runfolder.PARAMS)
    differing = [f.name.upper() for f in dataclasses.fields(params) if f.name not in RESUMABLE_CHANGES
                 and getattr(params, f.name) not in (getattr(saved, f.name, None), "auto")]  # auto: as the run chose
    if differing:
        raise UserError(f"{run_dir}: cannot resume with changed {', '.join(differing)} "
                        f"(only {', '.join(n.upper() for n in RESUMABLE_CHANGES)} may change)")
    return dataclasses.replace(saved, epochs=params.epochs)


def _samples(dataset, count):
    if not count:
        return None
    batches = list(dataset.unbatch().take(count).batch(count).as_numpy_iterator())
    return batches[0] if batches else None


def _checked_params(run_dir, params, resume):
    """``params`` to train with in ``run_dir``: a resumed run's own, with only ``RESUMABLE_CHANGES`` taken.

    A folder whose training stopped before its first epoch ended (bad data, say) holds only what
    tfcorrect wrote at the start, so a new run may start there again.
    """
    if resume:
        if not (run_dir / runfolder.CHECKPOINT).is_file():
            raise UserError(f"{run_dir}: nothing to resume (no {runfolder.CHECKPOINT}: no epoch completed); "
                            "run without --resume")
        return _resumed_params(run_dir, params)
    if (run_dir / runfolder.CHECKPOINT).exists():
        raise UserError(f"{run_dir}: already holds a run; pass --resume to continue it or choose another --run-dir")
    return params


def train(params, run_dir, *, resume=False, verbose="auto", callbacks=()):
    """Train ``params.model`` and write its run folder.

    Under ``STRATEGY=multiworker`` every worker runs this with the same arguments; only the chief
    writes ``run_dir``, the others write into a temporary folder deleted at the end (see
    :func:`~tfcorrect.training.runfolder.worker_folder`). To resume, every worker reads the chief's
    checkpoint, so ``run_dir`` must then be the same shared folder on every machine.

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
    requested = params
    params = _checked_params(run_dir, requested, resume)
    strategy = make_strategy(params.strategy)  # first TensorFlow work: multiworker configures collective ops
    keras.utils.set_random_seed(params.seed)
    precision, reason = chosen_precision(params.precision)  # 'auto': this machine's choice, which params.csv records
    params = dataclasses.replace(params, precision=precision)
    print(f"PRECISION {precision} ({reason})")
    tf.config.optimizer.set_experimental_options(graph_options(strategy))
    _warn_about_cpu_replicas(strategy)
    with strategy.scope():
        trainer = build_trainer(params)  # first: a missing pretrained file fails before the run folder exists
    chief = strategy.extended.should_checkpoint
    with runfolder.worker_folder(run_dir, chief=chief) as folder:  # the chief's is locked from here on
        if chief:
            _checked_params(run_dir, requested, resume)  # again: another process may have started a run meanwhile
            remove_leftovers(folder)
        epoch, history = runfolder.load_checkpoint(run_dir / runfolder.CHECKPOINT, trainer) if resume else (0, [])
        if epoch >= params.epochs:
            print(f"{run_dir}: {epoch} epochs are complete (EPOCHS={params.epochs}); "
                  f"raise EPOCHS above {epoch} to train further")
            return None
        with atomic_path(folder / runfolder.PARAMS) as tmp:
            write_table(tmp, resolved_rows(params))
        return _fit(trainer, params, folder, strategy, epoch, history, verbose, callbacks)


def _fit(trainer, params, folder, strategy, epoch, history, verbose, callbacks):
    """Train from ``epoch`` to ``params.epochs`` writing the run folder's files into ``folder``."""
    method = get_method(params.model)
    data = (method.datasets or make_datasets)(preprocess_training_data(params, folder), start_epoch=epoch)
    writer = runfolder.RunFolderWriter(folder, history, _samples(data.val, min(params.samples, data.val_count)),
                                       sample_network=method.predict_network, keep_best=params.keep_best,
                                       grid=method.sample_grid or runfolder.sample_grid)
    if epoch:
        writer.write_epoch_files(trainer, epoch, log=False)  # what a kill after the last checkpoint cut off
    callbacks = [
        writer,  # first: the others read the history row it adds
        keras.callbacks.TensorBoard(str(folder / runfolder.LOGS), write_graph=False),
        CollapseWatch(folder, writer.history, method.adversaries, threshold=params.collapse_d_loss,
                      epochs=params.collapse_epochs),
        *callbacks,
    ]
    print(f"training {params.model} on {data.train_count} examples, validating on {data.val_count}; "
          f"epochs {epoch + 1}..{params.epochs} of {data.steps_per_epoch} steps; "
          f"{strategy.num_replicas_in_sync} replica(s); run folder {folder}")
    try:
        result = trainer.fit(training_input(data.train), epochs=params.epochs, initial_epoch=epoch,
                             steps_per_epoch=data.steps_per_epoch, validation_data=training_input(data.val),
                             validation_steps=data.val_steps, callbacks=callbacks, shuffle=False, verbose=verbose)
    except tf.errors.UnavailableError as err:  # multiworker: another worker stopped or cannot be reached
        reason = str(err.message).strip().splitlines()[0]
        raise UserError(f"a worker of the cluster stopped after epoch {len(writer.history)} ({reason}); "
                        "start every worker again with --resume") from None
    done = len(writer.history)
    if done < params.epochs:
        raise UserError(f"{params.train_dir}: training data ran out after {done} of {params.epochs} "
                        "epochs; too many files could not be read (named above)")
    return result


__all__ = ["default_run_dir", "distribute_by_data", "graph_options", "train"]
