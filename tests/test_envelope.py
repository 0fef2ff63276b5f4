"""Envelope analysis for bearing diagnosis (functional/bearing.py, functional/envelope.py): bearing geometry
against CWRU's published orders, the squared envelope spectrum, spectral kurtosis and the fast kurtogram,
cepstral pre-whitening, and the diagnosis of simulated faults."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import signal as ssig

from deepshrink.functional import (
    BEARINGS,
    BearingGeometry,
    bearing_geometry,
    cepstral_prewhitening,
    diagnose_signal,
    envelope,
    family_scores,
    fast_kurtogram,
    spectral_kurtosis,
    squared_envelope_spectrum,
)

FS, SHAFT, RES_HZ = 12_000.0, 30.0, 3500.0
G = BEARINGS["6205"]


def fault_signal(
    rng: np.random.Generator, order: float, *, am: float = 0.0, snr_db: float = 0.0, dur: float = 1.0
) -> np.ndarray:
    """Impacts at `order` x shaft speed (1 % jitter of each interval), each ringing a 3.5 kHz resonance,
    amplitude-modulated by 1 + am cos(2 pi shaft t) (load zone), plus white noise at `snr_db`."""
    n, period = int(dur * FS), 1.0 / (order * SHAFT)
    times = rng.uniform(0, period) + np.cumsum(
        period * (1 + 0.01 * rng.standard_normal(int(dur / period) + 2))
    )
    idx = np.round(times * FS).astype(int)
    idx = idx[idx < n]
    impacts = np.zeros(n)
    np.add.at(impacts, idx, 1.0 + am * np.cos(2 * np.pi * SHAFT * idx / FS))
    t = np.arange(int(0.01 * FS)) / FS
    s = ssig.fftconvolve(impacts, np.exp(-800.0 * t) * np.sin(2 * np.pi * RES_HZ * t))[:n]
    return s + rng.standard_normal(n) * np.sqrt(np.mean(s**2) / 10 ** (snr_db / 10))


# -- bearing geometry ----------------------------------------------------------------------------------------


def test_6205_and_6203_orders_match_cwru():
    # CWRU's published orders; its "BSF" is twice the spin frequency (a ball defect hits both races)
    assert G.bpfo == pytest.approx(3.5848, abs=1e-3)
    assert G.bpfi == pytest.approx(5.4152, abs=1e-3)
    assert G.ftf == pytest.approx(0.39828, abs=1e-3)
    assert G.bsf == pytest.approx(4.7135 / 2, abs=1e-3)
    fan = BEARINGS["6203"]
    assert (fan.bpfi, fan.bpfo, fan.ftf, 2 * fan.bsf) == pytest.approx(
        (4.9469, 3.0530, 0.3817, 3.9874), abs=1e-3
    )
    f = G.defect_frequencies(SHAFT)
    assert list(f) == ["outer", "inner", "ball", "cage"]
    assert f["outer"] == pytest.approx(G.bpfo * SHAFT) and f["ball"] == pytest.approx(G.bsf * SHAFT)


def test_contact_angle_and_identities():
    g = BearingGeometry(12, 10.0, 50.0, 15.0)
    assert g.bpfo + g.bpfi == pytest.approx(g.balls)  # the two pass frequencies sum to n
    assert g.ftf == pytest.approx(g.bpfo / g.balls)
    assert g.bpfo > BearingGeometry(12, 10.0, 50.0).bpfo  # cos a < 1 shortens the effective ratio
    with pytest.raises(dataclasses.FrozenInstanceError):
        g.balls = 3  # type: ignore[misc]


def test_bearing_geometry_parsing():
    assert bearing_geometry("6205") is G and bearing_geometry(" SKF 6205-2rs jem ") is G
    assert bearing_geometry("9, 0.3126, 1.537").bpfo == pytest.approx(G.bpfo)
    g = bearing_geometry("12,10,50,15")
    assert (g.balls, g.contact_angle_deg) == (12, 15.0)
    with pytest.raises(ValueError, match=r"unknown bearing 'nope'.*6203, 6205.*BALLS,BALL_D,PITCH_D"):
        bearing_geometry("nope")
    with pytest.raises(ValueError, match=r"cannot parse bearing.*integer BALLS"):
        bearing_geometry("9.5,0.3,1.5")
    with pytest.raises(ValueError, match="cannot parse bearing"):
        bearing_geometry("9,a,1.5")


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((2, 0.3, 1.5), "balls must be an integer >= 3"),
        ((0, 0.3, 1.5), "balls must be an integer >= 3"),
        ((-9, 0.3, 1.5), "balls must be an integer >= 3"),
        ((9.5, 0.3, 1.5), "balls must be an integer >= 3"),
        ((9, 0.0, 1.5), "ball_diameter must be a finite number > 0"),
        ((9, float("nan"), 1.5), "ball_diameter must be a finite number > 0"),
        ((9, 0.3, float("inf")), "pitch_diameter must be a finite number > 0"),
        ((9, 1.5, 1.5), r"ball_diameter \(1.5\) must be smaller than pitch_diameter"),
        ((9, 0.3, 1.5, 90.0), r"contact_angle_deg must be in \[0, 90\)"),
        ((9, 0.3, 1.5, -1.0), r"contact_angle_deg must be in \[0, 90\)"),
    ],
)
def test_bearing_validation(args, match):
    with pytest.raises(ValueError, match=match):
        BearingGeometry(*args)


# -- envelope, spectra, kurtogram ----------------------------------------------------------------------------


def test_am_carrier_gives_its_modulation_frequency():
    t = np.arange(int(FS)) / FS
    x = (1 + 0.5 * np.cos(2 * np.pi * 87 * t)) * np.cos(2 * np.pi * 3000 * t)
    env = envelope(x, FS)
    mid = slice(1000, -1000)  # the analytic signal is exact away from the ends
    np.testing.assert_allclose(env[mid], 1 + 0.5 * np.cos(2 * np.pi * 87 * t[mid]), atol=1e-3)
    for band in (None, (2500.0, 3500.0)):
        f, spec = squared_envelope_spectrum(x, FS, band)
        assert f[np.argmax(spec)] == pytest.approx(87.0)
        # (1 + 0.5 cos)^2 = 1.125 + cos + 0.125 cos(2 w t): amplitudes 1 and 0.125
        assert spec[87] == pytest.approx(1.0, rel=0.02) and spec[174] == pytest.approx(0.125, rel=0.05)


def test_spectral_kurtosis_and_kurtogram_find_the_resonance():
    x = fault_signal(np.random.default_rng(1), G.bpfo)
    f, sk = spectral_kurtosis(x, FS, nperseg=32)  # 2.7 ms windows, shorter than the 9.3 ms between impacts
    assert abs(f[np.argmax(sk)] - RES_HZ) < 1000
    assert abs(np.median(sk)) < 0.5  # elsewhere the noise is Gaussian
    kg, levels, (centre, bw, kurt) = fast_kurtogram(x, FS, max_level=5)
    np.testing.assert_allclose(levels, np.log2([1, 2, 3, 4, 6, 8, 12, 16, 24, 32]))
    assert kg.shape == (10, 96) and np.all(np.isfinite(kg))
    assert centre - bw / 2 <= RES_HZ <= centre + bw / 2 and kurt == pytest.approx(np.nanmax(kg))
    assert 0 <= centre - bw / 2 and centre + bw / 2 <= FS / 2
    kg, _, (_, bw, _) = fast_kurtogram(x, FS, max_level=5, min_bandwidth=800.0)
    assert bw >= 800 and np.isnan(kg[-1]).all()  # the 187.5 Hz level is not computed


def test_noise_kurtogram_has_no_spurious_band_at_the_ends():
    # filter and Hilbert end transients gave the 0 Hz bands kurtosis 10-50 before the ends were cut
    for seed in range(3):
        kg, _, _ = fast_kurtogram(np.random.default_rng(seed).standard_normal(int(FS)), FS, max_level=6)
        assert np.nanmax(kg) < 1.0


@pytest.mark.parametrize("n", [4096, 4097])
def test_cepstral_prewhitening_flattens_the_spectrum(n):
    x = fault_signal(np.random.default_rng(2), G.bpfo)[:n] + 3.0 * np.sin(np.arange(n) * 0.3)
    w = cepstral_prewhitening(x)
    assert w.shape == x.shape and np.isrealobj(w) and np.all(np.isfinite(w))
    np.testing.assert_allclose(np.abs(np.fft.rfft(w)), 1.0, rtol=1e-9)


def test_family_scores_definition():
    # a flat floor of 1 with lines of 10 at the BPFO harmonics: outer 20 dB exactly, the others ~0 dB
    f = np.arange(6001.0)
    spec = np.ones_like(f)
    for k in (1, 2, 3):
        spec[round(k * G.bpfo * SHAFT)] = 10.0
    s = family_scores(f, spec, SHAFT, G)
    # 2 x BPFI (324.9 Hz) lies within 2 % of 3 x BPFO (322.6 Hz): one of the three inner lines scores 20 dB
    assert s == pytest.approx({"outer": 20.0, "inner": 20.0 / 3, "ball": 0.0}, abs=1e-9)
    assert family_scores(f, spec, SHAFT, G, slip=0.005)["inner"] == pytest.approx(0.0, abs=1e-9)


# -- diagnosis -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("band", ["kurtogram", "prewhiten", None])
def test_outer_fault_is_diagnosed(band):
    d = diagnose_signal(fault_signal(np.random.default_rng(3), G.bpfo), FS, SHAFT, G, band=band)
    assert d.verdict == "outer", d.scores
    bpfo = G.bpfo * SHAFT
    # the spectrum's peak around BPFO sits at BPFO within the slip; the global maximum is one of its first
    # harmonics (decaying impacts give harmonics of near-equal height: 2 x BPFO wins in about half the seeds)
    near = (d.freqs > 0.5 * bpfo) & (d.freqs < 1.5 * bpfo)
    assert abs(d.freqs[near][np.argmax(d.spectrum[near])] - bpfo) <= 0.02 * bpfo
    top = d.freqs[np.argmax(d.spectrum)]
    assert min(abs(top - k * bpfo) / (k * bpfo) for k in (1, 2, 3)) <= 0.02
    assert 0.0 <= d.band[0] < d.band[1] <= FS / 2
    if band == "kurtogram":
        assert d.band[0] <= RES_HZ <= d.band[1]


def test_inner_and_ball_faults_are_diagnosed():
    rng = np.random.default_rng(4)
    d = diagnose_signal(fault_signal(rng, G.bpfi, am=0.5), FS, SHAFT, G)
    assert d.verdict == "inner", d.scores
    assert diagnose_signal(fault_signal(rng, G.bpfi, am=0.5), FS, SHAFT, G, sidebands=True).verdict == "inner"
    d = diagnose_signal(fault_signal(rng, 2 * G.bsf, am=0.3), FS, SHAFT, G)
    assert d.verdict == "ball", d.scores  # ball defects show at 2 x BSF


def test_white_noise_is_none():
    for seed in range(4):
        x = np.random.default_rng(10 + seed).standard_normal(int(FS))
        for band in ("kurtogram", "prewhiten", (3000.0, 4500.0)):
            d = diagnose_signal(x, FS, SHAFT, G, band=band)
            assert d.verdict == "none", (seed, band, d.scores)


def test_bad_inputs_raise_one_line_errors():
    x = fault_signal(np.random.default_rng(5), G.bpfo)
    cases = [
        (dict(x=np.where(np.arange(x.size) == 7, np.nan, x)), "x contains 1 NaN or inf"),
        (dict(x=np.where(np.arange(x.size) == 7, np.inf, x)), "x contains 1 NaN or inf"),
        (dict(fs=0.0), "fs must be a finite number > 0"),
        (dict(fs=-FS), "fs must be a finite number > 0"),
        (dict(shaft_hz=0.0), "shaft_hz must be a finite number > 0"),
        (dict(shaft_hz=float("nan")), "shaft_hz must be a finite number > 0"),
        (dict(harmonics=40), r"defect harmonics reach .* Hz, at or above fs/2 = 6000 Hz"),
        (dict(x=x[:900], fs=900.0), "defect harmonics reach .* at or above fs/2 = 450 Hz"),
        (dict(x=x[:600]), r"record of 0.05 s is shorter than 10 periods .*outer, 107.5 Hz.*0.093 s"),
        (dict(band=(4000.0, 3000.0)), "band must satisfy 0 <= lo < hi <= fs/2"),
        (dict(band="wavelet"), "band must be 'kurtogram', 'prewhiten'"),
        (dict(slip=0.5), r"slip must be a number in \[0, 0.2\)"),
        (dict(harmonics=0), "harmonics must be an integer >= 1"),
        (dict(geometry="6205"), "geometry must be a BearingGeometry"),
        (dict(threshold_db=float("nan")), "threshold_db must be a number"),
    ]
    for change, match in cases:
        kw = dict(x=x, fs=FS, shaft_hz=SHAFT, geometry=G) | change
        pos = [kw.pop(k) for k in ("x", "fs", "shaft_hz", "geometry")]
        with pytest.raises(ValueError, match=match) as err:
            diagnose_signal(*pos, **kw)
        assert "\n" not in str(err.value)
    with pytest.raises(ValueError, match="x contains"):
        envelope(np.array([1.0, np.nan] * 10), FS)
    with pytest.raises(ValueError, match="band must satisfy"):
        squared_envelope_spectrum(x, FS, (0.0, 7000.0))
    with pytest.raises(ValueError, match="x contains"):
        cepstral_prewhitening(np.full(32, np.inf))
    with pytest.raises(ValueError, match="nperseg must be an integer"):
        spectral_kurtosis(x, FS, nperseg=4)
    with pytest.raises(ValueError, match="max_level must be an integer"):
        fast_kurtogram(x, FS, max_level=11)
    with pytest.raises(ValueError, match="shaft_hz must be a finite number > 0"):
        G.defect_frequencies(-1.0)
