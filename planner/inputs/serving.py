"""How a system serves a tier: output tok/s per unit and the racks of each type per unit.

The model needs one thing from the serving world: for each (system, tier), how many racks of
each type one unit of serving ties up, and how many output tokens per second that unit makes.
Work is counted in rack-seconds per output token of the tier (I input and O output tokens per
request, speed s output tok/s per user, first-token target T):

    prefill           on rack k:  (I / O) / prefill_k(T)          prefill_k: input tok/s per rack
    decode            on rack k:  g(C) / decode_k(s)              decode_k: output tok/s per rack
    decode_attention  on rack k:  (C / C_ref) / attention_k(s)    C = I + O/2, KV-cache context
    decode_ffn        on rack k:  1 / ffn_k(s)

with g(C) = (F + C) / (F + C_ref) the decode curve's context factor (`context_factor`; 1 for a
curve without `context:`). A recipe's unit is one rack of its last phase (the decode rack, or
the FFN rack), so

    tok_s[unit]      = decode_k(s) / g(C)  (or ffn_k(s))
    racks[unit, k']  = tok_s[unit] x (rack-seconds of k' per output token)

and the prefill:decode and LPX:GPU ratios differ by tier: a longer input needs more prefill
racks per decode rack, a longer context more attention racks per FFN rack. A bundle (fixed
racks, one measured curve with prefill included) keeps its racks per unit; for a tier whose
input:output ratio or context differs from the curve's, its decode time (the curve's time per
token less its own prefill) moves by g(C) and its prefill by the tier's input, when its rack
has prefill data, and it cannot serve the tier otherwise (a curve is never stretched to a
workload it was not measured on).

Every rate carries the weakest label of the points it was read from, so a plan can say how
much of its answer rests on each basis; `weakest_rank` (from `--data`) drops the points whose
label is weaker first (catalog.BASES, the basis ladder).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from planner.inputs.catalog import (
    BASIS_WORDS,
    LABEL_RANK,
    Catalog,
    Curve,
    CurvePoint,
    PrefillCurve,
    set_aside_words,
)

CLAIM_RANK = LABEL_RANK["vendor-claim"]
ALL = CLAIM_RANK
"""The rank that keeps every point (`--data all`)."""


@dataclass(frozen=True)
class Rate:
    """A throughput read from a curve, and the weakest label among the points used."""

    value: float
    label: str


@dataclass(frozen=True)
class Workload:
    """What a tier asks of a system."""

    model: str
    input_tokens: int
    output_tokens: int
    tok_s_per_user: float
    max_ttft_s: float | None = None

    @property
    def input_per_output(self) -> float:
        return self.input_tokens / self.output_tokens

    @property
    def context_tokens(self) -> float:
        """Mean KV-cache context while decoding: input + output / 2."""
        return self.input_tokens + self.output_tokens / 2


@dataclass(frozen=True)
class Route:
    """One system serving one tier: output tok/s per unit and racks per unit."""

    tok_s: float
    racks: dict[str, float]
    phases: dict[str, tuple[str, ...]]
    """Rack -> the phases it runs for this tier."""
    basis: str
    """Weakest label among the numbers used: measured, derived, partner, estimate or
    vendor-claim."""
    notes: tuple[str, ...] = field(default=())
    """Where the data are thin for this tier (said to the user, never silently)."""

    @property
    def rests_on_claims(self) -> bool:
        return LABEL_RANK[self.basis] >= CLAIM_RANK


@dataclass(frozen=True)
class NoRoute:
    """Why a system cannot serve a tier, and the tier field that asks too much."""

    field: str
    """min_tok_s_per_user, max_ttft_s, input_tokens or model."""
    why: str
    reach_tok_s_per_user: float | None = None
    """For a speed reason: the fastest tok/s per user the data reach (0: none left)."""

    def __str__(self) -> str:
        return self.why


def weakest(*labels: str) -> str:
    """The label of a number computed from numbers with these labels."""
    worst = max(labels, key=lambda lab: LABEL_RANK[lab])
    return "vendor-claim" if worst == "stated" else worst


def _kept(points: list, weakest_rank: int) -> list:
    return [p for p in points if LABEL_RANK[p.label] <= weakest_rank]


def _off_claim_or_too_slow(what: str, curve: Curve, w: Workload, weakest_rank: int) -> NoRoute:
    """Why a curve gives no rate at the tier's speed: a claim made at another speed, or the
    curve's fastest point is slower than asked."""
    elsewhere = claim_elsewhere(curve, w.tok_s_per_user, weakest_rank)
    if elsewhere is not None:
        return NoRoute(
            "min_tok_s_per_user",
            f"{what}: its rate for {w.tok_s_per_user:g} tok/s per user would be {elsewhere}",
        )
    return _too_slow(what, curve.points, w, weakest_rank)


def _too_slow(what: str, points: list, w: Workload, weakest_rank: int) -> NoRoute:
    kept = _kept(points, weakest_rank)
    dropped = set_aside_words(weakest_rank) if len(kept) < len(points) else ""
    reach = kept[-1].tok_s_per_user if kept else 0.0
    top = f"{reach:g}" if kept else "no"
    return NoRoute(
        "min_tok_s_per_user",
        f"{what} reaches {top} tok/s per user{dropped}; the tier asks {w.tok_s_per_user:g}",
        reach,
    )


def _interp(xs: list[float], ys: list[float], labels: list[str], x: float) -> Rate:
    """Piecewise-linear value at x inside [xs[0], xs[-1]] (below xs[0]: the first point's),
    labelled with the weakest of the (one or two) points it is read from.

    A vendor claim is a single operating point, never a curve segment: between a claim and
    its neighbour the rate is the lower of the two points (served at that point: faster than
    asked, or its first token sooner), so a claim is only ever read as made."""
    if x <= xs[0]:
        return Rate(ys[0], weakest(labels[0]))
    k = int(np.searchsorted(xs, x))
    if k >= len(xs) or xs[k] == x:
        k = min(k, len(xs) - 1)
        return Rate(ys[k], weakest(labels[k]))
    if LABEL_RANK[labels[k - 1]] >= CLAIM_RANK or LABEL_RANK[labels[k]] >= CLAIM_RANK:
        j = k if ys[k] <= ys[k - 1] else k - 1
        return Rate(ys[j], weakest(labels[j]))
    value = float(np.interp(x, xs, ys))
    return Rate(value, weakest(labels[k - 1], labels[k]))


def at_speed(curve: Curve, tok_s_per_user: float, weakest_rank: int = ALL) -> Rate | None:
    """Output tok/s at `tok_s_per_user`: interpolated; the slowest point's below it (serving
    faster than asked is allowed); None above the fastest point (never extrapolated), and None
    where the rate would be a vendor claim made at another speed (`claim_elsewhere`)."""
    points = _kept(curve.points, weakest_rank)
    if not points or tok_s_per_user > points[-1].tok_s_per_user * (1 + 1e-12):
        return None
    rate = _interp(
        [p.tok_s_per_user for p in points],
        [p.tok_s for p in points],
        [p.label for p in points],
        tok_s_per_user,
    )
    if LABEL_RANK[rate.label] >= CLAIM_RANK and _claim_at(points, tok_s_per_user) is None:
        return None
    return rate


def _claim_at(points: list[CurvePoint], tok_s_per_user: float) -> CurvePoint | None:
    """The claimed point made at this speed, if any."""
    return next(
        (
            p
            for p in points
            if LABEL_RANK[p.label] >= CLAIM_RANK
            and abs(p.tok_s_per_user - tok_s_per_user) <= 1e-9 * p.tok_s_per_user
        ),
        None,
    )


def claim_elsewhere(curve: Curve, tok_s_per_user: float, weakest_rank: int = ALL) -> str | None:
    """Why `at_speed` has no rate at a speed its curve covers, when that is the reason: the
    rate there would be a vendor claim made at another speed. A claim is one operating point
    for the speed, model and workload it was made for (issue 20): a tier asking 100 tok/s per
    user is not served on a claim made at 200."""
    points = _kept(curve.points, weakest_rank)
    if not points or tok_s_per_user > points[-1].tok_s_per_user * (1 + 1e-12):
        return None
    if at_speed(curve, tok_s_per_user, weakest_rank) is not None:
        return None
    made = ", ".join(f"{p.tok_s_per_user:g}" for p in points if LABEL_RANK[p.label] >= CLAIM_RANK)
    return f"a vendor claim made at {made} tok/s per user only"


def at_ttft(curve: PrefillCurve, max_ttft_s: float | None, weakest_rank: int = ALL) -> Rate | None:
    """Input tok/s per rack within a first-token target: the highest point when there is no
    target; interpolated inside the measured range; the largest point at or below the target
    beyond it; None when every point is slower than the target."""
    points = _kept(curve.points, weakest_rank)
    if not points:
        return None
    if max_ttft_s is None or max_ttft_s >= points[-1].ttft_s:
        return Rate(points[-1].input_tok_s, weakest(points[-1].label))
    if max_ttft_s < points[0].ttft_s * (1 - 1e-12):
        return None
    return _interp(
        [p.ttft_s for p in points],
        [p.input_tok_s for p in points],
        [p.label for p in points],
        max_ttft_s,
    )


def _phase_curve(catalog: Catalog, rack: str, model: str, phase: str) -> Curve | PrefillCurve | str:
    perf = catalog.performance.get(rack)
    curves = perf.models.get(model) if perf else None
    curve = getattr(curves, phase) if curves else None
    if curve is None:
        return f"{rack} has no {phase} data for {model} (models/performance/{rack}.yaml)"
    return curve


ROUTE_CACHE_SIZE = 100_000
"""Most routes remembered per catalog."""


def route(catalog: Catalog, system: str, w: Workload, weakest_rank: int = ALL) -> Route | NoRoute:
    """How `system` serves workload `w`, or why it cannot (a sentence). Remembered on the
    catalog (`Catalog.routes`): a sweep re-validates every case and asks for the same routes."""
    remembered = catalog.routes()
    key = (system, w, weakest_rank)
    if key not in remembered:
        if len(remembered) >= ROUTE_CACHE_SIZE:  # a sweep over thousands of speeds
            remembered.clear()
        remembered[key] = _route(catalog, system, w, weakest_rank)
    found: Route | NoRoute = remembered[key]
    return found


def _route(catalog: Catalog, system: str, w: Workload, weakest_rank: int) -> Route | NoRoute:
    sy = catalog.systems[system]
    claims = set_aside_words(weakest_rank)
    if not sy.is_recipe:
        return _bundle(catalog, system, w, weakest_rank, claims)
    rates: dict[str, Rate] = {}
    for phase, rack in sy.phases.items():
        curve = _phase_curve(catalog, rack, w.model, phase)
        if isinstance(curve, str):
            return NoRoute("model", curve)
        if isinstance(curve, PrefillCurve):
            rate = at_ttft(curve, w.max_ttft_s, weakest_rank)
            if rate is None:
                return _no_prefill(rack, curve, w, weakest_rank, claims)
        else:
            rate = at_speed(curve, w.tok_s_per_user, weakest_rank)
            if rate is None:
                return _off_claim_or_too_slow(
                    f"{system} ({phase} on {rack})", curve, w, weakest_rank
                )
        rates[phase] = rate
    last = "decode" if "decode" in sy.phases else "decode_ffn"
    labels = [r.label for r in rates.values()]
    notes: list[str] = []
    if last == "decode_ffn":
        tok_s = rates[last].value
        ref = _phase_curve(catalog, sy.phases["decode_attention"], w.model, "decode_attention")
        assert isinstance(ref, Curve)
        attention_s = (w.context_tokens / ref.context_tokens) / rates["decode_attention"].value
    else:
        ref = _phase_curve(catalog, sy.phases["decode"], w.model, "decode")
        assert isinstance(ref, Curve)
        context = context_factor(f"{system} ({sy.phases['decode']})", ref, w, weakest_rank)
        if context.refused:
            return NoRoute("input_tokens", context.refused)
        tok_s = rates[last].value / context.seconds_factor
        labels += context.labels
        notes += context.notes
    work: dict[str, float] = {
        last: 1.0 / tok_s,
        "prefill": w.input_per_output / rates["prefill"].value,
    }
    if last == "decode_ffn":
        work["decode_attention"] = attention_s
    racks: dict[str, float] = {}
    phases: dict[str, tuple[str, ...]] = {}
    for phase, rack in sy.phases.items():
        racks[rack] = racks.get(rack, 0.0) + tok_s * work[phase]
        phases[rack] = (*phases.get(rack, ()), phase)
    return Route(
        tok_s=tok_s, racks=racks, phases=phases, basis=weakest(*labels), notes=tuple(notes)
    )


def _bundle(
    catalog: Catalog, system: str, w: Workload, weakest_rank: int, claims: str
) -> Route | NoRoute:
    sy = catalog.systems[system]
    curve = sy.curves.get(w.model)
    if curve is None:
        return NoRoute(
            "model", f"{system} has no curve for {w.model} (has: {', '.join(sorted(sy.curves))})"
        )
    rate = at_speed(curve, w.tok_s_per_user, weakest_rank)
    if rate is None:
        return _off_claim_or_too_slow(system, curve, w, weakest_rank)
    phases: dict[str, tuple[str, ...]] = {r: ("prefill", "decode") for r in sy.racks}
    context = context_factor(system, curve, w, weakest_rank)
    if context.refused:
        return NoRoute("input_tokens", context.refused)
    shift = w.input_per_output - curve.input_tokens / curve.output_tokens
    if abs(shift) < 1e-12 and context.seconds_factor == 1.0:
        return Route(
            tok_s=rate.value,
            racks=dict(sy.racks),
            phases=phases,
            basis=rate.label,
            notes=context.notes,
        )
    if len(sy.racks) != 1:
        return NoRoute(
            "input_tokens",
            f"{system}'s curve is measured at {curve.input_tokens:,}/"
            f"{curve.output_tokens:,} input/output tokens, and a bundle of several "
            f"rack types is not rescaled to {w.input_tokens:,}/{w.output_tokens:,}",
        )
    ((rack, count),) = sy.racks.items()
    prefill = _phase_curve(catalog, rack, w.model, "prefill")
    if isinstance(prefill, str):
        return NoRoute(
            "input_tokens",
            f"{system}'s curve is measured at {curve.input_tokens:,}/"
            f"{curve.output_tokens:,} input/output tokens; {prefill}, so it cannot "
            f"be moved to {w.input_tokens:,}/{w.output_tokens:,}",
        )
    assert isinstance(prefill, PrefillCurve)
    p_rate = at_ttft(prefill, w.max_ttft_s, weakest_rank)
    if p_rate is None:
        return _no_prefill(rack, prefill, w, weakest_rank, claims)
    # the curve's time per output token, less its own prefill, is decode: moved by the
    # context factor; the tier's own prefill is added back
    decode_s = 1.0 / rate.value - curve.input_tokens / curve.output_tokens / (count * p_rate.value)
    seconds = decode_s * context.seconds_factor + w.input_per_output / (count * p_rate.value)
    labels = [rate.label, p_rate.label, *context.labels]
    decode = _phase_curve(catalog, rack, w.model, "decode")
    d_rate = at_speed(decode, w.tok_s_per_user, weakest_rank) if isinstance(decode, Curve) else None
    if d_rate is not None and seconds < context.seconds_factor / (count * d_rate.value):
        seconds, labels = context.seconds_factor / (count * d_rate.value), [*labels, d_rate.label]
    if decode_s <= 0 or seconds <= 0:
        return NoRoute(
            "input_tokens",
            f"{system}: its curve and {rack}'s prefill rate leave no "
            f"decode time at {w.input_tokens:,}/{w.output_tokens:,} tokens "
            "(inconsistent data)",
        )
    return Route(
        tok_s=1.0 / seconds,
        racks=dict(sy.racks),
        phases=phases,
        basis=weakest(*labels),
        notes=context.notes,
    )


def _no_prefill(
    rack: str, curve: PrefillCurve, w: Workload, weakest_rank: int, claims: str
) -> NoRoute:
    """Why no prefill rate is left: every point set aside (`--data`), or all slower than the
    tier's first-token target."""
    kept = _kept(curve.points, weakest_rank)
    if not kept:
        return NoRoute("model", f"{rack} has no prefill rate for {w.model}{claims}")
    asks = f"; the tier asks {w.max_ttft_s:g} s" if w.max_ttft_s is not None else ""
    return NoRoute(
        "max_ttft_s",
        f"{rack} prefills no faster than a {kept[0].ttft_s:g} s first token{claims}{asks}",
    )


@dataclass(frozen=True)
class ContextFactor:
    """What a tier's context does to a decode curve: its time per output token x
    `seconds_factor`, the label the factor carries (none when the curve is read at its own
    context or has no scaling data), what to tell the user, and why no rate is left (`refused`,
    when `--data` sets the factor's basis aside and the tier's context is longer)."""

    seconds_factor: float
    labels: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    refused: str = ""


def context_factor(what: str, curve: Curve, w: Workload, weakest_rank: int = ALL) -> ContextFactor:
    """The decode curve's rate moved to the tier's context (catalog.ContextScaling): time per
    token x (fixed + C) / (fixed + C_curve). Inside the contexts the fit was measured on it
    carries the fit's label; outside, it is extrapolated, an estimate, and said. A curve with
    no scaling data is not moved, and a longer context than its own is said. When `--data`
    sets the factor's basis aside, a shorter context keeps the curve's own rate (a lower bound:
    a shorter context never decodes slower) and a longer one has no rate."""
    c, ref = w.context_tokens, curve.context_tokens
    scaling = curve.context
    if abs(c - ref) <= 1e-9 * ref:
        return ContextFactor(1.0)
    if scaling is None:
        return ContextFactor(1.0, notes=(_context_note(what, curve, w),) if c > ref else ())
    factor = (scaling.fixed_tokens + c) / (scaling.fixed_tokens + ref)
    lo, hi = scaling.measured_min_tokens, scaling.measured_max_tokens
    inside = lo * (1 - 1e-9) <= c <= hi * (1 + 1e-9)
    label = scaling.label if inside else weakest(scaling.label, "estimate")
    if LABEL_RANK[label] > weakest_rank:
        basis = f"{BASIS_WORDS[label]}{set_aside_words(weakest_rank)}"
        if c < ref:
            return ContextFactor(
                1.0,
                notes=(
                    f"{what}'s decode keeps its rate at {ref:,.0f} context tokens for this tier's "
                    f"{c:,.0f} (a lower bound): the rate at {c:,.0f} rests on {basis}",
                ),
            )
        return ContextFactor(
            1.0, refused=f"{what}'s decode rate at {c:,.0f} context tokens rests on {basis}"
        )
    if inside:
        return ContextFactor(factor, (label,))
    note = (
        f"{what}'s decode rate is measured between {lo:,.0f} and {hi:,.0f} context tokens; "
        f"this tier keeps {c:,.0f}, so its rate is extrapolated to {1 / factor:.2f}x the "
        "curve's (an estimate)"
    )
    return ContextFactor(factor, (label,), (note,))


def _context_note(what: str, curve: Curve, w: Workload) -> str:
    return (
        f"{what}'s decode is measured at {curve.context_tokens:,.0f} context tokens; this "
        f"tier keeps {w.context_tokens:,.0f}, and the decode rate is not lowered for it"
    )
