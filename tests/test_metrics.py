import math

import pytest
import torch
from skimage.metrics import structural_similarity

from deepshrink.errors import ConfigError
from deepshrink.functional import psnr, signal_power, snr_db, snr_improvement_db, ssim


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_signal_power_is_the_per_example_mean_square():
    x = torch.stack([torch.full((2, 10), 2.0), torch.full((2, 10), -3.0)])
    assert torch.equal(signal_power(x), torch.tensor([4.0, 9.0], dtype=torch.float64))
    assert signal_power(torch.tensor([1.0, -1.0, 1.0, -1.0])).shape == ()


def test_snr_db_known_values():
    clean = torch.ones(3, 100)
    noisy = clean + torch.tensor([0.1, 1.0, 10.0]).unsqueeze(1)
    assert torch.allclose(snr_db(clean, noisy), torch.tensor([20.0, 0.0, -20.0], dtype=torch.float64))


def test_snr_db_infinite_cases_are_never_nan():
    clean = torch.stack([torch.ones(8), torch.zeros(8), torch.zeros(8)])
    noisy = torch.stack([torch.ones(8), torch.ones(8), torch.zeros(8)])
    out = snr_db(clean, noisy)
    assert out[0] == math.inf and out[1] == -math.inf and out[2] == math.inf
    assert not torch.isnan(out).any()


def test_psnr_known_values_and_data_range():
    ref = torch.zeros(2, 1, 4, 4)
    x = ref + torch.tensor([0.1, 0.01]).view(2, 1, 1, 1)
    assert torch.allclose(psnr(x, ref), torch.tensor([20.0, 40.0], dtype=torch.float64))
    assert torch.allclose(
        psnr(x * 255, ref, data_range=255.0), torch.tensor([20.0, 40.0], dtype=torch.float64)
    )


def test_psnr_of_identical_images_is_inf_not_nan():
    x = torch.rand(3, 1, 8, 8, generator=gen(0))
    out = psnr(x, x.clone())
    assert bool(torch.isinf(out).all()) and bool((out > 0).all())


def test_psnr_matches_scikit_image():
    from skimage.metrics import peak_signal_noise_ratio

    ref = torch.rand(4, 16, 16, generator=gen(1), dtype=torch.float64)
    x = (ref + 0.05 * torch.randn(4, 16, 16, generator=gen(2), dtype=torch.float64)).clamp(0, 1)
    expected = [
        peak_signal_noise_ratio(r.numpy(), i.numpy(), data_range=1.0) for r, i in zip(ref, x, strict=True)
    ]
    assert torch.allclose(psnr(x, ref), torch.tensor(expected, dtype=torch.float64), atol=1e-9)


def skimage_ssim(a, b, *, gaussian, **kw):
    if gaussian:
        kw.update(gaussian_weights=True, sigma=1.5, use_sample_covariance=False)
    return structural_similarity(a, b, data_range=1.0, **kw)


@pytest.mark.parametrize("gaussian", [False, True])
@pytest.mark.parametrize("shape", [(5, 1, 28, 28), (3, 32, 41), (2, 1, 11, 11)])
@pytest.mark.parametrize("level", [0.05, 0.3])
def test_ssim_matches_scikit_image(shape, level, gaussian):
    # default: scikit-image's default (uniform 7x7, sample covariance); gaussian_weights: the paper's window
    ref = torch.rand(shape, generator=gen(3))
    # structured images as well as white ones: a blurred copy shares local means with the reference
    ref[0] = torch.linspace(0, 1, shape[-1]).expand_as(ref[0])
    x = (ref + level * torch.randn(shape, generator=gen(4))).clamp(0, 1)
    ours = ssim(x, ref, gaussian_weights=gaussian)
    assert ours.shape == (shape[0],)
    a, r = x.reshape(shape[0], *shape[-2:]), ref.reshape(shape[0], *shape[-2:])
    expected = torch.tensor(
        [skimage_ssim(i.numpy(), j.numpy(), gaussian=gaussian) for i, j in zip(a, r, strict=True)]
    )
    assert torch.allclose(ours, expected.double(), atol=1e-3)
    assert not torch.allclose(ours, torch.ones_like(ours), atol=1e-2)


def test_ssim_works_on_8x8_digits_like_scikit_image():
    ref = torch.rand(4, 1, 8, 8, generator=gen(11), dtype=torch.float64)
    x = (ref + 0.1 * torch.randn(4, 1, 8, 8, generator=gen(12), dtype=torch.float64)).clamp(0, 1)
    expected = [skimage_ssim(i[0].numpy(), j[0].numpy(), gaussian=False) for i, j in zip(x, ref, strict=True)]
    assert torch.allclose(ssim(x, ref), torch.tensor(expected, dtype=torch.float64), atol=1e-9)


@pytest.mark.parametrize("gaussian", [False, True])
def test_ssim_multichannel_matches_scikit_image_channel_axis(gaussian):
    ref = torch.rand(2, 3, 20, 24, generator=gen(5), dtype=torch.float64)
    x = (ref + 0.1 * torch.randn(2, 3, 20, 24, generator=gen(6), dtype=torch.float64)).clamp(0, 1)
    expected = [
        skimage_ssim(i.numpy(), j.numpy(), gaussian=gaussian, channel_axis=0)
        for i, j in zip(x, ref, strict=True)
    ]
    assert torch.allclose(
        ssim(x, ref, gaussian_weights=gaussian), torch.tensor(expected, dtype=torch.float64), atol=1e-6
    )


def test_ssim_of_identical_images_is_one_and_single_image_gives_a_scalar():
    x = torch.rand(12, 15, generator=gen(7))
    out = ssim(x, x.clone())
    assert out.shape == () and abs(float(out) - 1.0) < 1e-9
    flat = torch.zeros(1, 16, 16)
    assert float(ssim(flat, flat.clone())) == pytest.approx(1.0)


def test_snr_improvement_known_value_and_consistency_with_snr_db():
    clean = torch.sin(torch.linspace(0, 20, 500)).repeat(3, 1)
    noise = torch.randn(3, 500, generator=gen(8))
    noisy = clean + noise
    denoised = clean + noise / 2  # error power / 4 -> +6.02 dB
    gain = snr_improvement_db(clean, noisy, denoised)
    assert torch.allclose(gain, torch.full((3,), 10 * math.log10(4.0), dtype=torch.float64), atol=1e-5)
    assert torch.allclose(gain, snr_db(clean, denoised) - snr_db(clean, noisy), atol=1e-5)


def test_snr_improvement_edge_cases_are_never_nan():
    clean = torch.zeros(3, 10)
    noisy = torch.stack([torch.ones(10), torch.zeros(10), torch.zeros(10)])
    denoised = torch.stack([torch.zeros(10), torch.ones(10), torch.zeros(10)])
    out = snr_improvement_db(clean, noisy, denoised)
    assert out.tolist() == [math.inf, -math.inf, 0.0]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda a, b: snr_db(a, b[:1]), "same shape"),
        (lambda a, b: psnr(a, b, data_range=0.0), "data_range"),
        (lambda a, b: psnr(a, b, data_range=-1), "data_range"),
        (lambda a, b: psnr(a, b.to(torch.int64)), "ref"),
        (lambda a, b: ssim(a[..., :8, :8], b[..., :8, :8], gaussian_weights=True), "11x11"),
        (lambda a, b: ssim(a[..., :6, :6], b[..., :6, :6]), "7x7"),
        (lambda a, b: ssim(a.reshape(-1), b.reshape(-1)), "ssim"),
        (lambda a, b: snr_improvement_db(a, b, b[:, :, :3]), "denoised"),
        (lambda a, b: snr_db(a, b.clone().fill_(float("nan"))), "noisy"),
        (lambda a, b: signal_power([1.0, 2.0]), "x: expected a torch.Tensor"),
    ],
)
def test_bad_inputs_raise_config_error(call, match):
    a = torch.rand(2, 1, 16, 16, generator=gen(9))
    with pytest.raises(ConfigError, match=match):
        call(a, a.clone())
