import math

import pytest
import torch

from deepshrink.errors import ConfigError
from deepshrink.functional import gaussian_noise, masking_noise, missing_values, salt_and_pepper, snr_db


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def images(batch=64, seed=0):
    """Values in (0.1, 0.9), never equal to the fill values 0 and 1: hits can be counted from the output."""
    return 0.1 + 0.8 * torch.rand(batch, 1, 20, 25, generator=gen(seed))


@pytest.mark.parametrize("p", [0.0, 0.013, 0.25, 0.5, 1.0])
def test_masking_hits_exactly_round_p_n_entries_per_example(p):
    x = images()
    out, mask = masking_noise(x, p, generator=gen(1), return_mask=True)
    k = round(p * 500)
    assert torch.equal(mask.flatten(1).sum(1), torch.full((64,), k))
    assert torch.equal(out == 0.0, mask)
    assert torch.equal(out[~mask], x[~mask])


def test_masking_fill_and_per_example_fractions():
    x = images(batch=3)
    out, mask = masking_noise(x, torch.tensor([0.1, 0.5, 0.9]), fill=-1.0, generator=gen(2), return_mask=True)
    assert mask.flatten(1).sum(1).tolist() == [50, 250, 450]
    assert bool((out[mask] == -1.0).all())


def test_masked_positions_are_uniform_and_differ_between_examples():
    x = torch.ones(4000, 50)
    mask = masking_noise(x, 0.2, generator=gen(3), return_mask=True)[1]
    per_position = mask.float().mean(dim=0)
    # binomial std at n=4000, p=0.2 is 0.0063: 0.03 is more than 4.5 sigma
    assert float((per_position - 0.2).abs().max()) < 0.03
    assert not torch.equal(mask[0], mask[1])


def test_salt_and_pepper_exact_halves_and_default_levels_for_unit_data():
    x = images()
    out, mask = salt_and_pepper(x, 0.3, generator=gen(4), return_mask=True)
    assert torch.equal((out == 0.0).flatten(1).sum(1), torch.full((64,), 75))
    assert torch.equal((out == 1.0).flatten(1).sum(1), torch.full((64,), 75))
    assert torch.equal(mask, (out == 0.0) | (out == 1.0))
    assert torch.equal(out[~mask], x[~mask])


def test_salt_and_pepper_levels_default_to_min_max_outside_unit_range():
    x = images() * 10 - 3
    out = salt_and_pepper(x, 0.1, generator=gen(5))
    lo, hi = float(x.min()), float(x.max())
    # the extremes occur once in x; every other hit is new
    assert int((out == lo).sum()) >= 64 * 25 and int((out == hi).sum()) >= 64 * 25
    out = salt_and_pepper(x, 0.1, low=-5.0, high=5.0, generator=gen(5))
    assert int((out == -5.0).sum()) == 64 * 25 and int((out == 5.0).sum()) == 64 * 25


def test_missing_values_nan_and_mask_modes():
    x = images()
    out = missing_values(x, 0.4, generator=gen(6))
    assert torch.equal(torch.isnan(out).flatten(1).sum(1), torch.full((64,), 200))
    filled, observed = missing_values(x, 0.4, mode="mask", fill=-2.0, generator=gen(6))
    assert torch.equal(~observed, torch.isnan(out))  # same generator stream, same entries
    assert torch.equal(filled[observed], x[observed])
    assert bool((filled[~observed] == -2.0).all())


def test_gaussian_noise_std_and_exact_snr_and_clip():
    x = torch.zeros(4, 250_000)
    out = gaussian_noise(x, std=0.5, generator=gen(7))
    assert abs(float(out.std()) - 0.5) < 0.005
    per = gaussian_noise(x, std=torch.tensor([0.0, 1.0, 2.0, 3.0]), generator=gen(7))
    assert torch.allclose(per.std(dim=1), torch.tensor([0.0, 1.0, 2.0, 3.0]), atol=0.02)
    clean = images(batch=8)
    noisy = gaussian_noise(clean, snr_db=5.0, generator=gen(8))
    assert torch.allclose(snr_db(clean, noisy), torch.full((8,), 5.0, dtype=torch.float64), atol=1e-4)
    clipped = gaussian_noise(clean, std=0.5, clip=(0.0, 1.0), generator=gen(8))
    assert float(clipped.min()) == 0.0 and float(clipped.max()) == 1.0


@pytest.mark.parametrize(
    "call",
    [
        lambda x, g: gaussian_noise(x, std=0.2, generator=g),
        lambda x, g: gaussian_noise(x, snr_db=(0.0, 10.0), generator=g),
        lambda x, g: masking_noise(x, 0.3, generator=g),
        lambda x, g: salt_and_pepper(x, 0.3, generator=g),
        lambda x, g: missing_values(x, 0.3, generator=g),
        lambda x, g: missing_values(x, 0.3, mode="mask", generator=g)[0],
    ],
)
def test_deterministic_with_a_seed_and_input_never_modified(call):
    x = images(batch=8)
    before = x.clone()
    a, b, c = call(x, gen(10)), call(x, gen(10)), call(x, gen(11))
    assert torch.equal(x, before)
    assert torch.equal(a, b) or (torch.isnan(a).any() and torch.equal(torch.isnan(a), torch.isnan(b)))
    assert not torch.equal(torch.nan_to_num(a, nan=-9.0), torch.nan_to_num(c, nan=-9.0))


def test_one_dimensional_input_is_one_example():
    x = torch.rand(1000, generator=gen(12)) + 0.5
    assert int((masking_noise(x, 0.25, generator=gen(13)) == 0).sum()) == 250


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda x: masking_noise(x, 1.5), "p: must be a fraction"),
        (lambda x: masking_noise(x, -0.1), "p: must be a fraction"),
        (lambda x: salt_and_pepper(x, float("nan")), "p: must be a fraction"),
        (lambda x: missing_values(x, torch.tensor([0.1, 2.0])), "p: every fraction"),
        (lambda x: masking_noise(x, torch.tensor([0.1, 0.2, 0.3])), "p: needs one fraction per example"),
        (lambda x: masking_noise(x, "0.1"), "p: expected"),
        (lambda x: masking_noise(x, 0.1, fill=math.nan), "fill"),
        (lambda x: salt_and_pepper(x, 0.1, low=math.inf), "low"),
        (lambda x: missing_values(x, 0.1, mode="zero"), "mode"),
        (lambda x: gaussian_noise(x, std=-0.1), "std"),
        (lambda x: gaussian_noise(x, std=torch.tensor([0.1, -1.0])), "std"),
        (lambda x: gaussian_noise(x), "std/snr_db"),
        (lambda x: gaussian_noise(x, std=0.1, snr_db=3.0), "std/snr_db"),
        (lambda x: gaussian_noise(x, std=0.1, clip=(1.0, 0.0)), "clip"),
        (lambda x: gaussian_noise(x, snr_db=(5.0, 1.0)), "snr_db"),
        (lambda x: masking_noise(x, 0.1, generator=3), "generator"),
        (lambda x: masking_noise(x.to(torch.uint8), 0.1), "x: expected a floating-point"),
    ],
)
def test_bad_options_raise_config_error_naming_the_argument(call, match):
    with pytest.raises(ConfigError, match=match):
        call(images(batch=2))


@pytest.mark.parametrize(
    "call",
    [
        lambda x: gaussian_noise(x, std=0.1),
        lambda x: masking_noise(x, 0.1),
        lambda x: salt_and_pepper(x, 0.1),
        lambda x: missing_values(x, 0.1),
    ],
)
def test_nan_input_raises(call):
    x = missing_values(images(batch=2), 0.1, generator=gen(0))
    with pytest.raises(ConfigError, match="NaN"):
        call(x)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_corruptions():
    x = images().cuda()
    g = torch.Generator(device="cuda").manual_seed(0)
    out, mask = masking_noise(x, 0.25, generator=g, return_mask=True)
    assert out.is_cuda and torch.equal(mask.flatten(1).sum(1).cpu(), torch.full((64,), 125))
    assert salt_and_pepper(x, 0.2, generator=g).is_cuda
    with pytest.raises(ConfigError, match="generator"):
        masking_noise(x, 0.1, generator=gen(0))
