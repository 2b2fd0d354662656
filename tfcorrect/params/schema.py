"""The one parameter schema: every name a table may set, its type, default and meaning.

Each field of :class:`Params` is one ``PARAM_NAME`` (the field name in upper case). Its
``metadata`` holds the one-line description and the allowed values, so the schema, the
``tfcorrect-params`` listing and the README's parameter list all come from this file.
A default of ``None`` marks a value derived from others in :func:`derive`.

A choice list is never a second copy: it is a function returning the dict that implements the
choices, called when a table is resolved, so a key added to that dict is a
valid value at once.
"""

import dataclasses
import math

EXPOSURE_OFFSETS = "-1.5,-1,0,1,1.5"


def _methods():
    from tfcorrect.methods import METHODS

    return METHODS


def _data_kinds():
    from tfcorrect.data.kinds import DATA_KINDS

    return DATA_KINDS


def _unet_heads():
    from tfcorrect.models.unet import HEADS

    return HEADS


def _unet_prenorms():
    from tfcorrect.models.unet import PRENORMS

    return PRENORMS


def _gan_losses():
    from tfcorrect.losses import GAN_LOSSES

    return GAN_LOSSES


def _precisions():
    from tfcorrect.precision import PRECISIONS

    return PRECISIONS


def _strategies():
    from tfcorrect.train import STRATEGIES

    return STRATEGIES


def _experts():
    from tfcorrect.data.examples import AFIFI_EXPERTS

    return AFIFI_EXPERTS


def choices(field):
    """The allowed values of a schema field, or ``None`` when any value of its type is allowed."""
    allowed = field.metadata["choices"]
    return tuple(allowed()) if allowed else None


def _param(default, description, *, choices=None, minimum=None, maximum=None):
    """A schema entry: a dataclass field carrying its description and allowed values.

    ``choices`` is a function returning the dict whose keys are the allowed values.
    """
    return dataclasses.field(
        default=default,
        metadata={
            "description": description,
            "choices": choices,
            "minimum": minimum,
            "maximum": maximum,
        },
    )


@dataclasses.dataclass(frozen=True)
class Params:
    """Resolved parameters of one run. Built only by :func:`tfcorrect.params.resolve`."""

    # What is trained, on what.
    model: str = _param("pix2pix", "Method to train (tfcorrect.methods.METHODS).", choices=_methods)
    dataset: str = _param(
        "paired",
        "Data kind (SPEC 'Data kinds'): how TRAIN_DIR and VAL_DIR are read.",
        choices=_data_kinds,
    )
    train_dir: str = _param("", "Training data folder (relative paths are relative to the working directory).")
    val_dir: str = _param("", "Validation data folder; empty holds out VAL_FRACTION of TRAIN_DIR.")
    val_fraction: float = _param(
        0.1, "Share of TRAIN_DIR held out for validation when VAL_DIR is empty.", minimum=0.0, maximum=0.5
    )
    ev_offsets: str = _param(
        EXPOSURE_OFFSETS, "simulate_exposure: EV offsets (comma-separated) rendered in linear light."
    )
    gamma: float = _param(
        round(1 / 2.2, 6), "simulate_overexposure: the gamma of x' = min(1, x * TAU^-GAMMA) (seed 003).", minimum=0.0
    )
    tau: float = _param(0.5, "simulate_overexposure: the tau of x' = min(1, x * TAU^-GAMMA) (seed 003).",
                        minimum=0.01, maximum=1.0)
    expert: str = _param(
        "c", "afifi: the expert whose renditions are the targets of expert_<X>_testing_set (test data).",
        choices=_experts,
    )
    # Generator (U-Net).
    resol: int = _param(256, "Image side in pixels the networks train on.", minimum=64, maximum=1024)
    ksize: int = _param(4, "Kernel size of the U-Net and PatchGAN convolutions.", minimum=2, maximum=9)
    depth: int = _param(
        None, "U-Net down-sampling steps; derived: log2(RESOL), down to a 1x1 bottleneck.", minimum=1, maximum=10
    )
    ngf: int = _param(64, "Generator filters in the first layer (doubling per level).", minimum=1)
    g_max_filters: int = _param(None, "Cap on generator filters per level; derived: 8*NGF.", minimum=1)
    dropout: float = _param(0.5, "Dropout rate of the first three decoder levels.", minimum=0.0, maximum=0.9)
    test_dropout: bool = _param(
        False, "Keep dropout active at prediction time (the pix2pix paper's choice); off = deterministic."
    )
    g_output: str = _param(
        "image",
        "Generator head: 'image' (tanh, pix2pix), 'exposure_gain' (per-pixel gain in linear light) or "
        "'exposure_global_gain' (one gain per image).",
        choices=_unet_heads,
    )
    g_prenorm: str = _param(
        "none",
        "Generator input re-exposure, one gain in linear light per image: 'none', 'mean_gray' or 'white_point'.",
        choices=_unet_prenorms,
    )
    g_spectral_norm: bool = _param(False, "Spectral normalisation on every generator convolution.")
    noise_injection: bool = _param(
        False, "Add Gaussian noise with a learnable per-channel scale (initially 0) after every generator "
        "convolution (seed 003, StyleGAN's noise inputs)."
    )
    # Discriminator (PatchGAN).
    spectral_norm: bool = _param(False, "Spectral normalisation on every discriminator convolution (seed 003).")
    ndf: int = _param(64, "Discriminator filters in the first layer.", minimum=1)
    fov: int = _param(70, "Discriminator field of view (receptive field) in pixels.", minimum=1)
    # Losses and optimiser.
    lambda_content: float = _param(
        100.0, "Weight of the L1 content term in the generator loss (formerly LAMBDA_L1).", minimum=0.0
    )
    lambda_gan: float = _param(1.0, "Weight of the adversarial term in the generator loss.", minimum=0.0)
    lambda_perceptual: float = _param(
        0.0, "Weight of the VGG19 perceptual term in the generator loss; 0 = off (VGG19 is not loaded).", minimum=0.0
    )
    perceptual_layers: str = _param(
        "block1_conv2,block2_conv2,block3_conv4,block4_conv4,block5_conv4",
        "VGG19 convolutions (comma-separated Keras layer names) the perceptual loss compares.",
    )
    perceptual_preact: bool = _param(
        True, "Compare VGG19 features before the ReLU (as ESRGAN does) instead of after it."
    )
    vgg_weights: str = _param(
        "", "VGG19 ImageNet weights file (no-top .h5); empty = keras.applications' cache (~/.keras/models)."
    )
    gan_loss: str = _param(
        "bce", "Adversarial loss: 'bce' (pix2pix's cross-entropy on logits) or 'lsgan' (least squares, seed 003).",
        choices=_gan_losses,
    )
    lr: float = _param(2e-4, "Adam learning rate of every network unless G_LR / D_LR set their own.", minimum=0.0)
    g_lr: float = _param(None, "Adam learning rate of the generator; derived: LR.", minimum=0.0)
    d_lr: float = _param(None, "Adam learning rate of the discriminator(s); derived: LR.", minimum=0.0)
    beta_1: float = _param(0.5, "Adam beta_1 of every network.", minimum=0.0, maximum=1.0)
    # Schedule.
    epochs: int = _param(200, "Training epochs.", minimum=1)
    steps_per_epoch: int = _param(0, "Batches per epoch; 0 = the whole training set once.", minimum=0)
    batch_size: int = _param(1, "Images per batch (global, across replicas).", minimum=1)
    val_steps: int = _param(0, "Validation batches per epoch; 0 = the whole validation set.", minimum=0)
    keep_best: str = _param(
        "none",
        "Which epoch's weights the run folder exports: 'none' = the last; 'val_' + a loss part of MODEL "
        "(e.g. val_g_l1) = the epoch where that validation loss was lowest.",
    )
    samples: int = _param(4, "Fixed validation images shown in samples/ each epoch.", minimum=0, maximum=16)
    collapse_d_loss: float = _param(
        0.05, "Training health: a discriminator loss (mean of its parts) below this counts as collapsed.", minimum=0.0
    )
    collapse_epochs: int = _param(
        3, "Training health: warn after this many collapsed epochs in a row while the generator's "
        "adversarial loss climbs; 0 = never.", minimum=0
    )
    # Data loading and augmentation.
    load_size: int = _param(
        None, "Shorter side images are resized to before the random crop; derived: RESOL*286/256.", minimum=0
    )
    aug_flip_p: float = _param(0.5, "Probability of a horizontal flip (input and target together).", minimum=0.0, maximum=1.0)
    aug_jitter_p: float = _param(0.0, "Probability of colour jitter on the input only.", minimum=0.0, maximum=1.0)
    # Execution.
    strategy: str = _param(
        "default", "tf.distribute strategy.", choices=_strategies
    )
    precision: str = _param(
        "float32",
        "Keras dtype policy of the networks, in training and prediction: 'float32', or 'mixed_bfloat16' / "
        "'mixed_float16' (float32 weights and outputs; for GPUs with tensor cores).",
        choices=_precisions,
    )
    seed: int = _param(0, "Random seed for weights, data order and augmentation.", minimum=0)
    tile: int = _param(0, "Prediction tile side; 0 = RESOL.", minimum=0)

    @property
    def in_channels(self):
        """Channels of the generator input, as the data kind gives it (gray for colorization)."""
        return _data_kinds()[self.dataset].in_channels

    @property
    def out_channels(self):
        """Channels of the generator output."""
        return 3

    @property
    def ev_list(self):
        """``EV_OFFSETS`` as a tuple of floats."""
        return tuple(float(v) for v in self.ev_offsets.split(","))


FIELDS = {field.name.upper(): field for field in dataclasses.fields(Params)}
# Former PARAM_NAMEs a table may still use -> today's name.
RENAMED = {"LAMBDA_L1": "LAMBDA_CONTENT"}


def derive(values):
    """Fill the derived values (those still ``None``) from the others, in place.

    This is the one place where parameters are computed from other parameters.
    """
    if values["depth"] is None:
        values["depth"] = int(math.log2(values["resol"]))
    if values["g_max_filters"] is None:
        values["g_max_filters"] = 8 * values["ngf"]
    for rate in ("g_lr", "d_lr"):
        if values[rate] is None:
            values[rate] = values["lr"]
    if values["load_size"] is None:
        values["load_size"] = round(values["resol"] * 286 / 256)
    return values
