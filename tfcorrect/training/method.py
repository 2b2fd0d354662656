"""What a method declares, and the small base of the ``keras.Model`` that trains it.

A method (``MODEL`` in the table) is one folder under ``tfcorrect/methods/`` declaring a
:class:`Method`. The training driver, run folder, predictor and exporter use only what it
declares and the :class:`MethodModel` interface below; none of them knows a method's networks,
losses or options.
"""

import dataclasses
import itertools
from collections.abc import Callable

import keras
import tensorflow as tf

from tfcorrect.params import Component


@dataclasses.dataclass(frozen=True)
class Adversary:
    """A discriminator and the generator term it opposes, watched for collapse.

    Attributes:
        name: the discriminator network's name.
        loss_parts: the discriminator's loss parts (their mean is its loss).
        generator_part: the generator's adversarial loss part.
    """

    name: str
    loss_parts: tuple[str, ...]
    generator_part: str


@dataclasses.dataclass(frozen=True)
class Method:
    """Everything the driver, run folder and predictor need to know of one method.

    Attributes:
        networks: network name -> builder taking resolved ``Params``; every network is saved as
            ``<name>.weights.h5`` and has an optimiser of the same name.
        trainer: ``(networks dict, Params) -> MethodModel``, not yet compiled.
        optimizers: ``Params -> {network name: keras optimizer}``.
        loss_parts: names of the parts ``train_step`` and ``test_step`` report; ``history.csv``
            has one column per part (and ``val_`` + part). By convention a part starts with a
            short prefix of its network (``g_``, ``d_``), which groups the loss plot.
        data_kinds: the ``DATASET`` values the method can train on.
        predict_network: the network ``tfcorrect-predict`` and ``samples/`` run: it maps an image
            in [-1, 1] to a corrected image in [-1, 1].
        size_multiple: ``Params -> int``: the side an input of the prediction network must be a
            multiple of (its generator module declares it).
        options: the :class:`~tfcorrect.params.Component` ``MODEL`` selects: the method's own
            options and, through its ``selects``, those of its networks and losses.
        adversaries: discriminators watched for collapse during training.
        predictor: ``(params, network, *, tile, overlap, batch_size) -> image -> image`` for a method
            whose prediction network is not applied tile by tile (the exposure heads' one gain per
            picture); ``network`` may also be an exported backend. ``None``: the tiled
            :class:`tfcorrect.inference.predictor.Predictor`.
        check_export: ``(params, quantize) -> None`` raising ``UserError`` when an export cannot
            represent the prediction network at that quantisation.
        datasets: ``(params, start_epoch) -> tfcorrect.data.Datasets`` for a method whose batches
            are not ``(input image, target image)`` pairs; ``None``: ``tfcorrect.data.make_datasets``.
        sample_grid: ``(prediction network, inputs, targets) -> HxWx3`` in [0, 1], the ``samples/``
            picture of a few validation examples; ``None``: ``tfcorrect.training.runfolder.sample_grid``.
        predict_folder: ``(run_dir, [(input, output)], output_dir, *, progress) -> (written, failed)``
            for a method whose prediction is not a tiled image-to-image network (``tfcorrect-predict
            --run`` calls it); ``None``: the tiled :class:`tfcorrect.inference.predict.Predictor`.
    """

    networks: dict[str, Callable]
    trainer: Callable
    optimizers: Callable
    loss_parts: tuple[str, ...]
    data_kinds: tuple[str, ...]
    predict_network: str
    size_multiple: Callable
    options: Component
    adversaries: tuple[Adversary, ...] = ()
    predictor: Callable | None = None
    check_export: Callable = lambda params, quantize: None
    datasets: Callable | None = None
    sample_grid: Callable | None = None
    predict_folder: Callable | None = None


class MethodModel(keras.Model):
    """A ``keras.Model`` holding a method's networks, one optimiser per network and loss trackers.

    A subclass sets ``loss_parts``, stores its networks and returns them from ``networks``, and
    writes ``train_step`` / ``test_step`` returning ``self.report(parts)`` where ``parts`` maps
    every name of ``loss_parts`` to a scalar, updating networks with ``self.minimize``. It does no
    I/O: the driver saves and logs.
    """

    loss_parts = ()

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.loss_parts}

    @property
    def networks(self):
        """``{name: keras.Model}`` of every network the method trains and saves."""
        raise NotImplementedError

    def compile(self, *, optimizers, **kwargs):
        """Set one optimiser per network: ``optimizers`` maps network names to optimisers."""
        super().compile(**kwargs)
        if set(optimizers) != set(self.networks):
            raise ValueError(f"one optimiser per network is needed: {sorted(self.networks)}, got {sorted(optimizers)}")
        self.optimizers = dict(optimizers)

    def build_optimizers(self):
        """Create the optimisers' slots now (needed under ``tf.distribute`` and to restore a checkpoint)."""
        for name, optimizer in self.optimizers.items():
            optimizer.build(self.networks[name].trainable_variables)

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        """Keras's build from one batch, with that batch taken from this worker's first replica.

        Keras 3.15 averages a distributed batch over replicas with one ``strategy.reduce`` call on
        the whole ``(input, target)`` tuple; ``MultiWorkerMirroredStrategy`` cannot reduce a tuple
        across workers ("Attempt to convert a value (PerReplica...) to a Tensor", keras-team/keras
        issue 20585). The build needs only the per-replica shapes, which the local replica has.
        """
        if self._distribute_strategy is not None and iterator is not None:
            local = self._distribute_strategy.experimental_local_results
            for _, _, it in iterator:
                data_batch, iterator = tf.nest.map_structure(lambda v: local(v)[0], next(it)), None
                break
        super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)

    def make_train_function(self, force=False):
        if self.train_function is None or force:
            self.train_function = self._step_on_next_batch(self.train_step)
        return self.train_function

    def make_test_function(self, force=False):
        if self.test_function is None or force:
            self.test_function = self._step_on_next_batch(self.test_step)
        return self.test_function

    def _step_on_next_batch(self, step):
        """``fit``/``evaluate``'s function: take the next batch in Python, run ``step`` in a ``tf.function``.

        Keras's own function reads the iterator inside nested ``tf.function``s and returns a
        ``tf.experimental.Optional``; on this 2-core CPU a training step through it sometimes ran
        at half speed for a whole process (bench/train.py). A step fed with tensors, as a plain
        custom loop does, did not. The per-replica logs are averaged, as Keras does.
        """
        strategy = self.distribute_strategy

        def one_step(data):
            logs = strategy.run(step, args=(data,))
            return tf.nest.map_structure(lambda value: strategy.reduce("MEAN", value, axis=None), logs)

        if not self.run_eagerly:
            one_step = tf.function(one_step, reduce_retracing=True, jit_compile=self.jit_compile)

        def function(iterator):
            logs = None
            for data in itertools.islice(iterator, self.steps_per_execution):
                logs = one_step(data)
            if logs is None:
                raise StopIteration
            return logs

        return function

    @property
    def metrics(self):
        return list(self.trackers.values())

    def report(self, parts):
        """Update the trackers with this batch's loss ``parts`` and return their running means."""
        for name in self.loss_parts:
            self.trackers[name].update_state(parts[name])
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def minimize(self, losses):
        """Update networks from their losses: ``losses`` maps a network name to ``(tape, loss)``.

        Networks are updated one after the other, in the order given. Gradients are summed over
        replicas, so each replica contributes its share of ``loss``. Losses are float32 (networks
        give float32 outputs under every ``PRECISION``).
        """
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        for name, (tape, loss) in losses.items():
            variables = self.networks[name].trainable_variables
            optimizer = self.optimizers[name]
            if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
                # float16: gradients of the scaled loss; the optimiser unscales them and skips a step that overflowed.
                gradients = tape.gradient(loss, variables, output_gradients=optimizer.scale_loss(tf.ones_like(loss)))
            else:
                gradients = tape.gradient(loss, variables)
            if replicas > 1:
                gradients = [g / replicas for g in gradients]
            optimizer.apply_gradients(zip(gradients, variables))
