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


def _preprocesses():
    from tfcorrect.data.preprocess import PREPROCESSES

    return PREPROCESSES


def _homomorphic_channels():
    from tfcorrect.homomorphic import CHANNELS

    return CHANNELS


def _illum_arms():
    from tfcorrect.methods.illum_da import ARMS

    return ARMS


def _illum_poolings():
    from tfcorrect.methods.illum_da import POOLINGS

    return POOLINGS


def _grl_ramps():
    from tfcorrect.methods.illum_da import GRL_RAMPS

    return GRL_RAMPS


def _discriminators():
    from tfcorrect.methods.dense_unet import DISCRIMINATORS

    return DISCRIMINATORS


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
    ev_range: float = _param(
        0.0, "simulate_exposure: training EVs drawn uniformly from [-EV_RANGE, +EV_RANGE] instead of from "
        "EV_OFFSETS (0 = from EV_OFFSETS); validation still renders each EV_OFFSETS value.", minimum=0.0, maximum=6.0
    )
    sim_noise: float = _param(
        0.0, "simulate_exposure: sensor noise added to the rendered training input in linear light, per channel, "
        "with standard deviation s * sqrt(value), s drawn per image from [0, SIM_NOISE]: relatively strongest in "
        "the shadows (0 = none).",
        minimum=0.0, maximum=0.2
    )
    sim_jpeg_p: float = _param(
        0.0, "simulate_exposure: probability that a rendered training input is re-encoded as JPEG (quality "
        "drawn from 60-95), as a camera or a web upload would.", minimum=0.0, maximum=1.0
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
    highlight_rolloff: float = _param(
        0.0, "Exposure gain heads: where the gain g darkens (g < 1), linear out = g*x + (1-g)*x^HIGHLIGHT_ROLLOFF, "
        "so clipped whites stay white and the brightest tones spread up to white instead of turning gray "
        "(0 = plain g*x).", minimum=0.0, maximum=64.0
    )
    highlight_fill: float = _param(
        0.0, "exposure_global_gain head, prediction: the clipped areas of a darkened photo rise from the gain's "
        "level at their edge to white inside, over this fraction of the shorter side, instead of turning flat gray; "
        "it replaces HIGHLIGHT_ROLLOFF at prediction (0 = off).", minimum=0.0, maximum=1.0
    )
    g_gain_gate: float = _param(
        0.0, "exposure_global_gain head: the learned gain is switched off (only G_PRENORM corrects) when fewer "
        "than this share of the input's pixels are clipped (brightest channel >= 0.98), and fully on from twice "
        "the share: a photo without clipped highlights is not overexposed (0 = no gate).", minimum=0.0, maximum=0.5
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
    # Dense U-Net and its discriminator (MODEL dense_unet, seed 002).
    growth: int = _param(12, "dense_unet: feature maps each layer of a dense block adds (growth rate).", minimum=1)
    dense_layers: int = _param(4, "dense_unet: layers per dense block.", minimum=1, maximum=16)
    levels: int = _param(
        4, "dense_unet: U-Net down-sampling steps; the network pads its input to a multiple of 2^LEVELS itself.",
        minimum=1, maximum=8
    )
    disc: str = _param(
        "global", "dense_unet's discriminator: 'global' (seed 002: conv/BN/LeakyReLU stages flattened to one "
        "logit per image, judging the image alone) or 'patchgan' (pix2pix's conditional PatchGAN of FOV).",
        choices=_discriminators,
    )
    d_stages: int = _param(
        4, "DISC=global: stride-2 conv/BN/LeakyReLU stages before the flatten.", minimum=1, maximum=8
    )
    # Losses and optimiser.
    lambda_content: float = _param(
        100.0, "Weight of the L1 content term in the generator loss (formerly LAMBDA_L1).", minimum=0.0
    )
    lambda_gan: float = _param(1.0, "Weight of the adversarial term in the generator loss.", minimum=0.0)
    lambda_perceptual: float = _param(
        0.0, "Weight of the VGG19 perceptual term in the generator loss; 0 = off (VGG19 is not loaded).", minimum=0.0
    )
    eta_ssim: float = _param(
        0.0, "dense_unet: weight of the (1 - MS-SSIM) term in the generator loss (seed 002's eta; 0 = off).",
        minimum=0.0
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
    # Preprocessing of the training images (seed 004), done once per run into RUN/preprocessed/.
    preprocess: str = _param(
        "none", "Filter the TRAIN_DIR images once before training: 'none' or 'homomorphic' (seed 004: evens out "
        "lighting and reflections the model would otherwise learn).", choices=_preprocesses,
    )
    homo_gamma_l: float = _param(
        0.5, "Homomorphic filter: gain of the low frequencies (illumination) in the log domain; < 1 compresses "
        "uneven lighting and glare.", minimum=0.0, maximum=4.0
    )
    homo_gamma_h: float = _param(
        1.5, "Homomorphic filter: gain of the high frequencies (reflectance, edges) in the log domain.",
        minimum=0.0, maximum=4.0
    )
    homo_cutoff: float = _param(
        20.0, "Homomorphic filter: cutoff D0 of H = (GAMMA_H - GAMMA_L)(1 - exp(-C D^2/D0^2)) + GAMMA_L, in "
        "cycles across the shorter side (the same at every resolution).", minimum=0.1
    )
    homo_c: float = _param(1.0, "Homomorphic filter: steepness C of the transfer function.", minimum=0.01)
    homo_channels: str = _param(
        "luminance", "Homomorphic filter on 'luminance' (Y of YCrCb; colour kept) or on each 'rgb' channel.",
        choices=_homomorphic_channels,
    )
    reflection_only: bool = _param(
        False, "Homomorphic filter only where light reflections are (REFLECT_* mask), blended through a "
        "feathered edge; the rest of each image stays as it was."
    )
    reflect_value: float = _param(
        0.85, "Reflection mask: minimum HSV value (brightness) of a reflection.", minimum=0.0, maximum=1.0
    )
    reflect_saturation: float = _param(
        0.25, "Reflection mask: maximum HSV saturation of a reflection (glare is nearly white).",
        minimum=0.0, maximum=1.0
    )
    reflect_excess: float = _param(
        0.1, "Reflection mask: minimum luminance above the mean of the surroundings (a specular spot stands "
        "out; a white wall or sky does not).", minimum=0.0, maximum=1.0
    )
    reflect_feather: float = _param(
        0.02, "Reflection mask: radius of its soft edge (the mask is grown and blurred by it), as a share of "
        "the shorter side, so no seam shows.", minimum=0.001, maximum=0.5
    )
    # Colour constancy across cameras (MODEL illum_da, seed 000).
    patch: int = _param(
        64, "illum_da: side of the square patches the illuminant estimator sees, in pixels of the linear image; "
        "an image's estimate pools the estimates of patches covering it.", minimum=8, maximum=1024
    )
    arm: str = _param(
        "adversarial", "illum_da: the seed's arm: 'camera_c' / 'camera_n' (train on the first / second of CAMERAS "
        "only), 'integrated' (all CAMERAS, no adversary) or 'adversarial' (all, camera discriminator through "
        "gradient reversal: the proposed method).", choices=_illum_arms,
    )
    cameras: str = _param(
        "C,N", "illum_da: the illuminants.csv camera names the discriminator tells apart, comma-separated; the "
        "first is camera 'C', the second camera 'N' of ARM.",
    )
    pooling: str = _param(
        "mean", "illum_da: how an image's illuminant is pooled from its patch estimates in prediction and "
        "tfcorrect-eval: 'mean' or 'median' (per channel), then normalised.", choices=_illum_poolings,
    )
    grl_weight: float = _param(
        1.0, "illum_da adversarial arm: strength of the gradient reversal, i.e. the weight of the camera "
        "cross-entropy (reversed) against the angular error in radians in the estimator's loss.", minimum=0.0
    )
    grl_ramp: str = _param(
        "dann", "illum_da: schedule of the reversal strength over training: 'dann' (2/(1+exp(-10p))-1 of "
        "GRL_WEIGHT at progress p, Ganin & Lempitsky) or 'none' (GRL_WEIGHT throughout).", choices=_grl_ramps,
    )
    illum_filters: int = _param(
        16, "illum_da: filters of the estimator's first convolution block, doubled per block.", minimum=1
    )
    illum_levels: int = _param(
        3, "illum_da: stride-2 convolution blocks of the estimator before its global average pooling.",
        minimum=1, maximum=8
    )
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
