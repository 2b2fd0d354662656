"""PatchGAN field-of-view arithmetic: pix2pix's depths, the closest depth within the tolerance, the refusal."""

import pytest

from tfcorrect.nn.receptive_field import patchgan_depth, patchgan_fields, receptive_field


def test_pix2pix_depths_see_16_34_70_142_286_574_px_with_4x4_kernels():
    assert patchgan_fields(4) == {1: 16, 2: 34, 3: 70, 4: 142, 5: 286, 6: 574}


@pytest.mark.parametrize("ksize", [3, 4, 5, 6])
def test_fields_follow_the_closed_form(ksize):
    for n_down, field in patchgan_fields(ksize).items():
        assert field == 1 + (ksize - 1) * (3 * 2 ** n_down - 1)


def test_a_stride_multiplies_the_reach_of_every_later_kernel():
    assert receptive_field([(4, 2), (4, 1)]) == 1 + 3 + 3 * 2
    assert receptive_field([]) == 1


@pytest.mark.parametrize("fov, ksize, n_down", [
    (70, 4, 3), (69, 4, 3), (71, 4, 3),  # pix2pix's default
    (140, 4, 4), (142, 4, 4), (144, 4, 4),  # Le Jeune's 140 is the four-layer, 142-px PatchGAN
    (286, 4, 5), (34, 4, 2), (189, 5, 4), (236, 6, 4), (23, 3, 2), (21, 5, 1),  # the shipped tables' others
])
def test_fov_builds_the_closest_depth(fov, ksize, n_down):
    assert patchgan_depth(fov, ksize) == n_down


@pytest.mark.parametrize("fov", [100, 139, 145, 35, 1, 2000])
def test_a_fov_beyond_the_tolerance_is_refused_listing_what_is_accepted(fov):
    message = (f"no PatchGAN depth with kernel 4 sees {fov} px (within 2%); "
               "reachable: 16, 34, 70 (69-71), 142 (140-144), 286 (281-291), 574 (563-585)")
    with pytest.raises(ValueError) as err:
        patchgan_depth(fov, 4)
    assert str(err.value) == message
