"""Demand curves: the volume a tier's market takes at each price, as linear pieces of revenue.

A tier with `demand_curve` lets the plan choose its price. The curve is either constant
elasticity around the tier's reference point (p0 = price_usd_per_mtok, D0 =
demand_mtok_per_year, for each year and scenario after the horizon's paths and the scenario's
scales), D(p) = D0 (p / p0)^e between min_price_frac x p0 and max_price_frac x p0, or a ladder
of (price, volume) points given for the reference point and scaled with it.

Revenue in the volume sold, R(q) = p(q) q = p0 D0^(-1/e) q^(1 + 1/e), is concave and rising
for an elastic curve (e < -1): its pieces have falling slopes, so the model needs no binaries
(the pieces fill in order when revenue is maximised). For an inelastic curve (-1 <= e < 0)
revenue falls (or stays level) as volume grows: the best price is the ceiling, so the curve is
one piece, D(p_hi) at p_hi. The pieces, highest price first:
- [0, D(p_hi)] at slope p_hi: selling less than the market takes at the ceiling price;
- between neighbouring breakpoints (prices geometric from p_hi to p_lo for an elasticity, the
  ladder's points otherwise), the chord of R: its slope is the marginal revenue there.
Between breakpoints the chord lies under the curve, so the plan's revenue is conservative;
`worst_error_frac` measures by how much. A ladder point under the concave envelope of the
others can never be the best single price: it is dropped and said (`Curve.dropped`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from planner.inputs.instance import DemandCurve


@dataclass(frozen=True)
class Curve:
    """A demand curve at one (tier, year, scenario): breakpoints as (list price $/Mtok, volume
    Ttok a year), highest price first, on the concave envelope of revenue."""

    points: tuple[tuple[float, float], ...]
    dropped: tuple[tuple[float, float], ...] = ()
    """Ladder points under the envelope (never the best single price)."""
    reference: tuple[float, float] = (0.0, 0.0)
    """The reference point (list $/Mtok, Ttok a year) the curve was built around."""
    parity: tuple[float, str] | None = None
    """The rental-parity price ($/Mtok) that caps the curve and the system it is priced on
    (planner/inputs/parity.py), when `lease_out.entrant_margin_frac` is given."""

    def pieces(self) -> list[tuple[float, float]]:
        """(width Ttok, list revenue $M per Ttok) of each piece, slopes falling."""
        price0, volume0 = self.points[0]
        out = [(volume0, price0)] if volume0 > 0 else []
        for (p1, v1), (p2, v2) in zip(self.points, self.points[1:], strict=False):
            out.append((v2 - v1, (p2 * v2 - p1 * v1) / (v2 - v1)))
        return out

    def price_at(self, sold: float) -> float:
        """The list price at which the pieces' revenue for `sold` is earned: revenue / sold
        (the chord's average price; at a breakpoint, the curve's own price)."""
        if sold <= 0:
            return self.points[0][0]
        revenue, left = 0.0, sold
        for width, slope in self.pieces():
            take = min(width, left)
            revenue, left = revenue + take * slope, left - take
        return revenue / sold


def elastic_curve(
    price_ref: float,
    volume_ref: float,
    elasticity: float,
    lo_frac: float,
    hi_frac: float,
    segments: int,
    cap: float | None = None,
) -> Curve:
    """Constant elasticity around (price_ref, volume_ref): `segments` pieces between the
    prices lo_frac x and hi_frac x the reference, geometric in price (one piece at the ceiling
    when the curve is inelastic, e >= -1: any lower price earns less). A `cap` (rental parity)
    lowers the ceiling, and the floor with it when it is below the floor: then the curve is
    the one point at the cap, its volume from the elasticity (extrapolated below the range)."""
    hi, lo = price_ref * hi_frac, price_ref * lo_frac
    if cap is not None:
        hi, lo = min(hi, cap), min(lo, cap)
    ref = (price_ref, volume_ref)
    if elasticity >= -1.0 or lo >= hi:
        return Curve(((hi, volume_ref * (hi / price_ref) ** elasticity),), reference=ref)
    prices = [hi * (lo / hi) ** (k / segments) for k in range(segments + 1)]
    points = tuple((p, volume_ref * (p / price_ref) ** elasticity) for p in prices)
    return Curve(points, reference=ref)


def ladder_curve(points: list[tuple[float, float]]) -> Curve:
    """The concave envelope of revenue over a ladder of (price, volume) points whose volume
    falls as price rises, from (0, 0): points on or under it are dropped."""
    hull: list[tuple[float, float]] = [(0.0, 0.0)]  # (volume, revenue)
    kept: list[tuple[float, float]] = []
    dropped: list[tuple[float, float]] = []
    for price, volume in sorted(points, key=lambda pv: pv[1]):
        new = (volume, price * volume)
        while len(hull) >= 2 and _slope(hull[-2], hull[-1]) <= _slope(hull[-1], new):
            hull.pop()
            dropped.append(kept.pop())
        hull.append(new)
        kept.append((price, volume))
    return Curve(tuple(kept), tuple(sorted(dropped, key=lambda pv: -pv[0])))


def _slope(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Slope between two (volume, revenue) points."""
    return (b[1] - a[1]) / (b[0] - a[0])


def worst_error_frac(
    elasticity: float, lo_frac: float, hi_frac: float, segments: int, samples: int = 64
) -> float:
    """Largest shortfall of the pieces' revenue under the true curve's, relative to the true
    revenue, over volumes between D(p_hi) and D(p_lo) (a reference point of (1, 1); the
    error does not depend on it). 0 for an inelastic curve (one piece, at the ceiling)."""
    curve = elastic_curve(1.0, 1.0, elasticity, lo_frac, hi_frac, segments)
    worst = 0.0
    for (p1, v1), (p2, v2) in zip(curve.points, curve.points[1:], strict=False):
        for k in range(1, samples):
            volume = v1 + (v2 - v1) * k / samples
            true = volume * volume ** (1 / elasticity)  # p(v) = v^(1/e) at reference (1, 1)
            chord = p1 * v1 + (p2 * v2 - p1 * v1) * k / samples
            worst = max(worst, (true - chord) / true)
    return worst


def tier_curves(
    tiers: dict[str, DemandCurve],
    list_price: dict[tuple[str, int, str], float],
    demand_ttok: dict[tuple[str, int, str], float],
    base_price: dict[str, float],
    base_demand_ttok: dict[str, float],
    parity: dict[tuple[str, int, str], tuple[float, str]] | None = None,
) -> dict[tuple[str, int, str], Curve]:
    """Each (tier, year, scenario) with a curve: its breakpoints in list $/Mtok and Ttok a
    year, around that year's and scenario's reference point (a ladder scaled with it), capped
    at its rental-parity price where `parity` has one."""
    out: dict[tuple[str, int, str], Curve] = {}
    for (t, y, s), price_ref in list_price.items():
        curve = tiers.get(t)
        volume_ref = demand_ttok.get((t, y, s))
        if curve is None or volume_ref is None or price_ref <= 0 or volume_ref <= 0:
            continue
        at = (parity or {}).get((t, y, s))
        cap = None if at is None else at[0]
        if curve.ladder is None:
            assert curve.price_elasticity is not None
            built = elastic_curve(
                price_ref,
                volume_ref,
                curve.price_elasticity,
                curve.min_price_frac,
                curve.max_price_frac,
                curve.segments,
                cap,
            )
        else:
            p_scale, v_scale = price_ref / base_price[t], volume_ref / base_demand_ttok[t]
            points = [
                (p.price_usd_per_mtok * p_scale, p.demand_mtok_per_year / 1e6 * v_scale)
                for p in curve.ladder
            ]
            built = replace(ladder_curve(_capped(points, cap)), reference=(price_ref, volume_ref))
        out[t, y, s] = replace(built, parity=at)
    return out


def _capped(points: list[tuple[float, float]], cap: float | None) -> list[tuple[float, float]]:
    """A ladder under a price cap: points above it become one point at the cap with the
    volume of the cheapest of them (the market takes at least that much at a lower price; no
    volume is extrapolated). Volume still falls as price rises: dropped points are dearer than
    every point kept."""
    if cap is None:
        return points
    kept = [(p, v) for p, v in points if p <= cap]
    dropped = [(p, v) for p, v in points if p > cap]
    if dropped and all(p < cap for p, _ in kept):
        kept.append((cap, min(dropped)[1]))
    return kept
