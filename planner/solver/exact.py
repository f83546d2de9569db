"""The reported plan checked in exact arithmetic, and repaired when a solver tolerance let it
through.

HiGHS accepts rows and integers off by its tolerances (here 1e-9 in model units: MW, $M, Ttok).
The plan users see has whole racks (rounded), so after every solve:

1. Each integer limit (capex budget, facility power, supply, deliveries) is checked on the
   rounded purchases with `fractions.Fraction` on the decimal numbers as written (0.1 MW is
   exactly 1/10): no tolerance. A violated limit is lowered by its exact excess and ten times
   the solver's row tolerance and the model re-solved, up to REPAIRS times; the parameters are
   then restored.
2. When a purchase is fractional, the purchases are fixed at the whole racks and the rest
   (units, sales) re-solved, so that every continuous number is that of whole racks. If no
   plan runs on them, the racks the solved units use are rounded up instead (when that breaks
   no limit: status `feasible`, not proven optimal); failing that the run is an error.
3. Power-share floors and must-serve forecasts are checked relative to their size: one that
   the whole-rack plan misses (a floor hidden inside the solver's absolute tolerance) is an
   error that names it, never `optimal`. The loader refuses the tiny shares, tokens floors and
   must-serve forecasts that could cause one (instance.MIN_SHARE_FRAC,
   MIN_FLOOR_MTOK_PER_YEAR), so this is a guard, not a path a valid instance takes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from fractions import Fraction
from typing import Any

import pyomo.environ as pyo

from planner.inputs.data import USD_PER_MUSD, PlanData
from planner.model import first_stage_vars, whole_racks_alive
from planner.solver import highs
from planner.solver.highs import SolveStatus
from planner.solver.run import PlanRun

REPAIRS = 3

Counts = dict[tuple[str, int, str], int]


def whole_racks(m: pyo.ConcreteModel, up: bool = False) -> Counts:
    """Purchases rounded to whole racks: to nearest; or (`up`) enough whole racks, year by
    year, to cover every rack the solved units use, in service (purchases only added)."""
    counts = {key: round(var.value or 0.0) for key, var in m.racks_bought.items()}
    if not up:
        return counts
    for y, o in m.FLEET:  # in year order: a rack added now also serves the later years
        users = m.fleet_users[y, o]
        for rack, uses in m.rack_users.items():
            used = max(
                sum(n * (m.units[sy, t, y, s].value or 0.0) for sy, t, n in uses)
                - sum(m.rented[n, y, s].value or 0.0 for n in m.rentals_of[rack])
                for s in users
            )
            short = math.ceil(used - 1e-12) - whole_racks_alive(m, counts, rack, y, o)
            if short > 0:
                counts[rack, y, o] += short
    return counts


def whole_blocks(m: pyo.ConcreteModel) -> dict[tuple[int, str], int]:
    """Blocks energised per fleet state, rounded to whole blocks."""
    return {key: round(var.value or 0.0) for key, var in m.blocks_energised.items()}


def limit_violations(m: pyo.ConcreteModel, d: PlanData, counts: Counts) -> list[tuple]:
    """(param name, index, excess in model units, words) for every integer limit the whole
    racks break, computed exactly on the model's current parameter values (a study or an
    explanation may have moved them since the data step)."""
    out: list[tuple] = []

    def f(x: object) -> Fraction:
        """The decimal a number was written as (0.1 MW is 1/10, not the binary float)."""
        return Fraction(repr(float(pyo.value(x))))

    pue = f(m.pue)
    blocks = whole_blocks(m)
    for y, o in m.FLEET:
        in_service = {r: whole_racks_alive(m, counts, r, y, o) for r in d.racks}
        power = pue * sum(f(m.rack_power_mw[r]) * n for r, n in in_service.items())
        site = f(m.site_power_mw[y])
        if d.energises:  # power within the whole blocks energised, and they within the site
            on = sum(n for (yb, ob), n in blocks.items() if yb <= y and ob == m.owner[yb, o])
            energised = Fraction(repr(d.energised_at_start_mw)) + f(m.block_mw) * on
            if power > energised:
                out.append(
                    (
                        "block_mw",
                        None,
                        float((power - energised) / on) if on else 0.0,
                        f"facility power {float(power):.9g} MW > {float(energised):.9g} MW energised in {y}",
                    )
                )
            power = energised
        if power > site:
            out.append(
                (
                    "site_power_mw",
                    y,
                    float(power - site),
                    f"facility power {float(power):.9g} MW > {float(site):.9g} MW in {y}",
                )
            )
        if y in m.BUDGET_YEARS:
            capex = sum(f(m.rack_capex_musd[r]) * counts[r, y, o] for r in d.racks)
            capex += f(m.block_capex_musd) * blocks.get((y, o), 0)
            budget = f(m.capex_budget_musd[y])
            if capex > budget:
                out.append(
                    (
                        "capex_budget_musd",
                        y,
                        float(capex - budget),
                        f"capex ${float(capex) * USD_PER_MUSD:,.2f} > budget "
                        f"${float(budget) * USD_PER_MUSD:,.2f} in {y}",
                    )
                )
    for r, y, o in m.DELIVERY_FLEET:
        most = pyo.value(m.max_deliveries[r, y])
        if counts[r, y, o] > most:
            out.append(
                (
                    "max_deliveries",
                    (r, y),
                    float(counts[r, y, o] - most),
                    f"{counts[r, y, o]} {r} delivered in {y} > {most:g}",
                )
            )
    for r in m.LIMITED_RACKS:
        most = pyo.value(m.rack_max_count[r])
        for s in m.PATHS:
            total = sum(counts[r, y, m.owner[y, s]] for y in d.years)
            if total > most:
                out.append(
                    (
                        "rack_max_count",
                        r,
                        float(total - most),
                        f"{total} {r} bought > max_count {most:g}",
                    )
                )
    return out


def _param(m: pyo.ConcreteModel, name: str, index: object) -> Any:
    """A limit's parameter: indexed, or a scalar one (index None)."""
    component = getattr(m, name)
    return component[index] if index is not None else component


def _tighten(run: PlanRun, violations: list[tuple]) -> None:
    """Lower each violated limit by its excess and by ten times the solver's row tolerance
    (relative to the limit), so that the solver cannot accept the same whole racks again
    (through the run: a compiled matrix holds the old limits)."""
    for name, index, excess, _ in violations:
        param = _param(run.model, name, index)
        value = pyo.value(param)
        margin = 10 * highs.PRIMAL_FEASIBILITY_TOLERANCE * max(1.0, abs(value))
        run.set_value(param, value - excess - margin)


def exact_plan(run: PlanRun, solve: Callable[[], Any], solved: Any) -> Any:
    """Check `solved` (from `solve()`, which re-solves the run's model) on whole racks; repair
    or report.

    Returns the final PlanSolve: the same when the plan was already exact.
    """
    m, d = run.model, run.data
    if not solved.report.status.has_solution:
        return solved
    original: dict[tuple[str, object], float] = {}
    violations: list[tuple] = []
    for _ in range(REPAIRS):
        violations = limit_violations(m, d, whole_racks(m))
        if not violations:
            break
        for name, index, _, _ in violations:
            original.setdefault((name, index), pyo.value(_param(m, name, index)))
        _tighten(run, violations)
        solved = solve()
        if not solved.report.status.has_solution:
            break
    for (name, index), value in original.items():
        run.set_value(_param(m, name, index), value)
    if not solved.report.status.has_solution:
        return solved
    if original:  # re-solved after a repair: check the last plan (otherwise just checked)
        violations = limit_violations(m, d, whole_racks(m))
    if violations:
        return _error(solved, "whole racks break " + "; ".join(v[3] for v in violations))
    return _on_whole_racks(m, d, solve, solved)


FLOOR_REL_TOL = 1e-6
"""A floor (power share, forecast served) counts as met within this fraction of itself."""


def floors_unmet(m: pyo.ConcreteModel, d: PlanData) -> list[str]:
    """Power-share floors and must-serve forecasts the solved units and sales miss by more
    than FLOOR_REL_TOL of the floor (a tiny floor can hide inside an absolute tolerance)."""
    out = []
    for t, y, s in [(t, y, s) for t in m.TIERS for y in m.YEARS for s in m.SCENARIOS]:
        share = d.tier_fixed_share_frac.get(t, d.tier_min_share_frac.get(t))
        if share:
            floor = share * pyo.value(m.site_power_mw[y])
            power = pyo.value(m.tier_power_mw[t, y, s], exception=False) or 0.0
            if power < floor * (1 - FLOOR_REL_TOL):
                out.append(f"the {t} tier's power share ({floor:.3g} MW) in {y}, {s}")
    if d.must_serve_forecasts:
        for (t, y, s), demand in d.demand_ttok_per_year.items():
            made = sum(
                pyo.value(m.throughput_ttok_per_year[sy, t]) * (m.units[sy, t, y, s].value or 0.0)
                for sy in m.tier_servers[t]
            )
            if made < demand * (1 - FLOOR_REL_TOL):
                out.append(f"the {t} forecast ({demand * 1e6:.3g} Mtok/yr) in {y}, {s}")
    return out


def _fixed_at(m: pyo.ConcreteModel, solve: Callable[[], Any], counts: Counts) -> Any:
    """Solve with the purchases fixed at `counts`, then free them again."""
    fixed = [(var, var.fixed) for var in first_stage_vars(m)]
    for key, var in m.racks_bought.items():
        var.fix(counts[key])
    for var in m.blocks_energised.values():
        var.fix(round(var.value or 0.0))
    try:
        return solve()
    finally:
        for var, was_fixed in fixed:
            if not was_fixed:
                var.unfix()


def _on_whole_racks(
    m: pyo.ConcreteModel, d: PlanData, solve: Callable[[], Any], solved: Any
) -> Any:
    """Re-solve everything but the purchases with them fixed at whole racks (to nearest; if no
    plan runs on those, any fraction rounded up, when that breaks no limit: status feasible)."""
    spent = solved.report.solve_s
    if all(abs((v.value or 0.0) - round(v.value or 0.0)) <= 1e-9 for v in first_stage_vars(m)):
        unmet = floors_unmet(m, d)  # already whole racks: nothing to re-solve
        if unmet:
            return _floors_error(solved, unmet)
        for var in first_stage_vars(m):  # the exact whole numbers, not 4.9999999999
            if not var.fixed:
                var.set_value(round(var.value or 0.0), skip_validation=True)
        return solved
    up = whole_racks(m, up=True)
    again = _fixed_at(m, solve, whole_racks(m))
    if again.report.status.has_solution:
        unmet = floors_unmet(m, d)
        if unmet:  # the solver's tolerance covered a floor: the plan found does not meet it
            return _floors_error(again, unmet)
        return replace(again, report=replace(again.report, solve_s=spent + again.report.solve_s))
    if again.report.status != SolveStatus.INFEASIBLE:  # out of time, not proven impossible
        return solved
    if not limit_violations(m, d, up):
        again = _fixed_at(m, solve, up)
        if again.report.status.has_solution:
            report = replace(
                again.report,
                status=SolveStatus.FEASIBLE,
                solve_s=spent + again.report.solve_s,
                termination="a fraction of a rack rounded up to a whole rack "
                "(a forecast below the solver's resolution); not proven optimal",
            )
            return replace(again, report=report)
    return _error(
        solved,
        "no plan runs on whole racks: the solver served a forecast with a fraction of a rack "
        "(a forecast below its resolution of about 1e-9 of a rack's yearly output?)",
    )


def _floors_error(solved: Any, unmet: list[str]) -> Any:
    return _error(
        solved,
        "the plan on whole racks misses " + "; ".join(unmet) + ", below the "
        "solver's resolution of about 1e-9 in model units; scale the inputs or drop "
        "the floor",
    )


def _error(solved: Any, why: str) -> Any:
    report = replace(solved.report, status=SolveStatus.ERROR, termination=why)
    return replace(solved, report=report)
