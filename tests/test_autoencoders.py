import pytest
import torch

from deepshrink.errors import ConfigError, DataError
from deepshrink.models import (
    MLPDAE,
    VAE,
    ContractiveAE,
    EncoderClassifier,
    SparseAE,
    UNetCode,
    create_model,
    list_models,
    model_info,
)

AUTOENCODERS = list_models(task="autoencoder")


def _input(name, batch=4):
    shape = model_info(name).default_input
    if len(shape) == 2:
        shape = (shape[0], 128)  # keep 1-D tests small
    return torch.rand(batch, *shape, generator=torch.Generator().manual_seed(0))


def test_registry_has_the_autoencoder_family():
    for name in (
        "dae_mlp",
        "dae_stacked",
        "dae_conv2d",
        "dae_conv1d",
        "ae_sparse",
        "ae_contractive",
        "vae_mlp",
        "dae_shrink2d",
        "dae_shrink1d",
    ):
        assert name in AUTOENCODERS
    assert model_info("dae_conv1d").input_kind == "signal1d"
    assert "Vincent" in model_info("dae_mlp").reference


@pytest.mark.parametrize("name", AUTOENCODERS)
def test_forward_shape_no_nan_gradients_and_api(name):
    torch.manual_seed(0)
    x = _input(name)
    model = create_model(name).train()
    y = model(x)
    assert y.shape == x.shape and torch.isfinite(y).all()
    loss, logs = model.loss(x, x, generator=torch.Generator().manual_seed(1))
    assert loss.ndim == 0 and torch.isfinite(loss) and "recon" in logs
    loss.backward()
    for pname, p in model.named_parameters():
        assert p.grad is not None, pname
        assert torch.isfinite(p.grad).all(), pname
    code = model.encode(x)
    assert torch.allclose(model.decode(code), model(x))
    den = model.denoise(x, batch_size=3)
    assert den.shape == x.shape and not den.requires_grad
    if model.output_range is not None:
        assert den.min() >= model.output_range[0] and den.max() <= model.output_range[1]
    score = model.anomaly_score(x, batch_size=3)
    assert score.shape == (4,) and (score >= 0).all()
    assert model.training  # denoise / anomaly_score restore the mode


def test_mlp_dae_classic_shape_and_tied_weights():
    m = create_model("dae_mlp")
    assert [l.weight.shape for l in m.enc] == [torch.Size([512, 784])]
    tied = MLPDAE((1, 28, 28), hidden=(64, 32), tied=True)
    n_untied = sum(p.numel() for p in MLPDAE((1, 28, 28), hidden=(64, 32)).parameters())
    n_tied = sum(p.numel() for p in tied.parameters())
    assert n_untied - n_tied == 784 * 64 + 64 * 32
    x = torch.rand(2, 1, 28, 28)
    assert torch.allclose(
        tied.decode_layer_logits(1, torch.ones(2, 32)), tied.enc[1].weight.sum(0).expand(2, 64)
    )
    assert tied(x).shape == x.shape


def test_sigmoid_models_refuse_data_outside_unit_range():
    m = create_model("dae_mlp", hidden=(16,))
    x = torch.rand(2, 1, 28, 28) * 3
    with pytest.raises(DataError, match=r"\[0, 1\]"):
        m.loss(x, x)
    conv = create_model("dae_conv2d", widths=(4, 8))
    with pytest.raises(ConfigError, match="sigmoid"):
        conv.loss(torch.rand(2, 1, 8, 8), torch.rand(2, 1, 8, 8), kind="bce")
    # a linear-output model trains with MSE on any real data
    loss, _ = conv.loss(x[:, :, :8, :8], x[:, :, :8, :8])
    assert torch.isfinite(loss)


def test_wrong_shapes_and_bad_options_are_config_errors():
    with pytest.raises(ConfigError, match=r"expects inputs of shape \(batch, 1, 28, 28\)"):
        create_model("dae_mlp")(torch.rand(2, 1, 27, 28))
    with pytest.raises(ConfigError, match="channel"):
        create_model("dae_conv2d")(torch.rand(2, 3, 28, 28))
    with pytest.raises(ConfigError, match="KL sparsity"):
        SparseAE(activation="relu")
    with pytest.raises(ConfigError, match="kernel_size"):
        create_model("dae_conv1d", kernel_size=4)
    with pytest.raises(ConfigError):
        create_model("dae_mlp", hiden=3)
    with pytest.raises(DataError, match="NaN"):
        create_model("dae_mlp", hidden=(8,)).denoise(torch.full((1, 1, 28, 28), float("nan")))


def test_unet_handles_odd_sizes_and_exposes_its_code():
    m = create_model("dae_conv2d", widths=(4, 8, 16))
    x = torch.rand(2, 1, 13, 9)
    code = m.encode(x)
    assert isinstance(code, UNetCode) and code.bottleneck.shape == (2, 16, 4, 3)
    assert m(x).shape == x.shape
    assert m.code_features(x).shape == (2, 16)
    s = create_model("dae_shrink1d", widths=(4, 8))
    assert s(torch.randn(1, 1, 101)).shape == (1, 1, 101)  # batch of 1 works with the shrinkage BN


def test_sparse_penalty_is_added():
    torch.manual_seed(0)
    m = SparseAE((1, 4, 4), hidden=(6,), rho=0.1, weight=2.0)
    x = torch.rand(5, 1, 4, 4)
    loss, logs = m.loss(x, x)
    assert loss.item() == pytest.approx(logs["recon"] + 2.0 * logs["sparsity"], rel=1e-5)
    assert logs["sparsity"] > 0


def test_contractive_ae_closed_form_matches_autograd_float64():
    torch.manual_seed(0)
    m = ContractiveAE((1, 3, 3), hidden=(5,)).double()
    x = torch.rand(4, 1, 3, 3, dtype=torch.float64)
    assert m.closed_form
    closed = m.jacobian_penalty(x)
    deep = ContractiveAE((1, 3, 3), hidden=(5,), activation="tanh").double()
    assert not deep.closed_form
    from deepshrink.losses import contractive_autograd

    assert torch.allclose(closed, contractive_autograd(m.encode, x), rtol=1e-12)
    assert torch.isfinite(deep.jacobian_penalty(x))


def test_vae_elbo_sampling_is_seeded_and_logvar_is_clamped():
    torch.manual_seed(0)
    vae = VAE((1, 4, 4), hidden=(8,), latent=3, logvar_clip=5.0)
    x = torch.rand(3, 1, 4, 4)
    a, logs = vae.loss(x, x, generator=torch.Generator().manual_seed(7))
    b, _ = vae.loss(x, x, generator=torch.Generator().manual_seed(7))
    c, _ = vae.loss(x, x, generator=torch.Generator().manual_seed(8))
    assert a == b and a != c
    assert a.item() == pytest.approx(logs["recon"] + logs["kl"], rel=1e-5)
    with torch.no_grad():
        vae.to_stats.bias[3:] = 1e4  # huge log-variances: clamped, so no inf/NaN
    loss, _ = vae.loss(x, x, generator=torch.Generator().manual_seed(7))
    _, logvar = vae.encode_stats(x)
    assert logvar.max() == 5.0 and torch.isfinite(loss)
    assert vae.sample(5, generator=torch.Generator().manual_seed(0)).shape == (5, 1, 4, 4)


def test_encoder_classifier_and_freezing():
    ae = MLPDAE((1, 8, 8), hidden=(16, 8))
    clf = EncoderClassifier(ae, 10, freeze=True)
    assert clf(torch.rand(3, 1, 8, 8)).shape == (3, 10)
    assert not any(p.requires_grad for p in ae.parameters())
    conv = EncoderClassifier(create_model("dae_conv2d", widths=(4, 8)), 3)
    assert conv(torch.rand(2, 1, 8, 8)).shape == (2, 3)
