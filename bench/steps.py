"""The train steps ``bench/train.py`` times: a reference in the TF pix2pix tutorial's style and tfcorrect's.

A :class:`Contender` runs train steps under its own Grappler options (see ``bench/train.py``'s
docstring for what each contender is and why).
"""

import statistics
import time
import types


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


def random_data(params, batch):
    """A random batch ``(image, target)`` of the table's shapes, and a dataset repeating it as the driver feeds fit."""
    import tensorflow as tf

    from tfcorrect.training.driver import training_input

    shape = (batch, params.resol, params.resol)
    image = tf.random.uniform((*shape, params.in_channels), -1, 1)
    target = tf.random.uniform((*shape, params.out_channels), -1, 1)
    return image, target, training_input(tf.data.Dataset.from_tensors((image, target)).repeat())


def fitter(trainer, data):
    """``steps -> None``: ``steps`` train steps of ``trainer`` through ``fit`` on ``data``, as the driver runs them."""
    return lambda steps: trainer.fit(data, steps_per_epoch=steps, epochs=1, verbose=0)


def contenders(params, batch, *, jit=False):
    """The reference; tfcorrect as the driver runs it, with remapping off, with Keras's train function (and XLA)."""
    import keras
    import tensorflow as tf

    from tfcorrect.methods import build_trainer
    from tfcorrect.training.driver import graph_options

    keras.utils.set_random_seed(params.seed)
    image, target, data = random_data(params, batch)
    step = reference_step(*tutorial_networks(params), lambda_content=params.lambda_content, lr=params.g_lr,
                          beta_1=params.beta_1)

    def run_reference(steps):
        for _ in range(steps):
            loss = step(image, target)
        loss.numpy()

    driver = graph_options(tf.distribute.get_strategy())
    keras_function = build_trainer(params)
    keras_function.make_train_function = types.MethodType(keras.Model.make_train_function, keras_function)
    found = [Contender("reference (tutorial step, TF default options)", run_reference, {"remapping": True}),
             Contender("tfcorrect train_step via fit, as the driver runs it", fitter(build_trainer(params), data),
                       driver),
             Contender("tfcorrect via fit, remapping off (old workaround)", fitter(build_trainer(params), data),
                       {"remapping": False}),
             Contender("tfcorrect via fit, Keras's own train function", fitter(keras_function, data), driver)]
    if jit:
        jitted = build_trainer(params)
        jitted.compile(optimizers=jitted.optimizers, jit_compile=True)
        found.append(Contender("tfcorrect train_step via fit, XLA jit_compile", fitter(jitted, data), driver))
    for contender in found:
        contender.run(2)  # trace and optimise
    return found


def timed_train(params, run_dir):
    """Train ``params`` into ``run_dir``; the median seconds between training batches after the first epoch."""
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
