"""Instance + catalog -> PlanData (planner/inputs/data.py says what each field means, and the
units): series expanded to years and scenarios, demand curves cut into pieces, serving routes,
the building, the installed fleet and the value left at the end, each checked for numbers the
model cannot hold."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from planner.errors import InstanceError, TimeLimitError
from planner.inputs.catalog import Catalog
from planner.inputs.data import (
    BASE_SCENARIO,
    MTOK_PER_TTOK,
    SECONDS_PER_HOUR,
    SINGLE_YEAR,
    USD_PER_MUSD,
    PlanData,
    SystemTier,
    TierYearScenario,
)
from planner.inputs.finance import annuity_factor, capital_recovery_factor, service_years
from planner.inputs.horizon import Growth, Series
from planner.inputs.instance import MIN_FLOOR_MTOK_PER_YEAR, Instance
from planner.inputs.market import tier_curves
from planner.inputs.parity import parity_prices, seller_costs
from planner.inputs.serving import NoRoute, Route, Workload, route
from planner.inputs.yamlio import read_bounded, strict_number

MAX_EXISTING_RACKS = 10_000_000
"""Most racks of a type an installed fleet may hold (a 1 GW site holds about 10,000)."""


def expand(series: Series | float | None, years: int, default: float) -> list[float]:
    """A per-year list from a list, a {start, growth} or a constant; `default` when absent."""
    return [default if v is None else v for v in expand_optional(series, years, default)]


def expand_optional(
    series: Series | float | None, years: int, default: float | None
) -> list[float | None]:
    """As `expand`, where an absent value (no series, no default) stays None."""
    if series is None:
        return [default] * years
    if isinstance(series, Growth):
        return [series.start * (1 + series.growth_frac_per_year) ** k for k in range(years)]
    if isinstance(series, list):
        return list(series)
    return [float(series)] * years


def workload(inst: Instance, tier: str) -> Workload:
    """What tier `tier` asks of a system: model, input and output tokens, speed, first token."""
    t = inst.tiers[tier]
    return Workload(
        model=t.model or inst.workload,
        input_tokens=t.input_tokens,
        output_tokens=t.output_tokens,
        tok_s_per_user=t.min_tok_s_per_user,
        max_ttft_s=t.max_ttft_s,
    )


def routes(
    inst: Instance,
    catalog: Catalog,
    systems: list[str],
    expired: Callable[[], bool] | None = None,
) -> tuple[dict[SystemTier, Route], dict[str, list[NoRoute]]]:
    """Every (system, tier) route the data allow, and for each tier no system serves, why
    (one reason per allowed system). `expired` is asked every EXPIRED_EVERY tiers."""
    found: dict[SystemTier, Route] = {}
    why: dict[str, list[NoRoute]] = {}
    for k, tier in enumerate(inst.tiers):
        if expired is not None and k % EXPIRED_EVERY == 0:
            _stop_if(expired, "the tiers' routes")
        w = workload(inst, tier)
        for system in systems:
            r = route(catalog, system, w, inst.data_rank)
            if isinstance(r, Route):
                found[system, tier] = r
            else:
                why.setdefault(tier, []).append(r)
    served = {t for _, t in found}
    return found, {t: why[t] for t in inst.tiers if t not in served}


EXPIRED_EVERY = 256
"""Tiers between two looks at the clock while routes are worked out (an 8,000-tier instance
spends about a second there)."""


def _stop_if(expired: Callable[[], bool], step: str) -> None:
    if expired():
        raise TimeLimitError(
            f"the time limit ran out while the plan's numbers were derived (at {step}); no "
            "plan yet: raise --time-limit"
        )


def unserved_words(reasons: list[NoRoute]) -> str:
    """One sentence from the allowed systems' reasons: the fastest system's when every one
    is too slow, else each reason."""
    if all(r.reach_tok_s_per_user is not None for r in reasons):
        return max(reasons, key=lambda r: r.reach_tok_s_per_user or 0.0).why
    return "; ".join(dict.fromkeys(r.why for r in reasons))


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
            content = read_bounded(path).decode("utf-8-sig")  # a byte-order mark is fine
            rows = list(csv.DictReader(io.StringIO(content, newline="")))
        except InstanceError as exc:  # larger than a file may be
            raise InstanceError(f"horizon.existing_racks_csv: {exc}") from None
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise InstanceError(f"horizon.existing_racks_csv: cannot read {path}: {exc}") from None
        for k, row in enumerate(rows, start=2):
            name, text = row.get("rack"), row.get("count")
            count = strict_number(text) if isinstance(text, str) else None
            whole = isinstance(count, int) or (isinstance(count, float) and count.is_integer())
            if not isinstance(name, str) or count is None or not whole:
                raise InstanceError(
                    f"horizon.existing_racks_csv: {path} line {k}: needs columns rack and count "
                    f"(a whole number, got {text!r}), as in a racks.csv written by `plan solve`"
                )
            count = int(count)
            if not 0 <= count <= MAX_EXISTING_RACKS:
                raise InstanceError(
                    f"horizon.existing_racks_csv: {path} line {k}: count {count:,} is outside "
                    f"0 to {MAX_EXISTING_RACKS:,}"
                )
            if count:
                fleet.setdefault(name, []).append((count, year))
    return fleet


def _tier_tables(
    inst: Instance, years: list[int], names: tuple[str, ...]
) -> tuple[
    dict[TierYearScenario, float], dict[TierYearScenario, float], dict[TierYearScenario, float]
]:
    """price (incl. input tokens, $M/Ttok), list price ($/Mtok) and demand (Ttok/yr) per
    (tier, year, scenario), with the horizon's series and the scenarios' replacements."""
    h, n = inst.horizon, len(years)
    scenarios = dict(inst.scenarios or {})
    realised = {
        t: x.price_realisation_frac or inst.site.price_realisation_frac
        for t, x in inst.tiers.items()
    }
    price, list_price, demand = {}, {}, {}
    for t, tier in inst.tiers.items():
        ts = h.tiers.get(t) if h else None
        base_price = expand(ts.price_usd_per_mtok if ts else None, n, tier.price_usd_per_mtok)
        base_demand = expand_optional(
            ts.demand_mtok_per_year if ts else None, n, tier.demand_mtok_per_year
        )
        input_usd = tier.input_price_usd_per_mtok * tier.input_per_output
        for s in names:
            sc = scenarios.get(s)
            dem, prices = base_demand, base_price
            if sc and t in sc.demand_mtok_per_year:
                dem = expand_optional(sc.demand_mtok_per_year[t], n, None)
            if sc and t in sc.price_usd_per_mtok:
                prices = expand(sc.price_usd_per_mtok[t], n, 0.0)
            d_scale = sc.demand_scale.get(t, 1.0) if sc else 1.0
            p_scale = sc.price_scale.get(t, 1.0) if sc else 1.0
            for k, y in enumerate(years):
                # input tokens follow the tier's output-price path (deflation, replacements)
                follow = prices[k] / tier.price_usd_per_mtok if tier.price_usd_per_mtok > 0 else 1.0
                list_price[t, y, s] = prices[k] * p_scale
                price[t, y, s] = (prices[k] + input_usd * follow) * p_scale * realised[t]
                forecast = dem[k]
                if forecast is not None:
                    demand[t, y, s] = forecast * d_scale / MTOK_PER_TTOK
    return price, list_price, demand


def _facility(
    inst: Instance, power_mw: list[float], budget: list[float | None], years: list[int]
) -> tuple[dict[int, float], dict[int, float], dict[int, float]]:
    """Building capex per year (each newly energised MW of the envelope, at
    facility_capex_usd_per_mw) and its yearly cost (annuity over the facility's service years
    from the year each part is built, plus opex on the envelope), $M. The whole envelope is
    paid for, used or not. InstanceError when a year's budget does not cover its building."""
    site = inst.site
    capex = dict.fromkeys(years, 0.0)
    cost = dict.fromkeys(years, 0.0)
    opex = dict.fromkeys(years, 0.0)
    if site.facility_capex_usd_per_mw is None and not site.facility_opex_usd_per_mw_year:
        return capex, cost, opex
    per_mw = (site.facility_capex_usd_per_mw or 0.0) / USD_PER_MUSD
    life = service_years(site.facility_lifetime_years)
    crf = capital_recovery_factor(site.discount_rate_frac, life)
    built = 0.0
    for k, y in enumerate(years):
        new_mw = max(0.0, power_mw[k] - built)
        built = max(built, power_mw[k])
        capex[y] = new_mw * per_mw
        for j in range(k, min(k + life, len(years))):
            cost[years[j]] += capex[y] * crf
        opex[y] = built * site.facility_opex_usd_per_mw_year / USD_PER_MUSD
        cost[y] += opex[y]
        if budget[k] is not None and capex[y] * USD_PER_MUSD > budget[k]:  # type: ignore[operator]
            where = (
                "site.capex_budget_usd"
                if inst.horizon is None
                else f"horizon.capex_budget_usd[{k}]"
            )
            raise InstanceError(
                f"{where}: ${budget[k]:,.0f} does not cover the building (${capex[y] * USD_PER_MUSD:,.0f} "
                f"= {new_mw:,.0f} MW x ${site.facility_capex_usd_per_mw:,.0f} per MW); raise the "
                "budget or lower site.facility_capex_usd_per_mw"
            )
    return capex, cost, opex


def build_plan_data(
    inst: Instance,
    catalog: Catalog,
    base_dir: Path | None = None,
    expired: Callable[[], bool] | None = None,
) -> PlanData:
    """Derive the model's indexed numbers from a validated instance and catalog.

    `base_dir` is the instance file's folder (for `horizon.existing_racks_csv`). `expired` is
    asked between steps (and while routes are worked out): True stops with TimeLimitError
    (exit 5), so a time limit holds on an instance whose numbers take long to derive.
    """
    stop = expired or (lambda: False)
    site, h = inst.site, inst.horizon
    years = [h.start_year + k for k in range(h.years)] if h else [SINGLE_YEAR]
    n = len(years)
    systems = list(inst.systems or sorted(catalog.systems))
    schedules = h.racks if h else {}
    for rack in schedules:
        if rack not in catalog.racks:
            raise InstanceError(
                f"horizon.racks.{rack}: unknown rack (catalog: {', '.join(catalog.racks)})"
            )
    fleet = _existing(inst, base_dir or Path("."))
    for rack in fleet:
        if rack not in catalog.racks:
            raise InstanceError(
                f"horizon.existing_racks_csv: unknown rack {rack} "
                f"(catalog: {', '.join(catalog.racks)})"
            )
    used = {r for s in systems for r in catalog.systems[s].rack_names}
    used |= {x.rack for x in inst.rentals.values()}
    used |= set(inst.lease_out.usd_per_gpu_hour if inst.lease_out else ())  # bought to lease
    # every installed rack draws power and costs opex, whether or not a system uses it
    racks = sorted(used | {r for r, items in fleet.items() if any(c for c, _ in items)})
    found, unservable = routes(inst, catalog, systems, stop)
    _stop_if(stop, "the site's series")
    tok_s = {k: r.tok_s for k, r in found.items()}
    rate = site.discount_rate_frac
    power = expand(h.site_power_mw if h else None, n, site.power_mw)
    budget = expand_optional(h.capex_budget_usd if h else None, n, site.capex_budget_usd)
    elec = expand(h.electricity_usd_per_mwh if h else None, n, site.electricity_usd_per_mwh)
    util = {t: x.utilisation_frac or site.utilisation_frac for t, x in inst.tiers.items()}
    mwh_per_mw = site.pue * site.hours_per_year * site.utilisation_frac
    energisation = site.energisation
    if energisation is None:
        facility_capex, facility_cost, facility_opex = _facility(
            inst, [float(p) for p in power], budget, years
        )
    else:  # the building follows the blocks the plan energises (model expressions)
        facility_capex = facility_cost = facility_opex = dict.fromkeys(years, 0.0)

    life: dict[str, int] = {}
    for r in racks:
        sched = schedules.get(r)
        given = sched.lifetime_years if sched and sched.lifetime_years else None
        life[r] = given or service_years(catalog.racks[r].lifetime_years)
    in_service, retired, max_deliveries = {}, {}, {}
    for r in racks:
        sched = schedules.get(r)
        for y in years:
            in_service[r, y] = sum(c for c, yi in fleet.get(r, []) if yi <= y < yi + life[r])
            retired[r, y] = sum(c for c, yi in fleet.get(r, []) if yi + life[r] == y)
            if sched and sched.first_year is not None and y < sched.first_year:
                max_deliveries[r, y] = 0
            elif sched and sched.max_deliveries_per_year is not None:
                max_deliveries[r, y] = sched.max_deliveries_per_year

    names = tuple(inst.scenarios or ()) or (BASE_SCENARIO,)
    _stop_if(stop, "the tiers' prices and forecasts")
    price, list_price, demand = _tier_tables(inst, years, names)
    _check_derived(inst, list_price, demand, {y: float(power[k]) for k, y in enumerate(years)})
    annuity = {
        r: catalog.racks[r].capex_usd * capital_recovery_factor(rate, life[r]) / USD_PER_MUSD
        for r in racks
    }
    facility_musd_per_mw_year = (
        (site.facility_capex_usd_per_mw or 0.0)
        * capital_recovery_factor(rate, service_years(site.facility_lifetime_years))
        + site.facility_opex_usd_per_mw_year
    ) / USD_PER_MUSD
    energy = {
        (r, y): catalog.racks[r].power_kw / 1e3 * mwh_per_mw * elec[k] / USD_PER_MUSD  # type: ignore[operator]
        for r in racks
        for k, y in enumerate(years)
    }
    owned = {  # a rack's yearly cost to its owner, building included ($M)
        (r, y): annuity[r]
        + catalog.racks[r].opex_usd_per_year / USD_PER_MUSD
        + energy[r, y]
        + site.pue * catalog.racks[r].power_kw / 1e3 * facility_musd_per_mw_year
        for r in racks
        for y in years
    }
    _stop_if(stop, "the demand curves")
    seller = seller_costs(inst, catalog, years, owned)
    parity = parity_prices(inst, years, found, price, list_price, seller)
    market = _market(inst, years, names, price, list_price, demand, parity)
    demand = {k: v for k, v in demand.items() if k not in market["curves"]}
    lease = inst.lease_out
    lease_revenue = (
        {}
        if lease is None
        else {
            (r, y): catalog.racks[r].accelerators
            * price
            * site.hours_per_year
            * lease.utilisation_frac
            * (1 + lease.growth_frac_per_year) ** k
            / USD_PER_MUSD
            for r, price in lease.usd_per_gpu_hour.items()
            for k, y in enumerate(years)
        }
    )
    building = _building(inst, years)
    return PlanData(
        **market,
        **building,
        **_ends(inst, years, life, annuity, building),
        lease_revenue_musd_per_year=lease_revenue,
        name=inst.name,
        objective=inst.objective,
        years=tuple(years),
        scenarios=names,
        shared_years=tuple(years if inst.stochastic.nonanticipativity == "all" else years[:1]),
        probability=(
            {s: sc.probability for s, sc in inst.scenarios.items()}
            if inst.scenarios
            else {BASE_SCENARIO: 1.0}
        ),
        # operating cash at the end of each year of a plan over years (capex at the start:
        # each annuity then repays its capex exactly, planner/results/npv.py); a single-year
        # plan's objective is the year's profit itself
        discount={y: 1 / (1 + rate) ** (k + 1) if h else 1.0 for k, y in enumerate(years)},
        discount_rate_frac=rate,
        racks=tuple(racks),
        systems=tuple(systems),
        tiers=tuple(inst.tiers),
        servable=tuple(tok_s),
        pue=site.pue,
        tier_utilisation_frac=util,
        tier_price_realisation_frac={
            t: x.price_realisation_frac or site.price_realisation_frac
            for t, x in inst.tiers.items()
        },
        facility_capex_musd=facility_capex,
        facility_cost_musd=facility_cost,
        facility_opex_musd=facility_opex,
        site_power_mw={y: float(power[k]) for k, y in enumerate(years)},  # type: ignore[arg-type]
        capex_budget_musd={
            y: b / USD_PER_MUSD - facility_capex[y]
            for y, b in zip(years, budget, strict=True)
            if b is not None
        },
        rack_power_mw={r: catalog.racks[r].power_kw / 1e3 for r in racks},
        rack_capex_musd={r: catalog.racks[r].capex_usd / USD_PER_MUSD for r in racks},
        rack_description={r: catalog.racks[r].description for r in racks},
        rack_service_years=life,
        rack_annuity_musd_per_year=annuity,
        rack_opex_musd_per_year={
            r: catalog.racks[r].opex_usd_per_year / USD_PER_MUSD for r in racks
        },
        rack_energy_musd_per_year=energy,
        existing_in_service=in_service,
        existing_retired=retired,
        rack_max_count={
            r: lim.max_count
            for r, lim in inst.racks.items()
            if lim.max_count is not None and r in racks
        },
        max_deliveries=max_deliveries,
        first_year_idle_frac={
            (r, sched.first_year): 1.0 - sched.first_year_frac
            for r, sched in schedules.items()
            if r in racks and sched.first_year in years and sched.first_year_frac < 1.0
        },
        system_racks={(s, t, r): q for (s, t), rt in found.items() for r, q in rt.racks.items()},
        system_power_mw={
            k: sum(q * catalog.racks[r].power_kw / 1e3 for r, q in rt.racks.items())
            for k, rt in found.items()
        },
        routes=found,
        tok_s=tok_s,
        throughput_ttok_per_year={
            (sy, t): v * SECONDS_PER_HOUR * site.hours_per_year * util[t] / 1e12
            for (sy, t), v in tok_s.items()
        },
        price_musd_per_ttok=price,
        list_price_usd_per_mtok=list_price,
        demand_ttok_per_year=demand,
        tier_fixed_share_frac={
            t: x.power_share_frac for t, x in inst.tiers.items() if x.power_share_frac is not None
        },
        tier_min_share_frac={
            t: x.min_power_share_frac
            for t, x in inst.tiers.items()
            if x.min_power_share_frac is not None
        },
        tier_max_share_frac={
            t: x.max_power_share_frac
            for t, x in inst.tiers.items()
            if x.max_power_share_frac is not None
        },
        cvar_alpha_frac=inst.stochastic.cvar_alpha_frac,
        cvar_weight_frac=inst.stochastic.cvar_weight_frac,
        unservable={t: unserved_words(r) for t, r in unservable.items()},
        rentals={n: x.rack for n, x in inst.rentals.items()},
        rental_cost_musd_per_year={
            n: catalog.racks[x.rack].accelerators
            * x.usd_per_gpu_hour
            * site.hours_per_year
            / USD_PER_MUSD
            for n, x in inst.rentals.items()
        },
        rental_max_racks={
            n: x.max_racks for n, x in inst.rentals.items() if x.max_racks is not None
        },
        facility_capex_musd_per_mw=(site.facility_capex_usd_per_mw or 0.0) / USD_PER_MUSD,
        facility_musd_per_mw_year=facility_musd_per_mw_year,
        seller_usd_per_rack_hour=seller,
    )


MAX_PRICE_USD_PER_MTOK = 1e6
"""The most a tier's price may reach once paths and scales apply (the field's own limit)."""
MAX_DEMAND_MTOK_PER_YEAR = 1e15
MIN_FLOOR_MW = 1e-6
"""The smallest power a share floor may be worth (a thousand times the solver's 1e-9 MW)."""


def _check_derived(
    inst: Instance,
    list_price: dict[TierYearScenario, float],
    demand: dict[TierYearScenario, float],
    site_power_mw: dict[int, float],
) -> None:
    """Prices and forecasts after growth paths and scenario scales stay within the limits a
    field given directly has: a price path growing 100x a year for 50 years, or a price_scale of
    1e300, is refused here by name instead of reaching the solver as numbers it cannot use.
    Floors are refused when only the solver's tolerance could see them: a power share of a
    site worth under MIN_FLOOR_MW, a must-serve forecast under MIN_FLOOR_MTOK_PER_YEAR."""
    where = "horizon.tiers.{t} or scenarios.{s}" if inst.scenarios else "horizon.tiers.{t}"
    for t, x in inst.tiers.items():
        for y, mw in site_power_mw.items():
            if 0 < x.share_floor_frac * mw < MIN_FLOOR_MW:
                field = "power_share_frac" if x.power_share_frac else "min_power_share_frac"
                raise InstanceError(
                    f"tiers.{t}.{field}: {x.share_floor_frac:g} of {mw:g} MW"
                    f"{'' if y == SINGLE_YEAR else f' in {y}'} is {x.share_floor_frac * mw:.3g} MW, "
                    f"below the {MIN_FLOOR_MW:g} MW a plan can be checked against; give 0 or a "
                    "larger share or site"
                )
    for (t, y, s), p in list_price.items():
        if not p <= MAX_PRICE_USD_PER_MTOK:
            raise InstanceError(
                f"tiers.{t}: the price reaches ${p:.3g} per Mtok"
                f"{'' if y == SINGLE_YEAR else f' in {y}'}{'' if s == BASE_SCENARIO else f', scenario {s}'}, "
                f"above the ${MAX_PRICE_USD_PER_MTOK:,.0f} allowed (see {where.format(t=t, s=s)})"
            )
    for (t, y, s), v in demand.items():
        if inst.objective == "cost_per_token" and 0 < v * MTOK_PER_TTOK < MIN_FLOOR_MTOK_PER_YEAR:
            raise InstanceError(
                f"tiers.{t}.demand_mtok_per_year: {v * MTOK_PER_TTOK:.3g} Mtok a year"
                f"{'' if y == SINGLE_YEAR else f' in {y}'}{'' if s == BASE_SCENARIO else f', scenario {s}'}"
                f" must be served in full under cost_per_token, and is below the "
                f"{MIN_FLOOR_MTOK_PER_YEAR:g} Mtok a plan can be checked against; give 0 or at least that"
            )
        if not v * MTOK_PER_TTOK <= MAX_DEMAND_MTOK_PER_YEAR:
            raise InstanceError(
                f"tiers.{t}: the forecast reaches {v * MTOK_PER_TTOK:.3g} Mtok a year"
                f"{'' if y == SINGLE_YEAR else f' in {y}'}{'' if s == BASE_SCENARIO else f', scenario {s}'}, "
                f"above the {MAX_DEMAND_MTOK_PER_YEAR:.0e} allowed (see {where.format(t=t, s=s)})"
            )


def _market(
    inst: Instance,
    years: list[int],
    names: tuple[str, ...],
    price: dict[TierYearScenario, float],
    list_price: dict[TierYearScenario, float],
    demand: dict[TierYearScenario, float],
    parity: dict[TierYearScenario, tuple[float, str]],
) -> dict:
    """Demand curves (not under cost_per_token, which serves reference volumes in full),
    capped at rental parity where given, and their revenue pieces; tokens floors in product
    terms."""
    curves = {}
    if inst.objective != "cost_per_token":
        curves = tier_curves(
            {t: x.demand_curve for t, x in inst.tiers.items() if x.demand_curve is not None},
            list_price,
            demand,
            {t: x.price_usd_per_mtok for t, x in inst.tiers.items()},
            {t: (x.demand_mtok_per_year or 0.0) / MTOK_PER_TTOK for t, x in inst.tiers.items()},
            parity,
        )
    width, piece_price = {}, {}
    for key, curve in curves.items():
        realised_per_list = price[key] / list_price[key]  # realisation x (1 + input revenue)
        for j, (w, slope) in enumerate(curve.pieces()):
            width[key[0], key[1], j, key[2]] = w
            piece_price[key[0], key[1], j, key[2]] = slope * realised_per_list
    floors = {
        (t, y, s): x.min_mtok_per_year / MTOK_PER_TTOK
        for t, x in inst.tiers.items()
        if x.min_mtok_per_year
        for y in years
        for s in names
    }
    shares = {t: x.min_token_share_frac for t, x in inst.tiers.items() if x.min_token_share_frac}
    return {
        "curves": curves,
        "curve_width_ttok": width,
        "curve_price_musd_per_ttok": piece_price,
        "tier_min_ttok_per_year": floors,
        "tier_min_token_share_frac": shares,
    }


def _building(inst: Instance, years: list[int]) -> dict:
    """The energisation decision's numbers (block size, the years it may happen, a block's
    capex, yearly capital recovery and opex); zeros without `site.energisation`."""
    site = inst.site
    life = service_years(site.facility_lifetime_years)
    e = site.energisation
    if e is None:
        return {"facility_service_years": life}
    capex = (site.facility_capex_usd_per_mw or 0.0) * e.block_mw / USD_PER_MUSD
    lead = e.lead_time_years if inst.horizon is not None else 0  # one year: the steady state
    return {
        "block_mw": e.block_mw,
        "energised_at_start_mw": e.energised_mw,
        "energise_years": tuple(years[lead:]),
        "block_capex_musd": capex,
        "block_annuity_musd_per_year": capex
        * capital_recovery_factor(site.discount_rate_frac, life),
        "block_opex_musd_per_year": site.facility_opex_usd_per_mw_year * e.block_mw / USD_PER_MUSD,
        "facility_service_years": life,
    }


def _ends(
    inst: Instance,
    years: list[int],
    life: dict[str, int],
    rack_annuity: dict[str, float],
    building: dict,
) -> dict:
    """What each purchase leaves uncharged at the plan's end (its remaining annuities there),
    and the share of it counted as value (`horizon.value_left_frac`); plans over years only.
    `rack_annuity`: $M a year per rack; `building`: `_building`'s numbers."""
    if inst.horizon is None:
        return {}
    rate, n = inst.site.discount_rate_frac, len(years)
    block_annuity = building.get("block_annuity_musd_per_year", 0.0)
    building_life = building["facility_service_years"]
    rack_left = {}
    for r, annuity in rack_annuity.items():
        for k, y in enumerate(years):
            left = annuity * annuity_factor(rate, life[r] - (n - k))
            if left > 0:
                rack_left[r, y] = left
    block_left = {
        y: block_annuity * annuity_factor(rate, building_life - (n - k))
        for k, y in enumerate(years)
    }
    return {
        "value_left_frac": inst.horizon.value_left_frac,
        "rack_left_musd": rack_left,
        "block_left_musd": {y: v for y, v in block_left.items() if v > 0},
        "end_discount": 1 / (1 + rate) ** n,
    }
