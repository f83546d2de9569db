"""Horizon/scenario plan data: the single-year PlanData plus per-year and per-scenario numbers.

Units as in planner/data.py: MW, $M (musd), Ttok. Years are calendar years; scenarios are
names (a plan without `scenarios:` has one scenario, `base`, with probability 1).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from pathlib import Path

from planner.catalog import Catalog
from planner.data import (
    MTOK_PER_TTOK,
    USD_PER_MUSD,
    PlanData,
    build_plan_data,
    capital_recovery_factor,
)
from planner.errors import InstanceError
from planner.horizon.schema import Growth, Series
from planner.instance import Instance

BASE_SCENARIO = "base"


def expand(series: Series | float | None, years: int, default: float | None) -> list[float | None]:
    """A per-year list from a list, a {start, growth} or a constant (None stays None)."""
    if series is None:
        return [default] * years
    if isinstance(series, Growth):
        return [series.start * (1 + series.growth_frac_per_year) ** k for k in range(years)]
    if isinstance(series, list):
        return list(series)
    return [float(series)] * years


@dataclass(frozen=True)
class HorizonData:
    """Everything the horizon model needs, as plain indexed numbers."""

    base: PlanData
    years: tuple[int, ...]
    scenarios: tuple[str, ...]
    probability: dict[str, float]
    discount: dict[int, float]
    site_power_mw: dict[int, float]
    capex_budget_musd: dict[int, float]
    rack_lifetime_years: dict[str, int]
    rack_annuity_musd_per_year: dict[str, float]
    rack_opex_musd_per_year: dict[str, float]
    rack_energy_musd_per_year: dict[tuple[str, int], float]
    existing_in_service: dict[tuple[str, int], int]
    existing_retired: dict[tuple[str, int], int]
    max_buy: dict[tuple[str, int], int]
    price_musd_per_ttok: dict[tuple[str, int, str], float]
    list_price_usd_per_mtok: dict[tuple[str, int, str], float]
    demand_ttok_per_year: dict[tuple[str, int, str], float]
    shared_years: tuple[int, ...]
    cvar_alpha_frac: float
    cvar_weight_frac: float

    @property
    def objective(self) -> str:
        return self.base.objective


def _existing(inst: Instance, base_dir: Path) -> dict[str, list[tuple[int, int]]]:
    """rack -> [(count, install_year)] from horizon.racks.*.existing and existing_racks_csv."""
    h = inst.horizon
    fleet: dict[str, list[tuple[int, int]]] = {}
    if h is None:
        return fleet
    for rack, sched in h.racks.items():
        fleet.setdefault(rack, []).extend((e.count, e.install_year) for e in sched.existing)
    if h.existing_racks_csv:
        path = (base_dir / h.existing_racks_csv).resolve()
        year = h.existing_install_year or h.start_year - 1
        try:
            with path.open(newline="", encoding="utf-8") as f:
                rows = list(csv.DictReader(f))
        except OSError as exc:
            raise InstanceError(f"horizon.existing_racks_csv: cannot read {path}: {exc}") from None
        for k, row in enumerate(rows, start=2):
            try:
                rack, count = row["rack"], int(float(row["count"]))
            except (KeyError, TypeError, ValueError):
                raise InstanceError(
                    f"horizon.existing_racks_csv: {path} line {k}: needs columns rack and count "
                    "(an integer), as in a racks.csv written by `plan solve`"
                ) from None
            if count < 0:
                raise InstanceError(
                    f"horizon.existing_racks_csv: {path} line {k}: count {count} < 0"
                )
            if count:
                fleet.setdefault(rack, []).append((count, year))
    return fleet


def _years(inst: Instance) -> list[int]:
    if inst.horizon is None:
        return [0]
    return [inst.horizon.start_year + k for k in range(inst.horizon.years)]


def build_horizon_data(inst: Instance, catalog: Catalog, base_dir: Path) -> HorizonData:
    """Derive per-year, per-scenario numbers from a validated instance with horizon/scenarios."""
    base = build_plan_data(inst, catalog, multi_period_ok=True)
    site, h = inst.site, inst.horizon
    years = _years(inst)
    n = len(years)
    rate = site.discount_rate_frac
    power = expand(h.site_power_mw if h else None, n, site.power_mw)
    budget = expand(h.capex_budget_usd if h else None, n, site.capex_budget_usd)
    elec = expand(h.electricity_usd_per_mwh if h else None, n, site.electricity_usd_per_mwh)
    schedules = h.racks if h else {}
    for rack in schedules:
        if rack not in catalog.racks:
            raise InstanceError(
                f"horizon.racks.{rack}: unknown rack (catalog: {', '.join(catalog.racks)})"
            )

    lifetime, annuity, opex = {}, {}, {}
    for r in base.racks:
        sched = schedules.get(r)
        life = (
            sched.lifetime_years
            if sched and sched.lifetime_years
            else max(1, round(catalog.racks[r].lifetime_years))
        )
        lifetime[r] = life
        annuity[r] = catalog.racks[r].capex_usd * capital_recovery_factor(rate, life) / USD_PER_MUSD
        opex[r] = catalog.racks[r].opex_usd_per_year / USD_PER_MUSD
    mwh_per_mw = site.pue * site.hours_per_year * site.utilisation_frac
    energy = {(r, y): base.rack_power_mw[r] * mwh_per_mw * elec[k] / USD_PER_MUSD
              for r in base.racks for k, y in enumerate(years)}  # fmt: skip

    fleet = _existing(inst, base_dir)
    in_service, retired = {}, {}
    for r in base.racks:
        for y in years:
            in_service[r, y] = sum(c for c, yi in fleet.get(r, []) if yi <= y < yi + lifetime[r])
            retired[r, y] = sum(c for c, yi in fleet.get(r, []) if yi + lifetime[r] == y)
    max_buy = {}
    for r in base.racks:
        sched = schedules.get(r)
        for y in years:
            if sched and sched.first_year is not None and y < sched.first_year:
                max_buy[r, y] = 0
            elif sched and sched.max_deliveries_per_year is not None:
                max_buy[r, y] = sched.max_deliveries_per_year
            elif r in base.rack_max_count:
                max_buy[r, y] = base.rack_max_count[r]

    scenarios = dict(inst.scenarios or {})
    names = tuple(scenarios) or (BASE_SCENARIO,)
    probability = {s: scenarios[s].probability for s in scenarios} or {BASE_SCENARIO: 1.0}
    price, list_price, demand = {}, {}, {}
    for t, tier in inst.tiers.items():
        ts = h.tiers.get(t) if h else None
        base_price = expand(ts.price_usd_per_mtok if ts else None, n, tier.price_usd_per_mtok)
        base_demand = expand(ts.demand_mtok_per_year if ts else None, n, tier.demand_mtok_per_year)
        input_usd = tier.input_price_usd_per_mtok * tier.input_tokens_per_output_token
        for s in names:
            sc = scenarios.get(s)
            dem = base_demand
            if sc and t in sc.demand_mtok_per_year:
                dem = expand(sc.demand_mtok_per_year[t], n, None)
            prices = base_price
            if sc and t in sc.price_usd_per_mtok:
                prices = expand(sc.price_usd_per_mtok[t], n, None)
            d_scale = sc.demand_scale.get(t, 1.0) if sc else 1.0
            p_scale = sc.price_scale.get(t, 1.0) if sc else 1.0
            for k, y in enumerate(years):
                price[t, y, s] = (prices[k] + input_usd) * p_scale  # $/Mtok == $M/Ttok
                list_price[t, y, s] = prices[k] * p_scale
                if dem[k] is not None:
                    demand[t, y, s] = dem[k] * d_scale / MTOK_PER_TTOK
    shared = years if inst.stochastic.nonanticipativity == "all" else years[:1]
    return HorizonData(
        base=base, years=tuple(years), scenarios=names, probability=probability,
        discount={y: 1 / (1 + rate) ** k for k, y in enumerate(years)},
        site_power_mw={y: float(power[k]) for k, y in enumerate(years)},
        capex_budget_musd={y: budget[k] / USD_PER_MUSD for k, y in enumerate(years) if budget[k] is not None},
        rack_lifetime_years=lifetime, rack_annuity_musd_per_year=annuity, rack_opex_musd_per_year=opex,
        rack_energy_musd_per_year=energy, existing_in_service=in_service, existing_retired=retired,
        max_buy=max_buy, price_musd_per_ttok=price, list_price_usd_per_mtok=list_price,
        demand_ttok_per_year=demand,
        shared_years=tuple(shared),
        cvar_alpha_frac=inst.stochastic.cvar_alpha_frac, cvar_weight_frac=inst.stochastic.cvar_weight_frac,
    )  # fmt: skip


def mean_scenario(data: HorizonData) -> HorizonData:
    """The expected-value problem: one scenario with probability-weighted demand and price."""
    price, list_price, demand = {}, {}, {}
    for t in data.base.tiers:
        for y in data.years:
            price[t, y, BASE_SCENARIO] = sum(
                data.probability[s] * data.price_musd_per_ttok[t, y, s] for s in data.scenarios
            )
            list_price[t, y, BASE_SCENARIO] = sum(
                data.probability[s] * data.list_price_usd_per_mtok[t, y, s] for s in data.scenarios
            )
            if all((t, y, s) in data.demand_ttok_per_year for s in data.scenarios):
                demand[t, y, BASE_SCENARIO] = sum(
                    data.probability[s] * data.demand_ttok_per_year[t, y, s] for s in data.scenarios
                )
    return _replace_scenarios(data, price, list_price, demand)


def single_scenario(data: HorizonData, scenario: str) -> HorizonData:
    """The problem of one scenario alone (perfect information)."""

    def keep(table):
        return {(t, y, BASE_SCENARIO): v for (t, y, s), v in table.items() if s == scenario}

    return _replace_scenarios(data, keep(data.price_musd_per_ttok),
                              keep(data.list_price_usd_per_mtok), keep(data.demand_ttok_per_year))  # fmt: skip


def _replace_scenarios(data: HorizonData, price, list_price, demand) -> HorizonData:
    """`data` with the one scenario `base` (probability 1) and the given prices and demand."""
    return replace(data, scenarios=(BASE_SCENARIO,), probability={BASE_SCENARIO: 1.0},
                   price_musd_per_ttok=price, list_price_usd_per_mtok=list_price,
                   demand_ttok_per_year=demand, cvar_weight_frac=0.0)  # fmt: skip
