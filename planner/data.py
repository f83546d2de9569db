"""Instance + catalog -> PlanData: indexed numbers in the model's scaled units.

Model units (chosen so HiGHS sees coefficients near 1 on every shipped instance):
power in MW, money in $M (`musd`), tokens in Ttok = 1e12 tokens = 1e6 Mtok (`ttok`).
A price in $/Mtok is numerically $M per Ttok, so revenue coefficients are the prices.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from planner.catalog import Catalog
from planner.curves import max_speed, throughput_tok_s
from planner.errors import InstanceError
from planner.instance import Instance, Objective

MTOK_PER_TTOK = 1e6
USD_PER_MUSD = 1e6
SECONDS_PER_HOUR = 3600.0
OBJECTIVE_USD_PER_MODEL_UNIT = {
    "revenue": USD_PER_MUSD,
    "profit": USD_PER_MUSD,
    "cost_per_token": 1.0,
}
"""Model objective (in $M/yr, or $/Mtok for cost_per_token) -> the units of summary.csv."""

SystemTier = tuple[str, str]
SystemRack = tuple[str, str]


def capital_recovery_factor(rate_frac: float, lifetime_years: float) -> float:
    """Annual payment per unit of capex: r / (1 - (1+r)^-n); 1/n when r = 0."""
    if rate_frac == 0:
        return 1.0 / lifetime_years
    return rate_frac / (1.0 - (1.0 + rate_frac) ** (-lifetime_years))


@dataclass(frozen=True)
class PlanData:
    """Everything the formulation needs, already derived and scaled. No I/O, no solver."""

    name: str
    objective: Objective
    racks: tuple[str, ...]
    systems: tuple[str, ...]
    tiers: tuple[str, ...]
    servable: tuple[SystemTier, ...]
    site_power_mw: float
    pue: float
    capex_budget_musd: float | None
    rack_power_mw: dict[str, float]
    rack_capex_musd: dict[str, float]
    rack_fixed_musd_per_year: dict[str, float]
    rack_energy_musd_per_year: dict[str, float]
    rack_max_count: dict[str, int]
    system_racks: dict[SystemRack, float]
    system_power_mw: dict[str, float]
    tok_s: dict[SystemTier, float]
    throughput_ttok_per_year: dict[SystemTier, float]
    tier_revenue_musd_per_ttok: dict[str, float]
    tier_demand_ttok_per_year: dict[str, float]
    tier_fixed_share_frac: dict[str, float]
    tier_min_share_frac: dict[str, float]
    tier_max_share_frac: dict[str, float]
    unservable: dict[str, str] = field(default_factory=dict)
    """Tier -> why no allowed system can serve it (reported, tier gets no power)."""

    @property
    def must_serve_forecasts(self) -> bool:
        """cost_per_token serves every forecast in full."""
        return self.objective == "cost_per_token"


def _unservable_reason(instance: Instance, catalog: Catalog, systems: list[str], tier: str) -> str:
    need = instance.tiers[tier].min_tok_s_per_user
    best = max(systems, key=lambda s: max_speed(catalog.systems[s].curves[instance.workload]))
    fastest = max_speed(catalog.systems[best].curves[instance.workload])
    return (
        f"tier {tier} needs {need:g} tok/s per user; the fastest allowed system, {best}, "
        f"reaches {fastest:g}"
    )


def build_plan_data(
    instance: Instance, catalog: Catalog, multi_period_ok: bool = False
) -> PlanData:
    """Derive the model's indexed numbers from a validated instance and catalog.

    An instance with `horizon:` or `scenarios:` is refused unless `multi_period_ok` (the
    horizon model builds on this data): single-year tools would silently drop those sections.
    """
    if instance.is_multi_period and not multi_period_ok:
        section = "horizon" if instance.horizon is not None else "scenarios"
        raise InstanceError(
            f"{section}: this command plans a single year; instances with horizon: or "
            "scenarios: are solved by `plan solve` (or planner.solve)"
        )
    site = instance.site
    systems = list(instance.systems or sorted(catalog.systems))
    tiers = list(instance.tiers)
    racks = sorted({r for s in systems for r in catalog.systems[s].racks})
    seconds = SECONDS_PER_HOUR * site.hours_per_year * site.utilisation_frac

    tok_s: dict[SystemTier, float] = {}
    for system in systems:
        curve = catalog.systems[system].curves[instance.workload]
        for tier in tiers:
            rate = throughput_tok_s(curve, instance.tiers[tier].min_tok_s_per_user)
            if rate is not None and rate > 0:
                tok_s[system, tier] = rate
    served = {tier for _, tier in tok_s}
    unservable = {
        t: _unservable_reason(instance, catalog, systems, t) for t in tiers if t not in served
    }

    def rack_energy(rack: str) -> float:
        mwh = site.pue * catalog.racks[rack].power_kw / 1e3 * site.hours_per_year
        return mwh * site.utilisation_frac * site.electricity_usd_per_mwh / USD_PER_MUSD

    return PlanData(
        name=instance.name,
        objective=instance.objective,
        racks=tuple(racks),
        systems=tuple(systems),
        tiers=tuple(tiers),
        servable=tuple(tok_s),
        site_power_mw=site.power_mw,
        pue=site.pue,
        capex_budget_musd=(
            None if site.capex_budget_usd is None else site.capex_budget_usd / USD_PER_MUSD
        ),
        rack_power_mw={r: catalog.racks[r].power_kw / 1e3 for r in racks},
        rack_capex_musd={r: catalog.racks[r].capex_usd / USD_PER_MUSD for r in racks},
        rack_fixed_musd_per_year={
            r: (
                catalog.racks[r].capex_usd
                * capital_recovery_factor(site.discount_rate_frac, catalog.racks[r].lifetime_years)
                + catalog.racks[r].opex_usd_per_year
            )
            / USD_PER_MUSD
            for r in racks
        },
        rack_energy_musd_per_year={r: rack_energy(r) for r in racks},
        rack_max_count={
            r: lim.max_count
            for r, lim in instance.racks.items()
            if lim.max_count is not None and r in racks
        },
        system_racks={(s, r): n for s in systems for r, n in catalog.systems[s].racks.items()},
        system_power_mw={
            s: sum(n * catalog.racks[r].power_kw / 1e3 for r, n in catalog.systems[s].racks.items())
            for s in systems
        },
        tok_s=tok_s,
        throughput_ttok_per_year={k: v * seconds / 1e12 for k, v in tok_s.items()},
        tier_revenue_musd_per_ttok={t: instance.tiers[t].revenue_usd_per_mtok for t in tiers},
        tier_demand_ttok_per_year={
            t: tier.demand_mtok_per_year / MTOK_PER_TTOK
            for t, tier in instance.tiers.items()
            if tier.demand_mtok_per_year is not None
        },
        tier_fixed_share_frac={
            t: x.power_share_frac
            for t, x in instance.tiers.items()
            if x.power_share_frac is not None
        },
        tier_min_share_frac={
            t: x.min_power_share_frac
            for t, x in instance.tiers.items()
            if x.min_power_share_frac is not None
        },
        tier_max_share_frac={
            t: x.max_power_share_frac
            for t, x in instance.tiers.items()
            if x.max_power_share_frac is not None
        },
        unservable=unservable,
    )
