import pytest
import torch
import torch.nn.functional as F

from deepshrink.errors import ConfigError
from deepshrink.layers import ResidualUnit
from deepshrink.layers.polyphase import from_polyphase, polyphase_conv1d, to_polyphase


def _zero_residual_path(unit):
    with torch.no_grad():
        unit.conv2.weight.zero_()
        unit.conv2.bias.zero_()


@pytest.mark.parametrize("shrinkage", [None, "cs", "cw"])
@pytest.mark.parametrize("ndim", [1, 2])
def test_shortcut_is_subsample_plus_symmetric_zero_padding(shrinkage, ndim):
    unit = ResidualUnit(4, 8, stride=2, ndim=ndim, shrinkage=shrinkage).eval()
    _zero_residual_path(unit)  # residual branch outputs 0, so the unit returns its shortcut
    x = torch.randn(3, 4, *([20] * ndim))
    out, _ = unit(x)
    sub = x[..., ::2] if ndim == 1 else x[..., ::2, ::2]
    zeros = torch.zeros(3, 2, *sub.shape[2:])
    assert torch.equal(out, torch.cat([zeros, sub, zeros], dim=1))  # 4 -> 8: two zero channels each side


def test_odd_channel_growth_pads_the_extra_channel_after():
    unit = ResidualUnit(4, 7, stride=1).eval()
    _zero_residual_path(unit)
    x = torch.randn(2, 4, 10)
    out, _ = unit(x)
    assert torch.equal(out[:, 1:5], x) and torch.all(out[:, :1] == 0) and torch.all(out[:, 5:] == 0)


def test_convnet_unit_has_no_identity():
    unit = ResidualUnit(4, 4, residual=False).eval()
    _zero_residual_path(unit)
    out, _ = unit(torch.randn(2, 4, 16))
    assert torch.all(out == 0)


def test_conv_shortcut_projects():
    unit = ResidualUnit(4, 8, stride=2, shortcut="conv")
    assert unit.projection is not None and unit.projection.kernel_size == (1,)
    out, _ = unit(torch.randn(2, 4, 16))
    assert out.shape == (2, 8, 8)


def test_pad_shortcut_cannot_shrink_channels():
    with pytest.raises(ConfigError, match="shortcut='conv'"):
        ResidualUnit(8, 4)


@pytest.mark.parametrize(
    "stride,kernel,c_in,c_out,p_in",
    [(1, 3, 4, 4, 4), (2, 3, 4, 8, 8), (2, 3, 1, 4, 16), (1, 5, 2, 3, 4), (2, 1, 4, 8, 2)],
)
def test_polyphase_conv_equals_conv1d(stride, kernel, c_in, c_out, p_in):
    torch.manual_seed(0)
    length = 64 * p_in
    x = torch.randn(3, c_in, length, dtype=torch.float64)
    w = torch.randn(c_out, c_in, kernel, dtype=torch.float64)
    b = torch.randn(c_out, dtype=torch.float64)
    ref = F.conv1d(x, w, b, stride=stride, padding=kernel // 2)
    out = polyphase_conv1d(to_polyphase(x, p_in), w, b, stride, p_in)
    assert torch.allclose(from_polyphase(out), ref, atol=1e-10)


def test_polyphase_round_trip():
    x = torch.arange(2 * 3 * 32.0).view(2, 3, 32)
    assert torch.equal(from_polyphase(to_polyphase(x, 8)), x)
    assert to_polyphase(x, 8)[0, 0, 1, 2] == x[0, 0, 2 * 8 + 1]
