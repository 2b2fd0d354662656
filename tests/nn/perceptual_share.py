"""How big Le Jeune's perceptual term is beside L1 and LSGAN at the start of training; the weight for a given share.

``.venv/bin/python tests/nn/perceptual_share.py [--vgg-weights FILE] [--share 0.1]`` prints, for
``param_tables/exposure_overexposure.csv``'s ``PERCEPTUAL_NOISE`` arm at its ``RESOL``, the generator
loss parts on three real photos (skimage's astronaut, coffee, chelsea; square centre crops) overexposed
as the arm simulates them, for two stand-in generator outputs: a freshly initialised generator's (the
start of training) and the overexposed input itself (a generator that has learnt the identity). Each
part is unweighted; ``lambda`` is the ``LAMBDA_PERCEPTUAL`` that makes the perceptual term ``--share``
of ``g_total = LAMBDA_GAN gan + LAMBDA_CONTENT l1 + LAMBDA_PERCEPTUAL perceptual``.

ImageNet VGG19 weights cannot be downloaded here, so the perceptual term is measured on stand-ins with
Keras's VGG19 architecture and random He-normal kernels, zero biases, each convolution rescaled on the
photos themselves (see :func:`stand_in_vgg19`):

- ``input`` scale: every convolution keeps the RMS of its pre-activation at that of VGG19's input
  (``preprocess_input`` of [0, 255] pixels, RMS ~60): a network of gain 1, features on the scale of
  255-level pixels, as ImageNet VGG19's are (its weights were trained on such inputs).
- ``unit`` scale: RMS 1 at every convolution, a lower bound (features 60 times smaller).

With ``--vgg-weights`` the ImageNet network is measured as well. Imported by the tests, which check
the stand-in's scale on small crops.
"""

import argparse
import pathlib
import sys

import keras
import numpy as np
import tensorflow as tf

from tfcorrect.data.exposure import simulate_overexposure
from tfcorrect.io.sample_photos import load_photo
from tfcorrect.methods import build_network, resolve
from tfcorrect.nn.losses import GAN_LOSSES, pix2pix_generator_loss
from tfcorrect.nn.perceptual import (CHANNEL_POOLING, PerceptualLoss, build_feature_extractor, layer_names,
                                     vgg19_preprocess)
from tfcorrect.nn.pretrained import load_application

TABLE = pathlib.Path(__file__).resolve().parents[2] / "param_tables" / "exposure_overexposure.csv"
PHOTOS = ("astronaut", "coffee", "chelsea")
SCALES = ("input", "unit")


def crops(names=PHOTOS, side=256):
    """Square centre crops of bundled photos resized to ``side`` px, float32 RGB in [0, 1]."""
    out = []
    for name in names:
        pixels = load_photo(name).astype(np.float32) / 255.0
        h, w = pixels.shape[:2]
        s = min(h, w)
        square = pixels[(h - s) // 2:(h - s) // 2 + s, (w - s) // 2:(w - s) // 2 + s]
        out.append(tf.image.resize(square, (side, side), antialias=True).numpy())
    return np.clip(np.stack(out), 0.0, 1.0)


def _rms(x):
    return float(tf.sqrt(tf.reduce_mean(tf.square(x))))


def stand_in_vgg19(preprocessed, *, scale="input", seed=0):
    """Keras's VGG19 (no top) with random weights of a chosen scale, calibrated on ``preprocessed`` images.

    Each convolution gets a He-normal kernel and a zero bias; going through the network once, each
    kernel is multiplied so that its pre-activation RMS on the images is the target: the input's RMS
    (``scale="input"``) or 1 (``"unit"``).

    Args:
        preprocessed: ``(b, h, w, 3)`` images as VGG19 takes them (:func:`vgg19_preprocess`).
        scale: ``"input"`` or ``"unit"``.
        seed: seed of the random kernels.

    Returns:
        The ``keras.Model``; its convolutions' ReLUs are inside them, as in Keras's VGG19.
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}, not {scale!r}")
    keras.utils.set_random_seed(seed)
    vgg = keras.applications.VGG19(weights=None, include_top=False)
    x = tf.convert_to_tensor(preprocessed, tf.float32)
    target = _rms(x) if scale == "input" else 1.0
    for layer in vgg.layers[1:]:
        if not isinstance(layer, keras.layers.Conv2D):
            x = layer(x)  # max pooling
            continue
        kernel = keras.initializers.HeNormal(seed=seed + len(layer.name))(layer.kernel.shape)
        pre = tf.nn.conv2d(x, kernel, strides=1, padding="SAME")
        gain = target / _rms(pre)
        layer.set_weights([kernel.numpy() * gain, np.zeros(layer.bias.shape, np.float32)])
        x = tf.nn.relu(pre * gain)
    return vgg


def loss_parts(params, perceptual, targets, *, seed=0):
    """Unweighted generator-loss parts for a fresh generator's output and for the overexposed input itself.

    Args:
        params: the arm's resolved parameters (networks, GAN loss, simulation).
        perceptual: a :class:`~tfcorrect.nn.perceptual.PerceptualLoss`.
        targets: ``(b, h, w, 3)`` photos in [0, 1].
        seed: seed of the fresh networks.

    Returns:
        ``{"fresh generator": parts, "input as output": parts}``, each ``{"gan", "l1", "perceptual"}``
        as floats, the GAN part from a fresh discriminator.
    """
    keras.utils.set_random_seed(seed)
    generator, discriminator = build_network(params, "generator"), build_network(params, "discriminator")
    target = tf.constant(targets * 2 - 1)
    image = simulate_overexposure(targets, params.gamma, params.tau) * 2 - 1
    outputs = {"fresh generator": generator(image, training=True), "input as output": image}
    parts = {}
    for name, fake in outputs.items():
        g = pix2pix_generator_loss(discriminator([image, fake], training=True), fake, target,
                                   gan_loss=GAN_LOSSES[params.gan_loss], lambda_gan=params.lambda_gan,
                                   lambda_content=params.lambda_content, perceptual=perceptual, lambda_perceptual=1.0)
        parts[name] = {k: float(g[k]) for k in ("gan", "l1", "perceptual")}
    return parts


def lambda_for_share(parts, share, *, lambda_gan, lambda_content):
    """The ``LAMBDA_PERCEPTUAL`` that makes ``lambda * perceptual`` the fraction ``share`` of the total."""
    rest = lambda_gan * parts["gan"] + lambda_content * parts["l1"]
    return share / (1.0 - share) * rest / parts["perceptual"]


def measure(*, share=0.1, vgg_weights="", category="PERCEPTUAL_NOISE", seed=0):
    """The arm's parameters and rows ``(network, channels, output, parts, lambda for share)``.

    One row per VGG19 (each stand-in, and ImageNet's if ``vgg_weights`` names it), channel pooling
    (``PERCEPTUAL_CHANNELS``: the table's first) and stand-in generator output; ``seed`` seeds the
    stand-ins' kernels and the fresh networks.
    """
    params = resolve(TABLE, category, sets=["PRECISION=float32"])[0]
    targets = crops(side=params.resol)
    layers = layer_names(params.perceptual_layers)
    networks = {f"stand-in, {s} scale": lambda s=s: stand_in_vgg19(vgg19_preprocess(targets, value_range=(0, 1)),
                                                                    scale=s, seed=seed) for s in SCALES}
    if vgg_weights:
        networks["ImageNet VGG19"] = lambda: load_application("vgg19", vgg_weights)
    rows = []
    for network, build in networks.items():
        extractor = build_feature_extractor(build(), layers, preact=params.perceptual_preact)
        for channels in dict.fromkeys([params.perceptual_channels, *CHANNEL_POOLING]):
            perceptual = PerceptualLoss(extractor, channels=channels)
            for output, parts in loss_parts(params, perceptual, targets, seed=seed).items():
                lam = lambda_for_share(parts, share, lambda_gan=params.lambda_gan,
                                       lambda_content=params.lambda_content)
                rows.append((network, channels, output, parts, lam))
    return params, rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vgg-weights", default="", help="ImageNet VGG19 no-top .h5, measured beside the stand-ins")
    parser.add_argument("--share", type=float, default=0.1, help="wanted share of the perceptual term (0.1)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the stand-ins and the fresh networks (0)")
    args = parser.parse_args(argv)
    params, rows = measure(share=args.share, vgg_weights=args.vgg_weights, seed=args.seed)
    print(f"{TABLE.name} PERCEPTUAL_NOISE: RESOL {params.resol}, PERCEPTUAL_CHANNELS={params.perceptual_channels}, "
          f"layers {params.perceptual_layers}, LAMBDA_GAN {params.lambda_gan}, LAMBDA_CONTENT {params.lambda_content}, "
          f"LAMBDA_PERCEPTUAL {params.lambda_perceptual}")
    print(f"| VGG19 | PERCEPTUAL_CHANNELS | output | gan | l1 | perceptual | LAMBDA_PERCEPTUAL for {args.share:.0%} "
          f"| share at {params.lambda_perceptual:g} |")
    print("|---|---|---|---|---|---|---|---|")
    for network, channels, output, parts, lam in rows:
        p = params.lambda_perceptual * parts["perceptual"]
        rest = params.lambda_gan * parts["gan"] + params.lambda_content * parts["l1"]
        print(f"| {network} | {channels} | {output} | {parts['gan']:.3f} | {parts['l1']:.3f} | "
              f"{parts['perceptual']:.4g} | "
              f"{lam:.3g} | {p / (p + rest):.1%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
