"""Additive noise at an exact signal-to-noise ratio, per example.

SNR_dB = 10 * log10(P_signal / P_noise), with P the mean square over all non-batch dimensions of one example
(dim 0 is the batch when ``x.ndim >= 2``; a 1-D ``x`` is one example). The noise is generated, then scaled per
example by its *realised* power, so the measured SNR equals the target to float precision (about 5e-7 dB in
float32), not only in expectation.

Kinds (``NOISE_KINDS``): white "gaussian", "laplacian" (excess kurtosis 3) and "uniform"; coloured "pink"
(PSD ~ 1/f), "brown" (1/f^2), "blue" (f^+1) and "colored" (1/f^beta, needs ``beta=``), made by shaping white
Gaussian noise with rfft/irfft along the last dim (amplitude ~ f^(-beta/2), DC bin zero). "none" is accepted
by `add_noise` (it returns a copy) but is not in the tuple. Recorded noise, kind "recorded" (or
"recorded:PATH", the spelling the config uses), cuts each example's noise from real recordings held in a
`NoiseBank` (``bank=``): one segment per row (each channel its own), drawn uniformly over every position where
a whole segment fits inside one recording, its mean removed (a sensor's offset is not noise), then scaled
like every kind.

Randomness: everything comes from ``generator`` (a `torch.Generator` on x's device; None: torch's global RNG)
or, with ``seeds=``, from one generator per example seeded with ``seeds[i]``. For each generator the noise is
drawn first, then (for a (low, high) range) the SNR, so:

* ``add_noise(x, ..., generator=g)`` is deterministic given g's seed, and the noise it adds is exactly
  ``noise_like(x, kind, g)`` scaled per example;
* with ``seeds=``, example i gets the same noise (and sampled SNR) whatever batch it is in, in any order and
  any batch size: what evaluation needs so that every model sees the same noisy test windows.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import torch
from torch import Tensor

from deepshrink.choices import NOISE_KINDS, RECORDED, NoiseKind, is_recorded  # declared once, light to import
from deepshrink.errors import ConfigError
from deepshrink.functional.recorded_noise import NoiseBank, draw_recorded, noise_bank
from deepshrink.functional.seeding import window_seeds

__all__ = [
    "NOISE_KINDS",
    "RECORDED",
    "NoiseBank",
    "NoiseKind",
    "add_noise",
    "add_window_noise",
    "noise_bank",
    "noise_like",
]

#: additive noise kinds (the config's noise choices come from this one declaration; "none" adds nothing)
_WHITE = ("gaussian", "laplacian", "uniform")
_BETA = {"pink": 1.0, "brown": 2.0, "blue": -1.0}

SnrSpec = float | Tensor | tuple[float, float]


def _is_number(v: object) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _generator_device_matches(generator: torch.Generator | None, device: torch.device | str) -> bool:
    """True when `generator` (None counts as matching) can draw on `device`."""
    if generator is None:
        return True
    g, d = torch.device(generator.device), torch.device(device)
    if g.type != d.type:
        return False
    if g.type == "cpu" or g.index is None or d.index is None:
        return True
    return g.index == d.index


def _check_kind(kind: object, beta: object = None, bank: object = None) -> float | None:
    """Validate `kind` (NOISE_KINDS, "none" or recorded), `beta` and `bank`; return the spectral exponent
    (None: white or recorded)."""
    if is_recorded(kind):
        if not isinstance(bank, NoiseBank):
            raise ConfigError(f"bank: recorded noise needs bank= (a NoiseBank from noise_bank), got {bank!r}")
        if beta is not None:
            raise ConfigError("beta: only kind='colored' takes beta= (recorded noise has its own spectrum)")
        return None
    if bank is not None:
        raise ConfigError(f"bank: only recorded noise takes bank= (kind={kind!r} is generated)")
    if not isinstance(kind, str) or (kind != "none" and kind not in NOISE_KINDS):
        choices = ", ".join((*NOISE_KINDS, RECORDED + ":PATH"))
        raise ConfigError(f"kind: unknown noise kind {kind!r}; choose from none, {choices}")
    if kind == "colored":
        if beta is None:
            raise ConfigError("beta: kind='colored' needs beta= (the exponent of the 1/f^beta spectrum)")
        if not (_is_number(beta) and math.isfinite(beta)):
            raise ConfigError(f"beta: expected a finite number, got {beta!r}")
        return float(beta)
    if beta is not None:
        raise ConfigError(f"beta: only kind='colored' takes beta= (kind={kind!r} has a fixed spectrum)")
    return _BETA.get(kind)


def check_snr_spec(snr_db: object) -> None:
    """Raise ConfigError unless `snr_db` is a finite number, a (low, high) pair with low <= high, or a
    0-d/1-d real tensor of finite values (its length is checked against the batch by `add_noise`)."""
    if isinstance(snr_db, Tensor):
        if snr_db.ndim > 1 or snr_db.is_complex() or snr_db.dtype == torch.bool:
            raise ConfigError(
                f"snr_db: a tensor must be 0-d or (B,) of dB values, got {snr_db.dtype} {tuple(snr_db.shape)}"
            )
        if not bool(torch.isfinite(snr_db).all()):
            raise ConfigError("snr_db: every value must be finite")
        return
    if isinstance(snr_db, (tuple, list)):
        if len(snr_db) != 2 or not all(_is_number(v) for v in snr_db):
            raise ConfigError(f"snr_db: a range must be a pair (low, high) of numbers, got {snr_db!r}")
        low, high = float(snr_db[0]), float(snr_db[1])
        if not (math.isfinite(low) and math.isfinite(high) and low <= high):
            raise ConfigError(f"snr_db: a range needs finite low <= high, got {tuple(snr_db)}")
        return
    if not (_is_number(snr_db) and math.isfinite(snr_db)):
        raise ConfigError(
            f"snr_db: expected a finite number of dB, a (low, high) range or a tensor, got {snr_db!r}"
        )


def _check_x(x: object, *, check_finite: bool) -> Tensor:
    if not isinstance(x, Tensor):
        raise ConfigError(f"x: expected a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise ConfigError(f"x: expected a floating-point tensor, got dtype {x.dtype}")
    if x.ndim == 0 or x.numel() == 0:
        raise ConfigError(f"x: expected a non-empty tensor (B, ...) or (L,), got shape {tuple(x.shape)}")
    if check_finite and not bool(torch.isfinite(x).all()):
        raise ConfigError("x: contains NaN or inf")
    return x


def _check_generator(generator: object, x: Tensor) -> None:
    if generator is None:
        return
    if not isinstance(generator, torch.Generator):
        raise ConfigError(f"generator: expected a torch.Generator or None, got {type(generator).__name__}")
    if not _generator_device_matches(generator, x.device):
        raise ConfigError(
            f"generator: is on {generator.device} but x is on {x.device}; create it on x.device"
        )


def _check_seeds(seeds: object, batch: int, generator: object) -> list[int]:
    if generator is not None:
        raise ConfigError("seeds: give either seeds= (one generator per example) or generator=, not both")
    if isinstance(seeds, Tensor):
        if seeds.dtype.is_floating_point or seeds.is_complex() or seeds.dtype == torch.bool or seeds.ndim > 1:
            raise ConfigError(
                f"seeds: expected a (B,) integer tensor, got {seeds.dtype} {tuple(seeds.shape)}"
            )
        values = seeds.reshape(-1).tolist()
    elif isinstance(seeds, Sequence) and not isinstance(seeds, str):
        values = list(seeds)
        if not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in values):
            raise ConfigError("seeds: expected a list of integers")
    else:
        raise ConfigError(
            f"seeds: expected a (B,) integer tensor or a list of ints, got {type(seeds).__name__}"
        )
    if len(values) != batch:
        raise ConfigError(f"seeds: needs one seed per example ({batch}), got {len(values)}")
    return [int(v) for v in values]


def _work_dtype(dtype: torch.dtype) -> torch.dtype:
    # half precision has no FFT on every device and too few bits for exact scaling: draw in float32
    return torch.float64 if dtype == torch.float64 else torch.float32


def _draw_white(out: Tensor, kind: str, generator: torch.Generator | None) -> None:
    """Fill `out` in place with white noise of `kind` ("colored" kinds start from Gaussian)."""
    if kind == "uniform":
        out.uniform_(-1.0, 1.0, generator=generator)
    elif kind == "laplacian":
        # inverse CDF of a uniform on [-1/2, 1/2): sign(v) * -log(1 - 2|v|); clamp keeps the tail finite
        out.uniform_(-0.5, 0.5, generator=generator)
        mag = (-2.0 * out.abs()).clamp_min_(-1.0 + torch.finfo(out.dtype).eps).log1p_().neg_()
        out.copy_(torch.sign(out) * mag)
    elif kind in ("gaussian", "colored") or kind in _BETA:  # coloured kinds shape Gaussian noise
        out.normal_(generator=generator)
    else:  # never a silent Gaussian for a kind this function does not know
        raise ConfigError(f"kind: unknown noise kind {kind!r}; choose from {', '.join(NOISE_KINDS)}")


def _shape_spectrum(white: Tensor, beta: float) -> Tensor:
    """PSD ~ 1/f^beta along the last dim: amplitude ~ f^(-beta/2), DC bin zero."""
    n = white.shape[-1]
    spec = torch.fft.rfft(white, dim=-1)
    f = torch.fft.rfftfreq(n, device=white.device, dtype=white.dtype)
    gain = torch.zeros_like(f)
    gain[1:] = f[1:].pow(-beta / 2)
    return torch.fft.irfft(spec * gain, n=n, dim=-1)


def _raw_noise(
    xb: Tensor,
    kind: str,
    beta: float | None,
    generator: torch.Generator | None,
    seeds: list[int] | None,
    bank: NoiseBank | None = None,
) -> tuple[Tensor, list[torch.Generator] | None]:
    """Unscaled noise shaped like the batch `xb` (B, ...), in the working dtype; also the per-example
    generators when `seeds` is given (their streams continue with the SNR draw)."""
    if beta is not None and xb.shape[-1] < 2:
        raise ConfigError(f"kind {kind!r} is shaped along the last dim and needs at least 2 samples there")
    dtype = _work_dtype(xb.dtype)
    raw = torch.empty(xb.shape, dtype=dtype, device=xb.device)

    def draw(out: Tensor, g: torch.Generator | None) -> None:
        if bank is not None:
            draw_recorded(out, bank, g)
        else:
            _draw_white(out, kind, g)

    gens = None
    if seeds is None:
        draw(raw, generator)
    else:
        # one generator per example: the only loop, over draws; shaping and scaling stay vectorised
        gens = []
        for i, s in enumerate(seeds):
            g = torch.Generator(device=xb.device)
            g.manual_seed(s)
            draw(raw[i], g)
            gens.append(g)
    if beta is not None:
        raw = _shape_spectrum(raw, beta)
    return raw, gens


def _power(t: Tensor) -> Tensor:
    """Per-example mean square (B,), float64."""
    flat = t.reshape(t.shape[0], -1)
    return flat.square().sum(dim=1, dtype=torch.float64) / flat.shape[1]


def _bshape(v: Tensor, ndim: int) -> Tensor:
    return v.view((v.shape[0],) + (1,) * (ndim - 1))


def noise_like(
    x: Tensor,
    kind: str = "gaussian",
    generator: torch.Generator | None = None,
    *,
    beta: float | None = None,
    seeds: Tensor | Sequence[int] | None = None,
    bank: NoiseBank | None = None,
) -> Tensor:
    """Noise of `kind` shaped like `x` with mean square exactly 1 per example (same dtype and device).

    `generator` (on x's device; None: torch's global RNG) or `seeds` (one integer per example: example i's
    noise then depends only on seeds[i]) supplies the randomness; this is exactly the noise, before scaling,
    that `add_noise` adds with the same generator or seeds. Only `x`'s shape, dtype and device are used.
    """
    x = _check_x(x, check_finite=False)
    if kind == "none":
        raise ConfigError("kind: 'none' makes no noise; choose one of " + ", ".join(NOISE_KINDS))
    b = _check_kind(kind, beta, bank)
    _check_generator(generator, x)
    xb = x.unsqueeze(0) if x.ndim == 1 else x
    seed_list = None if seeds is None else _check_seeds(seeds, xb.shape[0], generator)
    raw, _ = _raw_noise(xb, kind, b, generator, seed_list, bank)
    p = _power(raw)
    inv = torch.where(p > 0, p.rsqrt(), torch.zeros_like(p)).to(raw.dtype)
    out = (raw * _bshape(inv, raw.ndim)).to(x.dtype)
    return out[0] if x.ndim == 1 else out


def _targets(snr_db: SnrSpec, batch: int, generator, gens, device: torch.device) -> Tensor:
    """Per-example SNR targets (B,), float64, on `device`; a range is drawn after the noise."""
    if isinstance(snr_db, Tensor):
        snr = snr_db.detach().to(device=device, dtype=torch.float64).reshape(-1)
        if snr.numel() == 1:
            return snr.expand(batch).clone()
        if snr.numel() != batch:
            raise ConfigError(f"snr_db: needs one value per example ({batch}), got {snr.numel()}")
        return snr
    if isinstance(snr_db, (tuple, list)):
        low, high = float(snr_db[0]), float(snr_db[1])
        if gens is None:
            u = torch.rand(batch, generator=generator, device=device, dtype=torch.float64)
        else:
            u = torch.cat([torch.rand(1, generator=g, device=device, dtype=torch.float64) for g in gens])
        return low + (high - low) * u
    return torch.full((batch,), float(snr_db), device=device, dtype=torch.float64)


def add_noise(
    x: Tensor,
    snr_db: SnrSpec,
    kind: str = "gaussian",
    *,
    generator: torch.Generator | None = None,
    beta: float | None = None,
    seeds: Tensor | Sequence[int] | None = None,
    bank: NoiseBank | None = None,
    return_snr: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """`x` plus noise of `kind` at exactly `snr_db` dB per example; a new tensor, `x` is never modified.

    x: float tensor (B, C, L), (B, L) or (L,) (dim 0 is the batch when ndim >= 2; coloured kinds are shaped
    along the last dim). snr_db: a number, a (B,) tensor, or a (low, high) range: one SNR per example drawn
    uniformly from the generator after the noise. kind: one of NOISE_KINDS or "none" (returns a copy; its
    target is +inf); beta: the exponent for kind="colored" only; bank: the `NoiseBank` of recorded noise
    (kind "recorded" or "recorded:PATH") only.
    generator: a torch.Generator on x's device (None: torch's global RNG). seeds: a (B,) integer tensor or
    list instead of a generator: example i's noise and sampled SNR come from a generator seeded with
    seeds[i], so a row is identical whatever batch it is in.
    The noise is scaled by its realised power, so `metrics.snr_db(x, out)` equals the target to float
    precision. An all-zero example is returned unchanged (no signal power means no noise at any SNR).
    return_snr=True returns (noisy, targets) with targets float64 of shape (B,) (0-d for a 1-D x).
    """
    x = _check_x(x, check_finite=True)
    b = _check_kind(kind, beta, bank)
    check_snr_spec(snr_db)
    _check_generator(generator, x)
    single = x.ndim == 1
    xb = x.unsqueeze(0) if single else x
    batch = xb.shape[0]
    seed_list = None if seeds is None else _check_seeds(seeds, batch, generator)
    if kind == "none":
        out = x.clone()
        if isinstance(snr_db, Tensor):
            _targets(snr_db, batch, None, None, x.device)  # still reject a wrong length
        target = torch.full((batch,), math.inf, dtype=torch.float64, device=x.device)
    else:
        raw, gens = _raw_noise(xb, kind, b, generator, seed_list, bank)
        target = _targets(snr_db, batch, generator, gens, x.device)
        p_signal = _power(xb)
        p_noise = _power(raw)
        ratio = p_signal / (p_noise * torch.pow(10.0, target / 10))
        # zero signal power (or a degenerate zero noise draw) gives scale 0: the example is left unchanged
        scale = torch.where((p_signal > 0) & (p_noise > 0), ratio.sqrt(), torch.zeros_like(ratio))
        noisy = xb.to(raw.dtype) + raw * _bshape(scale.to(raw.dtype), raw.ndim)
        out = noisy.to(x.dtype)
        if single:
            out = out[0]
    if not return_snr:
        return out
    return out, (target[0] if single else target)


def add_window_noise(
    x: Tensor, snr_db: SnrSpec, kind: str, *, seed: int, chunk: int = 8192, bank: NoiseBank | None = None
) -> Tensor:
    """`x` (N, ...) with noise from one seed per window, `window_seeds(seed, window index)`: window i gets the
    same noise in any batch, process or machine, so every model evaluated with one seed sees the same noisy
    windows. "none" returns `x` itself. Processed in chunks of `chunk` windows (bounded memory). `bank`: the
    recordings of recorded noise."""
    if kind == "none":
        return x
    seeds = window_seeds(int(seed), torch.arange(len(x)))
    return torch.cat(
        [
            add_noise(x[i : i + chunk], snr_db, kind, seeds=seeds[i : i + chunk], bank=bank)
            for i in range(0, len(x), chunk)
        ]
    )
