import copy
import pickle

import pytest
import torch
from torch import nn

from deepshrink.errors import ConfigError
from deepshrink.functional import add_noise, masking_noise, snr_db
from deepshrink.transforms import AddNoise, Compose, GaussianNoise, MaskingNoise, MissingValues, SaltAndPepper


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def batch(seed=0):
    return torch.randn(6, 1, 256, generator=gen(seed)) + 0.5


ALL = [
    lambda: AddNoise((-5.0, 5.0), "pink", seed=1),
    lambda: GaussianNoise(0.3, clip=(-1.0, 1.0), seed=1),
    lambda: GaussianNoise(snr_db=2.0, seed=1),
    lambda: MaskingNoise(0.2, seed=1),
    lambda: SaltAndPepper(0.2, seed=1),
    lambda: MissingValues(0.2, mode="mask", seed=1),
]


def first(out):
    return out[0] if isinstance(out, tuple) else out


@pytest.mark.parametrize("make", ALL)
def test_seeded_stream_is_reproducible_fresh_per_call_and_restartable(make):
    x = batch()
    before = x.clone()
    t1, t2 = make(), make()
    a1, a2 = first(t1(x)), first(t1(x))
    assert torch.equal(x, before)
    assert not torch.equal(a1, a2)  # each call draws new noise
    assert torch.equal(a1, first(t2(x)))  # same seed, same stream
    t1.reset()
    assert torch.equal(a1, first(t1(x)))


@pytest.mark.parametrize("make", ALL)
def test_call_time_generator_wins_and_global_rng_is_untouched(make):
    x = batch()
    t = make()
    state = torch.get_rng_state()
    a, b = first(t(x, generator=gen(5))), first(t(x, generator=gen(5)))
    assert torch.equal(a, b)
    first(t(x))
    assert torch.equal(state, torch.get_rng_state())


def test_add_noise_module_equals_the_functional():
    x = batch()
    out = AddNoise(3.0, "colored", beta=0.7)(x, generator=gen(2))
    assert torch.equal(out, add_noise(x, 3.0, "colored", beta=0.7, generator=gen(2)))
    assert torch.allclose(snr_db(x, out), torch.full((6,), 3.0, dtype=torch.float64), atol=1e-4)


def test_compose_chains_and_shares_the_generator():
    x = batch()
    pipeline = Compose([AddNoise(0.0, "laplacian"), nn.Identity(), MaskingNoise(0.25)])
    out = pipeline(x, generator=gen(3))
    g = gen(3)
    expected = masking_noise(add_noise(x, 0.0, "laplacian", generator=g), 0.25, generator=g)
    assert torch.equal(out, expected)
    assert int((out == 0).sum()) == 6 * 64


def test_compose_rejects_a_tuple_in_the_middle():
    pipeline = Compose([MissingValues(0.1, mode="mask"), MaskingNoise(0.1)])
    with pytest.raises(ConfigError, match="MissingValues returns a tuple"):
        pipeline(batch(), generator=gen(0))
    with pytest.raises(ConfigError, match="transforms"):
        Compose([lambda x: x])


def test_repr_shows_the_parameters():
    assert repr(AddNoise((-5, 5), "pink", seed=3)) == "AddNoise(snr_db=(-5, 5), kind='pink', seed=3)"
    assert repr(AddNoise(0, "colored", beta=1.5)) == "AddNoise(snr_db=0.0, kind='colored', beta=1.5)"
    assert repr(GaussianNoise(0.1, clip=(0, 1))) == "GaussianNoise(std=0.1, clip=(0, 1))"
    assert repr(GaussianNoise(snr_db=(0, 10))) == "GaussianNoise(snr_db=(0, 10))"
    assert repr(MaskingNoise(0.3, fill=-1.0)) == "MaskingNoise(p=0.3, fill=-1.0)"
    assert repr(SaltAndPepper(0.1)) == "SaltAndPepper(p=0.1, low=None, high=None)"
    assert repr(MissingValues(0.2)) == "MissingValues(p=0.2, mode='nan')"
    assert "MaskingNoise(p=0.3" in repr(Compose([MaskingNoise(0.3)]))


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: AddNoise(0.0, "purple"), "kind"),
        (lambda: AddNoise((5.0, 0.0)), "snr_db"),
        (lambda: AddNoise(torch.tensor([1.0, 2.0])), "snr_db"),
        (lambda: AddNoise(0.0, "pink", beta=1.0), "beta"),
        (lambda: GaussianNoise(-0.1), "std"),
        (lambda: GaussianNoise(), "std/snr_db"),
        (lambda: GaussianNoise(0.1, clip=(1, 0)), "clip"),
        (lambda: MaskingNoise(1.2), "p"),
        (lambda: SaltAndPepper(0.1, low=float("nan")), "low"),
        (lambda: MissingValues(0.1, mode="drop"), "mode"),
        (lambda: MaskingNoise(0.1, seed=1.5), "seed"),
    ],
)
def test_bad_options_fail_at_construction(make, match):
    with pytest.raises(ConfigError, match=match):
        make()


def test_seeded_transforms_survive_copy_and_pickle():
    t = Compose([AddNoise(0.0, seed=4), MaskingNoise(0.1, seed=5)])
    x = batch()
    t(x)  # start the streams: copies carry their generator state, not a restarted one
    clones = [copy.deepcopy(t), pickle.loads(pickle.dumps(t))]
    expected = t(x)
    for clone in clones:
        assert torch.equal(clone(x), expected)
