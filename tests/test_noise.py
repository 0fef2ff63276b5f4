import math

import numpy as np
import pytest
import torch

from deepshrink.errors import ConfigError
from deepshrink.functional import NOISE_KINDS, add_noise, noise_like, signal_power, snr_db

KIND_ARGS = [(k, {"beta": 0.5} if k == "colored" else {}) for k in NOISE_KINDS]
TOL = {torch.float32: 1e-4, torch.float64: 1e-9}


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def signals(batch=6, channels=2, length=1024, dtype=torch.float64, seed=0):
    g = gen(seed)
    t = torch.arange(length, dtype=dtype) / length
    freq = torch.randint(5, 50, (batch, channels, 1), generator=g).to(dtype)
    amp = torch.rand(batch, 1, 1, generator=g, dtype=dtype) * 5 + 0.1
    return amp * torch.sin(2 * math.pi * freq * t) + 0.3 * torch.randn(
        batch, channels, length, generator=g, dtype=dtype
    )


def excess_kurtosis(z: torch.Tensor) -> float:
    """Per example (each example has its own noise scale), then averaged."""
    z = z.double().flatten(1)
    z = z - z.mean(dim=1, keepdim=True)
    return float(((z**4).mean(dim=1) / (z**2).mean(dim=1) ** 2 - 3).mean())


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize(("kind", "kw"), KIND_ARGS)
def test_realised_snr_is_exact_for_scalar_and_per_example_targets(kind, kw, dtype):
    x = signals(dtype=dtype)
    for target in (-5.0, 0, 7.5):
        noisy = add_noise(x, target, kind, generator=gen(1), **kw)
        assert noisy.dtype == dtype and noisy.shape == x.shape
        assert torch.allclose(
            snr_db(x, noisy), torch.full((6,), float(target), dtype=torch.float64), atol=TOL[dtype]
        )
    targets = torch.tensor([-10.0, -3.0, 0.0, 2.5, 6.0, 20.0])
    noisy = add_noise(x, targets, kind, generator=gen(2), **kw)
    assert torch.allclose(snr_db(x, noisy), targets.double(), atol=TOL[dtype])


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize(("kind", "kw"), KIND_ARGS)
def test_range_snr_draws_distinct_targets_inside_the_range_and_hits_them(kind, kw, dtype):
    x = signals(batch=16, dtype=dtype)
    noisy, target = add_noise(x, (-4.0, 3.0), kind, generator=gen(3), return_snr=True, **kw)
    assert target.shape == (16,) and target.dtype == torch.float64
    assert bool(((target >= -4.0) & (target <= 3.0)).all())
    assert len(set(target.tolist())) == 16
    assert torch.allclose(snr_db(x, noisy), target, atol=TOL[dtype])
    # the range is used, not just one end of it
    assert float(target.max() - target.min()) > 3.0


def test_snr_is_per_example_not_per_batch():
    # a loud and a quiet example: a batch-level SNR would drown the quiet one
    x = torch.stack([100 * torch.randn(2048, generator=gen(0)), 0.01 * torch.randn(2048, generator=gen(1))])
    noisy = add_noise(x, 0.0, "gaussian", generator=gen(2))
    noise_power = signal_power(noisy - x)
    assert torch.allclose(noise_power, signal_power(x), rtol=1e-5)


def test_one_dimensional_and_two_dimensional_inputs():
    x = signals(batch=1, channels=1).reshape(-1)
    noisy, target = add_noise(x, 3.0, "pink", generator=gen(0), return_snr=True)
    assert noisy.shape == x.shape and target.shape == ()
    assert abs(float(snr_db(x, noisy)) - 3.0) < 1e-9
    x2 = signals(batch=5, channels=1).squeeze(1)
    assert torch.allclose(
        snr_db(x2, add_noise(x2, -2.0, "laplacian", generator=gen(0))), torch.full((5,), -2.0).double()
    )


def spectral_slope(noise: torch.Tensor) -> float:
    psd = torch.fft.rfft(noise.double(), dim=-1).abs().square().mean(dim=0)
    n = noise.shape[-1]
    k = torch.arange(1, n // 2)  # skip DC and Nyquist
    slope, _ = np.polyfit(np.log(k.numpy()), np.log(psd[k].numpy()), 1)
    return float(slope)


@pytest.mark.parametrize(
    ("kind", "beta", "expected"),
    [
        ("gaussian", None, 0.0),
        ("uniform", None, 0.0),
        ("laplacian", None, 0.0),
        ("pink", None, -1.0),
        ("brown", None, -2.0),
        ("blue", None, 1.0),
        ("colored", 1.5, -1.5),
    ],
)
def test_spectral_slope_of_each_colour(kind, beta, expected):
    x = torch.zeros(200, 2048)
    noise = noise_like(x, kind, gen(4), beta=beta)
    assert abs(spectral_slope(noise) - expected) < 0.1
    # the noise that add_noise adds has the same colour
    clean = signals(batch=200, channels=1, length=2048, dtype=torch.float32).squeeze(1)
    added = add_noise(clean, 0.0, kind, generator=gen(5), beta=beta) - clean
    assert abs(spectral_slope(added) - expected) < 0.1


def test_pink_slope_with_an_independent_welch_estimate():
    from scipy.signal import welch

    noise = noise_like(torch.zeros(32, 8192, dtype=torch.float64), "pink", gen(6)).numpy()
    f, pxx = welch(noise, nperseg=1024, axis=-1)
    band = (f > 0.01) & (f < 0.4)
    slope, _ = np.polyfit(np.log(f[band]), np.log(pxx.mean(axis=0)[band]), 1)
    assert abs(slope + 1.0) < 0.1


def test_coloured_noise_has_no_dc_and_unit_power():
    noise = noise_like(torch.zeros(8, 3, 512, dtype=torch.float64), "brown", gen(0))
    assert torch.allclose(noise.mean(dim=-1), torch.zeros(8, 3, dtype=torch.float64), atol=1e-12)
    assert torch.allclose(signal_power(noise), torch.ones(8, dtype=torch.float64), atol=1e-12)


@pytest.mark.parametrize(
    ("kind", "expected", "tol"), [("laplacian", 3.0, 0.3), ("gaussian", 0.0, 0.1), ("uniform", -1.2, 0.05)]
)
def test_excess_kurtosis(kind, expected, tol):
    noise = noise_like(torch.zeros(4, 250_000), kind, gen(7))
    assert abs(excess_kurtosis(noise) - expected) < tol
    # and through add_noise, on a non-zero signal
    x = signals(batch=4, channels=1, length=250_000, dtype=torch.float64)
    added = add_noise(x, -3.0, kind, generator=gen(8)) - x
    assert abs(excess_kurtosis(added) - expected) < tol


@pytest.mark.parametrize(("kind", "kw"), [*KIND_ARGS, ("none", {})])
def test_input_never_modified(kind, kw):
    x = signals(dtype=torch.float32)
    before = x.clone()
    out = add_noise(x, (-2.0, 2.0), kind, seeds=torch.arange(6), **kw)
    assert torch.equal(x, before)
    assert out.data_ptr() != x.data_ptr()
    if kind == "none":
        assert torch.equal(out, x)


def test_same_seed_same_output_and_different_seed_different_output():
    x = signals()
    a = add_noise(x, (-5.0, 5.0), "pink", generator=gen(11))
    b = add_noise(x, (-5.0, 5.0), "pink", generator=gen(11))
    c = add_noise(x, (-5.0, 5.0), "pink", generator=gen(12))
    assert torch.equal(a, b)
    assert not torch.allclose(a, c)


@pytest.mark.parametrize(("kind", "kw"), KIND_ARGS)
@pytest.mark.parametrize("snr", [0.0, (-6.0, 6.0)])
def test_seeds_make_each_example_independent_of_its_batch(kind, kw, snr):
    x = signals(batch=7, dtype=torch.float32)
    seeds = torch.tensor([5, 17, 2**40 + 3, 0, 99, 123456789, 7])
    batch, target = add_noise(x, snr, kind, seeds=seeds, return_snr=True, **kw)
    for i in (0, 2, 6):
        single, t_single = add_noise(x[i : i + 1], snr, kind, seeds=seeds[i : i + 1], return_snr=True, **kw)
        assert torch.allclose(batch[i : i + 1], single, rtol=1e-6, atol=1e-6)
        assert torch.equal(target[i : i + 1], t_single)
    # another batch size and order: the same rows
    perm = torch.tensor([3, 6, 1])
    assert torch.allclose(
        add_noise(x[perm], snr, kind, seeds=seeds[perm], **kw), batch[perm], rtol=1e-6, atol=1e-6
    )
    # different seeds give different noise
    other = add_noise(x, snr, kind, seeds=seeds + 1, **kw)
    assert not torch.allclose(other, batch)


def test_seeds_accept_a_list_and_match_noise_like():
    x = signals(batch=3)
    assert torch.equal(add_noise(x, 1.0, seeds=[1, 2, 3]), add_noise(x, 1.0, seeds=torch.tensor([1, 2, 3])))
    # add_noise adds noise_like's noise (same generator stream), scaled per example
    added = add_noise(x, 1.0, "pink", seeds=[1, 2, 3]) - x
    unit = noise_like(x, "pink", seeds=[1, 2, 3])
    assert torch.allclose(added / signal_power(added).sqrt().view(3, 1, 1), unit, atol=1e-10)
    added = add_noise(x, (-1.0, 1.0), "laplacian", generator=gen(9)) - x
    unit = noise_like(x, "laplacian", gen(9))
    assert torch.allclose(added / signal_power(added).sqrt().view(3, 1, 1), unit, atol=1e-10)


def test_zero_power_examples_are_returned_unchanged_without_nan():
    x = signals(batch=4)
    x[1] = 0.0
    for kind, kw in KIND_ARGS:
        noisy, target = add_noise(x, (-5.0, 5.0), kind, generator=gen(0), return_snr=True, **kw)
        assert not torch.isnan(noisy).any()
        assert torch.equal(noisy[1], x[1])
        keep = torch.tensor([0, 2, 3])
        assert torch.allclose(snr_db(x[keep], noisy[keep]), target[keep], atol=1e-9)
    assert torch.equal(add_noise(torch.zeros(3, 64), -10.0, "pink", generator=gen(0)), torch.zeros(3, 64))


def test_none_kind_returns_a_copy():
    x = signals()
    out, target = add_noise(x, 0.0, "none", return_snr=True)
    assert torch.equal(out, x) and out.data_ptr() != x.data_ptr()
    assert bool(torch.isinf(target).all())


def test_global_rng_is_untouched_when_a_generator_is_given():
    state = torch.get_rng_state()
    add_noise(signals(), (-1.0, 1.0), "pink", generator=gen(0))
    add_noise(signals(), 0.0, "laplacian", seeds=torch.arange(6))
    assert torch.equal(state, torch.get_rng_state())


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda x: add_noise(x, 0.0, "purple"), "kind"),
        (lambda x: add_noise(x, 0.0, "colored"), "beta"),
        (lambda x: add_noise(x, 0.0, "pink", beta=2.0), "beta"),
        (lambda x: add_noise(x, 0.0, "colored", beta=float("nan")), "beta"),
        (lambda x: add_noise(x, (3.0, -3.0)), "snr_db"),
        (lambda x: add_noise(x, (1.0, 2.0, 3.0)), "snr_db"),
        (lambda x: add_noise(x, float("nan")), "snr_db"),
        (lambda x: add_noise(x, torch.tensor([1.0, 2.0])), "snr_db"),
        (lambda x: add_noise(x, torch.tensor([1.0, 2.0, math.inf, 0, 0, 0])), "snr_db"),
        (lambda x: add_noise(x, "5"), "snr_db"),
        (lambda x: add_noise(x, 0.0, seeds=[1, 2]), "seeds"),
        (lambda x: add_noise(x, 0.0, seeds=torch.zeros(6)), "seeds"),
        (lambda x: add_noise(x, 0.0, seeds=torch.arange(6), generator=gen(0)), "seeds"),
        (lambda x: add_noise(x, 0.0, generator=0), "generator"),
        (lambda x: add_noise(x.to(torch.int64), 0.0), "x"),
        (lambda x: add_noise(torch.tensor(1.0), 0.0), "x"),
        (lambda x: add_noise(x[..., :1], 0.0, "pink"), "pink"),
        (lambda x: noise_like(x, "none"), "kind"),
    ],
)
def test_bad_options_raise_config_error_naming_the_argument(call, match):
    with pytest.raises(ConfigError, match=match):
        call(signals())


def test_nan_in_input_raises():
    x = signals()
    x[2, 0, 5] = float("nan")
    with pytest.raises(ConfigError, match="NaN"):
        add_noise(x, 0.0, generator=gen(0))


gpu = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@pytest.mark.gpu
@gpu
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize(("kind", "kw"), KIND_ARGS)
def test_cuda_exact_snr_and_seeds(kind, kw, dtype):
    x = signals(dtype=dtype).cuda()
    g = torch.Generator(device="cuda").manual_seed(0)
    noisy, target = add_noise(x, (-5.0, 5.0), kind, generator=g, return_snr=True, **kw)
    assert noisy.is_cuda and target.is_cuda
    assert torch.allclose(snr_db(x, noisy), target, atol=TOL[dtype])
    seeds = torch.arange(6) * 31
    batch = add_noise(x, 0.0, kind, seeds=seeds, **kw)
    assert torch.allclose(
        batch[2:3], add_noise(x[2:3], 0.0, kind, seeds=seeds[2:3], **kw), rtol=1e-6, atol=1e-6
    )


@pytest.mark.gpu
@gpu
def test_cuda_input_with_a_cpu_generator_raises():
    with pytest.raises(ConfigError, match="generator"):
        add_noise(signals().cuda(), 0.0, generator=gen(0))
