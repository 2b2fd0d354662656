"""The training driver: resolved parameters in, a run folder out."""

import dataclasses
import pathlib

import keras
import tensorflow as tf

from tfcorrect import runfolder
from tfcorrect.data import make_datasets
from tfcorrect.errors import UserError
from tfcorrect.gan import Pix2Pix
from tfcorrect.models import build_discriminator, build_generator
from tfcorrect.params import load_params, resolved_rows, write_table

# Parameters a resumed run may change; any other difference would make it another run.
RESUMABLE_CHANGES = ("epochs",)


def make_strategy(name):
    """The ``tf.distribute`` strategy named by the table's ``STRATEGY``."""
    strategies = {
        "default": tf.distribute.get_strategy,
        "mirrored": tf.distribute.MirroredStrategy,
        "multiworker": tf.distribute.MultiWorkerMirroredStrategy,
    }
    if name not in strategies:
        raise ValueError(f"unknown STRATEGY {name!r}; known: {', '.join(strategies)}")
    return strategies[name]()


def build_gan(params):
    """A compiled :class:`Pix2Pix` with built optimisers (call inside the strategy's scope)."""
    gan = Pix2Pix(build_generator(params), build_discriminator(params),
                  lambda_gan=params.lambda_gan, lambda_l1=params.lambda_l1)
    gan.compile(g_optimizer=keras.optimizers.Adam(params.lr, beta_1=params.beta_1),
                d_optimizer=keras.optimizers.Adam(params.lr, beta_1=params.beta_1))
    gan.build_optimizers()
    return gan


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


def train(params, run_dir, *, resume=False, verbose="auto"):
    """Train ``params.model`` and write its run folder.

    Args:
        params: resolved :class:`~tfcorrect.params.Params`.
        run_dir: the run folder to create, or with ``resume`` to continue.
        resume: continue from the folder's last complete epoch with its optimiser state.
        verbose: Keras ``fit`` verbosity.

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
    run_dir.mkdir(parents=True, exist_ok=True)
    write_table(run_dir / runfolder.PARAMS, resolved_rows(params))

    keras.utils.set_random_seed(params.seed)
    # Grappler's remapper fails on this train graph (it fuses a conv's BiasAdd that LeakyReLU's
    # gradient still reads); alone it just gives up, but under MirroredStrategy it miswires replicas.
    tf.config.optimizer.set_experimental_options({"remapping": False})
    strategy = make_strategy(params.strategy)
    with strategy.scope():
        gan = build_gan(params)
    epoch, history = runfolder.load_checkpoint(checkpoint, gan) if resume else (0, [])
    if epoch >= params.epochs:
        print(f"{run_dir}: all {params.epochs} epochs are complete; raise EPOCHS to train further")
        return None
    data = make_datasets(params, start_epoch=epoch)
    writer = runfolder.RunFolderWriter(run_dir, history, _samples(data.val, min(params.samples, data.val_count)),
                                       keep_best=params.keep_best)
    print(f"training {params.model} on {data.train_count} examples, validating on {data.val_count}; "
          f"epochs {epoch + 1}..{params.epochs} of {data.steps_per_epoch} steps; "
          f"{strategy.num_replicas_in_sync} replica(s); run folder {run_dir}")
    history = gan.fit(data.train, epochs=params.epochs, initial_epoch=epoch, steps_per_epoch=data.steps_per_epoch,
                      validation_data=data.val, validation_steps=data.val_steps, callbacks=[writer], shuffle=False,
                      verbose=verbose)
    if len(writer.history) < params.epochs:
        raise UserError(f"{params.train_dir}: training data ran out after {len(writer.history)} of {params.epochs} "
                        "epochs; too many files could not be read (named above)")
    return history


__all__ = ["build_gan", "default_run_dir", "make_strategy", "train"]
