"""The colour space the illuminant estimator works in (``ILLUM_SPACE``): each camera's raw, or one shared space.

``raw`` (Kim & Kim as tfcorrect first read them): the estimator sees each camera's raw RGB and
answers the camera's own response to white. The same light then has a different right answer on
each camera, so features that hide the camera (what the adversary asks for) also hide what the one
shared head needs to answer.

``canonical``: each camera's raw is first mapped by its own 3x3 matrix ``M`` to CIE XYZ, fitted by
least squares from its measured spectral sensitivities to the CIE 1931 colour-matching functions
(:func:`canonical_matrix`). A light's white then lands on nearly the
same point for every camera, so the label no longer depends on what the adversary removes; what is
left of the cameras (metamerism the 3x3 fit cannot undo, noise, shading, black level, each data set's
scenes and lights) is what the features should ignore. The estimate ``e`` is mapped back,
``M⁻¹ e``, and every arm is scored as the angular error in the camera's raw space.
"""

import functools

import numpy as np

from tfcorrect.errors import UserError
from tfcorrect.methods.illum_da.lights import cmfs
from tfcorrect.methods.illum_da.sensors import camera_sensitivities

# ILLUM_SPACE -> what it means (documented in the module docstring).
SPACES = {"raw": "each camera's own raw RGB", "canonical": "CIE XYZ through each camera's fitted 3x3 matrix"}


@functools.cache
def canonical_matrix(camera):
    """``(3, 3)`` ``M`` from a camera's raw RGB to CIE XYZ: least squares of ``S @ M.T ≈ x̄ȳz̄`` over wavelengths.

    ``S`` is the camera's ``(81, 3)`` sensitivities (:func:`~tfcorrect.methods.illum_da.cameras.camera_sensitivities`),
    ``x̄ȳz̄`` the CIE 1931 2° colour-matching functions on the same wavelengths. A camera meeting the
    Luther condition would map every colour exactly; real ones leave about a degree between cameras.

    Raises:
        UserError: an unknown camera.
    """
    return np.linalg.lstsq(camera_sensitivities(camera), cmfs(), rcond=None)[0].T


@functools.cache
def camera_matrix(camera, space):
    """``(3, 3)`` float64 from the camera's raw RGB to ``space`` (identity for ``raw``).

    Raises:
        UserError: ``canonical`` for a camera whose sensitivities tfcorrect does not know.
    """
    if space == "raw":
        return np.eye(3)
    try:
        return np.asarray(canonical_matrix(camera), np.float64)
    except UserError as err:
        raise UserError(f"ILLUM_SPACE=canonical needs each camera's spectral sensitivities: {err}") from None


def image_to_space(image, camera, space):
    """``HxWx3`` (or ``(..., 3)``) raw RGB in ``space``; float32."""
    matrix = camera_matrix(camera, space)
    return (np.asarray(image, np.float32) @ matrix.T.astype(np.float32)).astype(np.float32)


def _unit(rgb):
    rgb = np.asarray(rgb, np.float64)
    return rgb / np.linalg.norm(rgb, axis=-1, keepdims=True)


def illuminant_to_space(illuminant, camera, space):
    """A raw illuminant ``(..., 3)`` as a unit vector in ``space``."""
    return _unit(np.asarray(illuminant, np.float64) @ camera_matrix(camera, space).T)


def illuminant_to_raw(estimate, camera, space):
    """An estimate ``(..., 3)`` made in ``space`` as a unit vector in the camera's raw RGB."""
    return _unit(np.asarray(estimate, np.float64) @ np.linalg.inv(camera_matrix(camera, space)).T)
