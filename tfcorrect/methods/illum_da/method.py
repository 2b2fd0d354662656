"""``MODEL=illum_da``: what Kim & Kim's colour-constancy method declares to the core, and its options."""

import dataclasses

import keras

from tfcorrect.errors import TableError
from tfcorrect.methods.illum_da.model import GRL_RAMPS, POOLINGS, IllumDA
from tfcorrect.methods.illum_da.networks import BASES, HEADS
from tfcorrect.methods.illum_da.pipeline import ARMS, camera_list, make_datasets, steps_per_epoch
from tfcorrect.methods.illum_da.space import SPACES
from tfcorrect.methods.illum_da.predict import (build_discriminator, build_estimator, predict_folder,
                                                sample_grid)
from tfcorrect.params import Component, option
from tfcorrect.training.method import Method


def check_params(params, sources):
    """``CAMERAS`` names two or more cameras; ``PATCH`` fits ``ILLUM_LEVELS`` stride-2 blocks."""
    cameras = camera_list(params)
    if len(cameras) < 2 or len(set(cameras)) != len(cameras):
        raise TableError(f"{sources['CAMERAS']}: CAMERAS must name two or more different cameras "
                         f"(camera 'C' first, 'N' second), not '{params.cameras}'")
    if params.patch < 2**params.illum_levels:
        raise TableError(f"{sources['PATCH']}: PATCH {params.patch} is smaller than the {2**params.illum_levels} px "
                         f"that ILLUM_LEVELS {params.illum_levels} stride-2 blocks need")


def _trainer(networks, params):
    adversarial = ARMS[params.arm][1]
    return IllumDA(networks["estimator"], networks["discriminator"],
                   grl_weight=params.grl_weight if adversarial else 0.0, ramp=GRL_RAMPS[params.grl_ramp],
                   ramp_steps=params.epochs * steps_per_epoch(params))


def _optimizers(params):
    return {"estimator": keras.optimizers.Adam(params.g_lr, beta_1=params.beta_1),
            "discriminator": keras.optimizers.Adam(params.d_lr, beta_1=params.beta_1)}


@dataclasses.dataclass(frozen=True)
class IllumDAOptions:
    """Kim & Kim's estimator, its camera adversary and the pooling of its patch estimates."""

    patch: int = option(64, "illum_da: side of the square patches the illuminant estimator sees, in pixels of the "
                               "linear image; an image's estimate pools the estimates of patches covering it.",
                        minimum=8, maximum=1024)
    arm: str = option(
        "adversarial", "illum_da: the paper's arm: 'camera_c' / 'camera_n' (train on the first / second of CAMERAS "
        "only), 'integrated' (all CAMERAS, no adversary) or 'adversarial' (all, camera discriminator through "
        "gradient reversal: the proposed method).", choices=ARMS,
    )
    cameras: str = option(
        "C,N", "illum_da: the illuminants.csv camera names the discriminator tells apart, comma-separated; the "
        "first is camera 'C', the second camera 'N' of ARM.",
    )
    pooling: str = option(
        "mean", "illum_da: how an image's illuminant is pooled from its patch estimates in prediction and "
        "tfcorrect-eval: 'mean' or 'median' (per channel), then normalised.", choices=POOLINGS,
    )
    grl_weight: float = option(
        1.0, "illum_da adversarial arm: strength of the gradient reversal, i.e. the weight of the camera "
        "cross-entropy (reversed) against the angular error in radians in the estimator's loss.", minimum=0.0
    )
    grl_ramp: str = option(
        "dann", "illum_da: schedule of the reversal strength over training: 'dann' (2/(1+exp(-10p))-1 of "
        "GRL_WEIGHT at progress p, Ganin & Lempitsky) or 'none' (GRL_WEIGHT throughout).", choices=GRL_RAMPS,
    )
    illum_filters: int = option(
        16, "illum_da: filters of the estimator's first convolution block, doubled per block.", minimum=1, maximum=256
    )
    illum_head: str = option(
        "global", "illum_da: how the estimator's last feature map becomes one estimate: 'global' (average pooling, "
        "dense layers) or 'confidence' (FC4's confidence-weighted pooling of local estimates).", choices=HEADS,
    )
    illum_space: str = option(
        "raw", "illum_da: the colour space the estimator sees and answers in: 'raw' (each camera's own raw RGB) or "
        "'canonical' (CIE XYZ through each camera's 3x3 matrix fitted from its spectral sensitivities; every arm "
        "is still scored in the camera's raw space).", choices=SPACES,
    )
    illum_base: str = option(
        "none", "illum_da: 'shades_of_gray' (p 6) or 'gray_edge' (p 1, blur about 1 px) divides each patch by that "
        "classical estimate of its own light and has the CNN correct it, so the answer follows any camera's raw as "
        "the classical one does (beyond Kim & Kim); 'none' regresses the illuminant directly.", choices=BASES,
    )
    illum_long_side: int = option(
        0, "illum_da: in prediction and tfcorrect-eval, shrink each image (area averaging) so its longer side is at "
        "most this many pixels before cutting patches, so a patch covers as much of a large photo as it did of "
        "the training images (0: keep every image's size).", minimum=0, maximum=65536
    )
    illum_levels: int = option(
        3, "illum_da: stride-2 convolution blocks of the estimator before its global average pooling.",
        minimum=1, maximum=8
    )


OPTIONS = Component("MODEL=illum_da", IllumDAOptions, checks=(check_params,))

METHOD = Method(
    networks={"estimator": build_estimator, "discriminator": build_discriminator},
    trainer=_trainer,
    optimizers=_optimizers,
    loss_parts=IllumDA.loss_parts,
    data_kinds=("illuminant",),
    predict_network="estimator",
    size_multiple=lambda params: 1,
    options=OPTIONS,
    datasets=make_datasets,
    sample_grid=sample_grid,
    predict_folder=predict_folder,
)
