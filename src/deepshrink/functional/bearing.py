"""Rolling-bearing geometry and its characteristic defect frequencies (pure functions, no state).

A defect on a race or a ball strikes its mating surface at a fixed multiple ("order") of the shaft speed,
set by the bearing's geometry alone (stationary outer race, rotating inner race, no slip):

    BPFO = n/2 (1 - d/D cos a)            ball pass frequency, outer race
    BPFI = n/2 (1 + d/D cos a)            ball pass frequency, inner race
    BSF  = D/(2d) (1 - (d/D cos a)^2)     ball spin frequency
    FTF  = 1/2 (1 - d/D cos a)            fundamental train (cage) frequency

with n balls of diameter d on pitch diameter D and contact angle a. BSF here is the standard ball *spin*
frequency. A ball defect strikes both races once per spin, so its envelope spectrum shows lines at
2 x BSF and its harmonics; several references (CWRU's bearing page among them) quote that doubled value as
"BSF". `BEARINGS["6205"].bsf` is 2.3567 and CWRU publishes 4.7135 = 2 x 2.3567.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

__all__ = ["BEARINGS", "BearingGeometry", "bearing_geometry"]

_FORMAT = "'BALLS,BALL_D,PITCH_D[,ANGLE_DEG]' (e.g. '9,0.3126,1.537')"


@dataclass(frozen=True)
class BearingGeometry:
    """A rolling-element bearing: ball count, ball and pitch diameters (one length unit), contact angle.

    Parameters
    ----------
    balls : int
        Number of rolling elements (>= 3).
    ball_diameter, pitch_diameter : float
        Ball diameter d and pitch diameter D, in the same unit, 0 < d < D.
    contact_angle_deg : float
        Contact angle a in degrees, 0 <= a < 90 (0 for a deep-groove ball bearing).
    name : str or None
        A label, e.g. the designation.
    """

    balls: int
    ball_diameter: float
    pitch_diameter: float
    contact_angle_deg: float = 0.0
    name: str | None = None

    def __post_init__(self) -> None:
        b = self.balls
        # a float ball count (9.0 from a parser) is accepted when whole; a bool is a mistake, not a count
        if isinstance(b, bool) or not isinstance(b, numbers.Real) or not float(b).is_integer() or b < 3:
            raise ValueError(f"BearingGeometry: balls must be an integer >= 3, got {b!r}")
        object.__setattr__(self, "balls", int(b))
        for field in ("ball_diameter", "pitch_diameter"):
            v = getattr(self, field)
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not (math.isfinite(v) and v > 0):
                raise ValueError(f"BearingGeometry: {field} must be a finite number > 0, got {v!r}")
            object.__setattr__(self, field, float(v))
        if self.ball_diameter >= self.pitch_diameter:
            raise ValueError(
                f"BearingGeometry: ball_diameter ({self.ball_diameter}) must be smaller than "
                f"pitch_diameter ({self.pitch_diameter})"
            )
        a = self.contact_angle_deg
        if isinstance(a, bool) or not isinstance(a, numbers.Real) or not (0.0 <= a < 90.0):
            raise ValueError(f"BearingGeometry: contact_angle_deg must be in [0, 90), got {a!r}")
        object.__setattr__(self, "contact_angle_deg", float(a))

    @property
    def _ratio(self) -> float:
        """d/D cos a, the quantity every formula shares."""
        return self.ball_diameter / self.pitch_diameter * math.cos(math.radians(self.contact_angle_deg))

    @property
    def bpfo(self) -> float:
        """Ball pass frequency, outer race, in orders (multiples of the shaft speed)."""
        return self.balls / 2.0 * (1.0 - self._ratio)

    @property
    def bpfi(self) -> float:
        """Ball pass frequency, inner race, in orders."""
        return self.balls / 2.0 * (1.0 + self._ratio)

    @property
    def bsf(self) -> float:
        """Ball spin frequency in orders (standard formula; a ball defect shows at 2 x BSF)."""
        return self.pitch_diameter / (2.0 * self.ball_diameter) * (1.0 - self._ratio**2)

    @property
    def ftf(self) -> float:
        """Fundamental train (cage) frequency in orders."""
        return 0.5 * (1.0 - self._ratio)

    def defect_frequencies(self, shaft_hz: float) -> dict[str, float]:
        """Defect frequencies in Hz at a shaft speed: keys "outer", "inner", "ball" (BSF), "cage" (FTF).

        "ball" is the spin frequency BSF; the ball-defect family's lines are at 2 x BSF and its harmonics.
        """
        if isinstance(shaft_hz, bool) or not isinstance(shaft_hz, numbers.Real) or not shaft_hz > 0:
            raise ValueError(f"shaft_hz must be a finite number > 0, got {shaft_hz!r}")
        if not math.isfinite(shaft_hz):
            raise ValueError(f"shaft_hz must be a finite number > 0, got {shaft_hz!r}")
        f = float(shaft_hz)
        return {"outer": self.bpfo * f, "inner": self.bpfi * f, "ball": self.bsf * f, "cage": self.ftf * f}


# Only bearings whose dimensions are certain; CWRU's published defect orders are the check
# (https://engineering.case.edu/bearingdatacenter/bearing-information, dimensions in inches):
BEARINGS: dict[str, BearingGeometry] = {
    # CWRU drive end. CWRU: BPFI 5.4152, BPFO 3.5848, FTF 0.39828, "BSF" 4.7135 (= 2 x spin; here
    # bpfi 5.41522, bpfo 3.58478, ftf 0.39831, bsf 2.35672)
    "6205": BearingGeometry(9, 0.3126, 1.537, 0.0, name="SKF 6205-2RS JEM"),
    # CWRU fan end. CWRU: BPFI 4.9469, BPFO 3.0530, FTF 0.3817, "BSF" 3.9874 (= 2 x spin; here
    # bpfi 4.94688, bpfo 3.05312, ftf 0.38164, bsf 1.99384)
    "6203": BearingGeometry(8, 0.2656, 1.122, 0.0, name="SKF 6203-2RS JEM"),
}


def bearing_geometry(spec: str) -> BearingGeometry:
    """A bearing from a name in `BEARINGS` (case-insensitive) or from "BALLS,BALL_D,PITCH_D[,ANGLE_DEG]".

    Raises
    ------
    ValueError
        One line naming the known bearings and the expected format.
    """
    if not isinstance(spec, str):
        raise ValueError(f"bearing spec must be a string, got {type(spec).__name__}")
    text = spec.strip()
    known = ", ".join(sorted(BEARINGS))
    key = text.lower()
    for name, geom in BEARINGS.items():
        if key in (name.lower(), (geom.name or "").lower()):
            return geom
    parts = [p.strip() for p in text.split(",")]
    if len(parts) not in (3, 4):
        raise ValueError(f"unknown bearing {spec!r}: expected one of {known} or {_FORMAT}")
    try:
        balls = int(parts[0])
        nums = [float(p) for p in parts[1:]]
    except ValueError:
        raise ValueError(
            f"cannot parse bearing {spec!r}: expected one of {known} or {_FORMAT} with an integer BALLS"
        ) from None
    return BearingGeometry(balls, *nums, name=text)
