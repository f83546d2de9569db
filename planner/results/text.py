"""Terminal rendering of a plan: a compact summary a capacity planner reads at a glance."""

from __future__ import annotations

import json
import math
from typing import Any, cast

import pandas as pd

from planner.inputs.catalog import (
    BASES,
    BASIS_ADJECTIVES,
    BASIS_WORDS,
    DATA_LEVELS,
    LABEL_RANK,
    and_list,
)
from planner.results.files import json_text
from planner.results.present import human, money, words
from planner.results.run import PlanResult, run_info
from planner.results.tables import basis_column, rows


def _money(usd: float | None) -> str:
    if usd is None or (isinstance(usd, float) and math.isnan(usd)):
        return "-"
    return money(usd)


def _num(x: float) -> str:
    """A count in words: 113.6 million, 2.89 quadrillion (never 1.2G or 1e+10)."""
    for scale, word in (
        (1e15, "quadrillion"),
        (1e12, "trillion"),
        (1e9, "billion"),
        (1e6, "million"),
        (1e3, "thousand"),
    ):
        if abs(x) >= scale:
            return f"{x / scale:,.3g} {word}"
    return f"{x:,.0f}" if abs(x) >= 10 else f"{x:,.2f}"


def _tokens_a_year(mtok: float) -> str:
    """Million tokens a year as tokens in words: 2.89e9 Mtok -> '2.89 quadrillion'."""
    return _num(mtok * 1e6)


def _rows(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)
    ]

    def fmt(cells: list[str]) -> str:
        padded = (
            c.rjust(w) if i else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )
        return "  " + "  ".join(padded)

    return [fmt(header), *(fmt(r) for r in rows)]


TERMINAL_TIERS = 40
"""Most tiers the terminal lists (an instance may have thousands; the CSVs have every one)."""


def _largest_tiers(tiers: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """At most TERMINAL_TIERS tiers by revenue a year (the rest said as a count), in the
    instance's order."""
    if len(tiers) <= TERMINAL_TIERS:
        return tiers, 0
    kept = tiers["revenue_usd_per_year"].rank(method="first", ascending=False) <= TERMINAL_TIERS
    return tiers[kept], len(tiers) - TERMINAL_TIERS


def render_table(result: PlanResult) -> str:
    """Racks to buy, power split per tier, totals, status and gap (per year and scenario for
    plans with `horizon:` or `scenarios:`)."""
    if result.multi_period:
        return render_horizon(result)
    rep = result.solved.report
    gap = "-" if rep.mip_gap_frac is None else f"{rep.mip_gap_frac:.2%}"
    inst = result.loaded.instance
    lines = [f"{inst.name}: objective {inst.objective}, status {rep.status}, gap {gap}"]
    unservable = list(result.data.unservable.items())
    for tier, why in unservable[:TERMINAL_TIERS]:
        lines.append(f"  note: {why}; tier {tier} gets no power")
    if len(unservable) > TERMINAL_TIERS:
        lines.append(f"  note: {len(unservable) - TERMINAL_TIERS:,} more tiers get no power")
    if not rep.status.has_solution:
        return "\n".join(lines)
    t = result.tables
    bought = t.racks[t.racks["count"] > 0]
    lines.append("Racks to buy")
    lines += _rows(
        ["rack", "count", "facility MW", "capex"],
        [
            [r.rack, f"{r.count:,}", f"{r.facility_power_mw:,.1f}", _money(r.capex_usd)]
            for r in rows(bought)
        ],
    )
    lines.append("Power split per tier")
    shown, more = _largest_tiers(t.tiers)
    lines += _rows(
        [
            "tier",
            "in/out tokens",
            "$/M output",
            "tokens/s/user",
            "facility MW",
            "share",
            "output tokens/s",
            "output tokens a year",
            "revenue a year",
        ],
        [
            [
                r.tier,
                f"{r.input_tokens_per_request:,}/{r.output_tokens_per_request:,}",
                f"{r.price_usd_per_mtok:,.2f}",
                f"{r.min_tok_s_per_user:g}",
                f"{r.facility_power_mw:,.1f}",
                f"{r.power_share_frac:.1%}",
                _num(r.tok_s),
                _tokens_a_year(r.mtok_per_year),
                _money(r.revenue_usd_per_year),
            ]
            for r in rows(shown)
        ],
    )
    if more:
        lines.append(f"  ... and {more:,} more tiers with less revenue: every tier is in tiers.csv")
    lines += serving_lines(t.serving[t.serving["tier"].isin(set(shown["tier"]))])
    s = t.summary.iloc[0]
    lines.append(
        f"Total: {_num(s.tok_s)} output tokens/s, {_tokens_a_year(s.mtok_per_year)} output tokens a year; "
        f"revenue {_money(s.revenue_usd_per_year)} a year, cost {_money(s.cost_usd_per_year)} a year "
        f"({_money(s.cost_usd_per_mtok)} per million output tokens); capex {_money(s.capex_usd)}; "
        f"facility power {s.facility_power_mw:,.1f} MW of {s.energised_mw:,.0f} MW energised "
        f"(the site: {inst.site.power_mw:,.0f} MW)"
    )
    lines += money_lines(s)
    lines.append(npv_line(result))
    lines.append(claims_line(s))
    if result.solved.dinkelbach:
        lines.append(f"Dinkelbach: {len(result.solved.dinkelbach)} iterations")
    for w in rep.warnings:
        lines.append(f"  solver: {w}")
    return "\n".join(lines)


def serving_lines(serving: pd.DataFrame) -> list[str]:
    """Per tier, the racks of each type it ties up and the phases they run: the
    prefill:decode and LPX:GPU ratios the optimiser chose."""
    used = serving[serving["racks"] > 1e-9]
    if used.empty:
        return []
    per: dict[Any, list[str]] = {}  # one grouped sum (a groupby per tier was quadratic)
    sums = used.groupby(["tier", "rack", "phases"], sort=False)["racks"].sum()
    for key, n in sums.items():
        tier, rack, phases = cast(tuple[Any, Any, Any], key)
        parts = per.setdefault(tier, [])
        if n >= 0.05:
            parts.append(f"{n:,.1f} {rack} ({words(str(phases).replace('+', ', '))})")
    return ["Serving per tier (racks in use, by phase)"] + [
        f"  {tier}: " + "; ".join(parts) for tier, parts in per.items()
    ]


def money_lines(summary: pd.Series) -> list[str]:
    """Capex split into racks and building; revenue realised against list; rent and the
    building's yearly cost when there are any."""
    out = [f"Capex: racks {_money(summary['capex_racks_usd'])}, building "
           f"{_money(summary['capex_facility_usd'])}, total {_money(summary['capex_usd'])}"]  # fmt: skip
    line = (
        f"Revenue: {_money(summary['revenue_usd_per_year'])} a year realised of "
        f"{_money(summary['list_revenue_usd_per_year'])} at list prices"
    )
    extras = [(summary["facility_cost_usd_per_year"], "the building"),
              (summary["rental_cost_usd_per_year"], "rented capacity")]  # fmt: skip
    costs = [f"{_money(v)} a year for {what}" for v, what in extras if v]
    out.append(line + (f"; cost includes {' and '.join(costs)}" if costs else ""))
    return out


def claims_line(summary: pd.Series) -> str:
    """What the revenue rests on, basis by basis (the weakest basis of each route), what the
    run set aside (`--data`), and the level that solves without the weakest basis used."""
    level = summary["data"]
    kept = [b for b in BASES if level == "all" or LABEL_RANK[b] <= LABEL_RANK[level]]
    head = "Data: "
    if level != "all":
        dropped = [BASIS_WORDS[b] for b in BASES if b not in kept]
        head += (
            f"{and_list([BASIS_ADJECTIVES[b] for b in kept])} figures only "
            f"({and_list(dropped)} set aside); "
        )
    shares = [(b, summary.get(basis_column(b)) or 0.0) for b in kept]
    used = [(b, f) for b, f in shares if f >= 0.005]
    if not used:
        return head + "no token revenue."
    line = (
        head
        + "token revenue by the weakest basis it rests on: "
        + and_list([f"{f:.0%} {BASIS_WORDS[b]}" for b, f in used])
    )
    weakest = used[-1][0]
    if weakest == "measured":
        return line + "."
    stricter = DATA_LEVELS[LABEL_RANK[weakest] - 1]
    return line + f"; `--data {stricter}` solves without {BASIS_WORDS[weakest]}."


def render_json(result: PlanResult) -> str:
    """Machine-readable: run info plus the plan kind's tables as records."""
    payload: dict[str, Any] = run_info(result)
    for name, frame in result.tables.files(result.multi_period).items():
        payload[name] = json.loads(frame.to_json(orient="records"))
    return json_text(payload)


def render_horizon(result: PlanResult) -> str:
    """Compact summary of a plan over years or scenarios: status, schedule (first scenario),
    per-year totals, scenarios, VSS and EVPI."""
    t, inst, d = result.tables, result.loaded.instance, result.data
    s = t.summary.iloc[0]
    lines = [f"{inst.name}: objective {inst.objective} over {len(d.years)} year(s) x "
             f"{len(d.scenarios)} scenario(s), status {s['status']}"]  # fmt: skip
    if t.schedule.empty:
        return "\n".join(lines)
    first, many = d.scenarios[0], len(d.scenarios) > 1
    drop = ["scenario"] if inst.horizon is not None else ["scenario", "year"]
    sched = t.schedule
    sched = sched[
        (sched["scenario"] == first)
        & ((sched["bought"] > 0) | (sched["in_service"] > 0) | (sched["retired"] > 0))
    ]
    shared_all = d.shared_years == d.years
    label = (
        ""
        if not many
        else " (shared by every scenario)"
        if shared_all
        else (f" (scenario {first}; {d.shared_years[0]} shared, later years adapt)")
    )
    lines.append(f"Build schedule{label}")
    lines.append(human(sched.drop(columns=drop)).to_string(index=False))
    if inst.horizon is not None:
        sby = t.summary_by_year[t.summary_by_year["scenario"] == first]
        cols = [
            "year",
            "site_power_mw",
            "energised_mw",
            "facility_power_mw",
            "revenue_usd",
            "profit_usd",
            "capex_usd",
        ]
        lines.append(f"Per year{f' ({first})' if many else ''}")
        lines.append(human(sby[cols]).to_string(index=False))
    if many:
        lines.append("Scenarios")
        lines.append(human(t.scenarios.drop(columns="binding")).to_string(index=False))
    v = result.values
    if v is not None:
        per_mtok = inst.objective == "cost_per_token"

        def fmt(x: float | None) -> str:
            return (
                "-"
                if x is None
                else f"${x:,.4f} per million output tokens"
                if per_mtok
                else _money(x)
            )

        lines.append(
            f"Value of the stochastic solution (VSS) {fmt(v.vss)}; "
            f"expected value of perfect information (EVPI) {fmt(v.evpi)}"
        )
        if v.note:
            lines.append(f"  note: {v.note}")
    value = s["objective_value"]
    if value is not None and not (isinstance(value, float) and math.isnan(value)):
        lines.append(objective_line(result, value))
    lines += money_lines(s)
    lines.append(npv_line(result))
    return "\n".join(lines)


def objective_line(result: PlanResult, value: float) -> str:
    """The objective's value with its name (never a bare "objective value")."""
    inst, d = result.loaded.instance, result.data
    h = inst.horizon
    span = f" {h.start_year}-{h.start_year + h.years - 1}" if h else ""
    expected = "expected " if len(d.scenarios) > 1 else ""
    if inst.objective == "cost_per_token":
        return f"Objective: {expected}cost ${value:,.4f} per million output tokens"
    if d.has_cvar:
        return f"Objective: {expected}NPV blended with its CVaR {_money(value)}"
    if h is None:
        what = "profit" if inst.objective == "profit" else "revenue"
        return f"Objective: {expected}{what} {_money(value)} a year"
    what = "profit" if inst.objective == "profit" else "revenue"
    return f"Objective: {expected}NPV of {what}{span} {_money(value)}"


def npv_line(result: PlanResult) -> str:
    """The plan's NPV as planner/results/npv.py defines it, with the value left at the end."""
    inst, s = result.loaded.instance, result.tables.summary.iloc[0]
    rate = inst.site.discount_rate_frac
    h = inst.horizon
    expected = "expected " if len(result.data.scenarios) > 1 else ""
    if h is not None:
        what = f"NPV of profit {h.start_year}-{h.start_year + h.years - 1} at {rate:.0%}"
    else:
        what = f"NPV of five years of this plan's profit at {rate:.0%}"
    return (
        f"{'Expected ' if expected else ''}{what}: {_money(s['npv_usd'])}, with "
        f"{_money(s['value_left_usd'])} of value left at the end (capital not yet charged)"
    )
