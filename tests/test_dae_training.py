import pytest
import torch
from sklearn.datasets import load_digits

from deepshrink.engine.denoise.pretraining import finetune_classifier, label_subset, pretrain_greedy
from deepshrink.engine.denoise.training import evaluate_denoiser, train_denoiser
from deepshrink.errors import ConfigError, DataError
from deepshrink.functional import corrupt, psnr, snr_improvement_db
from deepshrink.models import MLPDAE, EncoderClassifier, create_model


@pytest.fixture(scope="module")
def digits():
    d = load_digits()
    return torch.tensor(d.images, dtype=torch.float32).unsqueeze(1) / 16, torch.tensor(d.target)


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_corruptions_are_seeded_and_have_the_requested_level():
    # the DAE task's per-entry draws (the exact-count mode is tested in test_corruptions.py)
    x = torch.full((64, 1, 16, 16), 0.5)
    a, ma = corrupt(x, "masking", 0.25, generator=_gen(), mode="per_entry")
    b, mb = corrupt(x, "masking", 0.25, generator=_gen(), mode="per_entry")
    assert torch.equal(a, b) and torch.equal(ma, mb)
    assert ma.float().mean().item() == pytest.approx(0.25, abs=0.01)
    assert (a[ma] == 0).all() and (a[~ma] == 0.5).all()
    s, ms = corrupt(x, "salt_pepper", 0.1, generator=_gen(1), mode="per_entry", clip=(0.0, 1.0))
    assert ms.float().mean().item() == pytest.approx(0.1, abs=0.01)
    assert set(s[ms].unique().tolist()) == {0.0, 1.0}
    g, _ = corrupt(x, "gaussian", 0.5, generator=_gen(2), clip=(0.0, 1.0))
    assert g.min() >= 0 and g.max() <= 1  # clipped to the data range
    g2, _ = corrupt(x, "gaussian", 0.2, generator=_gen(2), clip=None)
    assert (g2 - x).std().item() == pytest.approx(0.2, rel=0.02)


def test_blind_corruption_draws_one_level_per_example():
    x = torch.zeros(200, 1, 8, 8)
    noisy, _ = corrupt(x, "gaussian", (0.1, 0.5), generator=_gen(), clip=None)
    stds = noisy.flatten(1).std(1)
    assert stds.min() > 0.07 and stds.max() < 0.6 and stds.std() > 0.05
    fixed, _ = corrupt(x, "gaussian", 0.3, generator=_gen(), clip=None)
    assert fixed.flatten(1).std(1).std() < 0.03
    _masked, m = corrupt(
        torch.ones(200, 1, 8, 8), "masking", 0.6, generator=_gen(), blind=True, mode="per_entry"
    )
    assert m.flatten(1).float().mean(1).std() > 0.1


def test_bad_corruption_options():
    x = torch.rand(2, 1, 4, 4)
    with pytest.raises(ConfigError, match="unknown corruption"):
        corrupt(x, "speckle", 0.1, generator=_gen())
    with pytest.raises(ConfigError, match="fraction"):
        corrupt(x, "masking", 1.5, generator=_gen())
    with pytest.raises(ConfigError, match="low <= high"):
        corrupt(x, "gaussian", (0.5, 0.1), generator=_gen())


def test_psnr_and_snr_improvement_values():
    ref = torch.zeros(2, 1, 4, 4)
    x = ref + torch.tensor([0.1, 0.01]).view(2, 1, 1, 1)
    assert psnr(x, ref).tolist() == pytest.approx([20.0, 40.0], abs=1e-4)
    assert psnr(ref, ref).tolist() == [float("inf")] * 2  # evaluate_denoiser caps it at 100 dB per image
    clean = torch.zeros(1, 1, 10)
    assert snr_improvement_db(clean, clean + 1.0, clean + 0.1).item() == pytest.approx(20.0, abs=1e-4)


def test_tiny_conv_dae_improves_psnr_on_digits(digits):
    x, _ = digits
    torch.manual_seed(0)
    model = create_model("dae_conv2d", widths=(8, 16))
    model, history = train_denoiser(
        model,
        x[:1500],
        corruption="gaussian",
        level=0.3,
        epochs=2,
        batch_size=64,
        lr=3e-3,
        seed=0,
        val_images=x[1500:],
    )
    assert len(history) == 2 and {"train_loss", "val_psnr"} <= set(history[0])
    res = evaluate_denoiser(model, x[1500:], corruption="gaussian", level=0.2, seed=1)
    assert res["psnr"] > res["psnr_noisy"] + 1.0, res
    assert res["ssim"] > res["ssim_noisy"]


def test_training_is_reproducible_and_checks_its_inputs(digits):
    x, _ = digits

    def run():
        torch.manual_seed(3)
        m = MLPDAE((1, 8, 8), hidden=(16,))
        train_denoiser(m, x[:256], corruption="masking", level=0.3, epochs=1, batch_size=64, seed=5)
        return torch.cat([p.detach().flatten() for p in m.parameters()])

    assert torch.equal(run(), run())
    m = MLPDAE((1, 8, 8), hidden=(16,))
    bad = x[:8].clone()
    bad[0, 0, 0, 0] = float("nan")
    with pytest.raises(DataError, match="NaN"):
        train_denoiser(m, bad, epochs=1)
    with pytest.raises(ConfigError):
        train_denoiser(m, x[:8], epochs=0)
    with pytest.raises(DataError, match=r"expects inputs of shape \(batch, 1, 8, 8\)"):
        train_denoiser(m, x[:8].reshape(8, 64), epochs=1)
    with pytest.raises(DataError, match=r"\[0, 1\]"):
        train_denoiser(m, x[:8] * 16, corruption="masking", level=0.1, epochs=1)


def test_greedy_pretraining_trains_each_layer_and_fine_tuning_learns(digits):
    x, y = digits
    torch.manual_seed(0)
    ae = MLPDAE((1, 8, 8), hidden=(32, 16))
    before = [layer.weight.detach().clone() for layer in ae.enc]
    rows = pretrain_greedy(ae, x[:800], corruption="masking", level=0.25, epochs_per_layer=4, lr=3e-3, seed=0)
    assert [(r["layer"], r["epoch"]) for r in rows] == [
        (0, 1),
        (0, 2),
        (0, 3),
        (0, 4),
        (1, 1),
        (1, 2),
        (1, 3),
        (1, 4),
    ]
    for layer in (0, 1):
        losses = [r["loss"] for r in rows if r["layer"] == layer]
        assert losses[-1] < losses[0]
        assert not torch.equal(before[layer], ae.enc[layer].weight)
    idx = label_subset(y[:800], 0.1, random_state=0)
    assert len(idx) == pytest.approx(80, abs=5) and set(y[idx].tolist()) == set(range(10))
    clf = EncoderClassifier(ae, 10)
    clf, hist = finetune_classifier(clf, x[idx], y[idx], epochs=30, lr=3e-3, seed=0)
    assert hist[-1]["train_loss"] < hist[0]["train_loss"]
    with pytest.raises(ConfigError, match="MLPDAE"):
        pretrain_greedy(create_model("dae_conv2d"), x[:10])


def test_train_denoiser_accepts_images_without_a_channel_axis(digits):
    x, _ = digits
    torch.manual_seed(0)
    model = create_model("dae_conv2d", widths=(4, 8))
    model, history = train_denoiser(model, x[:128, 0], epochs=1, batch_size=64)  # (N, 8, 8)
    assert len(history) == 1
    with pytest.raises(DataError, match=r"\(batch, channels, height, width\)"):
        train_denoiser(model, x[:8].reshape(8, 1, 1, 8, 8), epochs=1)
