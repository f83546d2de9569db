"""Run the explanation steps on a solved baseline and collect tables and sentences."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from planner.errors import UsageError
from planner.explanation.alternatives import alternatives_frame, excluding, near_optimal
from planner.explanation.base import Baseline
from planner.explanation.binding import binding_frame, binding_rows
from planner.explanation.elastic import (
    elastic_frame,
    elastic_rows,
    power_and_budget_together,
    summary_sentence,
)
from planner.explanation.entry import entry_frame, entry_rows
from planner.explanation.marginals import marginal_rows, marginals_frame
from planner.solver.highs import SolveStatus


@dataclass(frozen=True)
class Explanation:
    """Every table `plan explain` writes, plus the plain-word lines of the summary."""

    base: Baseline
    marginals: pd.DataFrame
    binding: pd.DataFrame
    entry: pd.DataFrame
    alternatives: pd.DataFrame
    infeasibility: pd.DataFrame
    lines: list[tuple[str, str, str]] = field(default_factory=list)
    """(section, subject, words) rows of explain.csv."""
    plan: Any = None
    """The plan as `plan solve` solves it (the user's settings): the racks and tables explain
    writes, so every command writes one purchase order. The explanations come from `base`,
    the same model solved to the tight gap finite differences need; the two plans agree to
    the user's gap."""

    @property
    def status(self) -> SolveStatus:
        return self.base.status

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.lines, columns=["section", "subject", "words"])


def _money_rate(x: float | None, unit: str) -> str:
    if x is None or x != x:
        return "n/a"
    if unit.startswith("usd_per_mtok"):
        x = round(x, 4)
        return f"{'-' if x < 0 else ''}${abs(x):,.4f}".rstrip("0").rstrip(".") + "/Mtok"
    per = "/yr" if unit.startswith("usd_per_year") else " of NPV"
    sign = "-" if x < 0 else ""
    x = abs(x)
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if x >= scale:
            return f"{sign}${x / scale:,.3g}{suffix}{per}"
    # under $1,000: cents, never scientific notation (a finite difference of 3.6e-06 is $0)
    cents = round(x, 2)
    return f"{sign if cents else ''}${cents:,.2f}".replace(".00", "") + per


def _marginal_line(row: dict) -> str:
    unit = row["objective_unit"]
    text = (
        f"{row['description']}: {_money_rate(row['dual_fixed_racks'], unit)} with racks fixed "
        f"(check {_money_rate(row['fd_fixed_racks'], unit)}"
    )
    lp_diff = row["fd_fixed_racks_diff"]
    if lp_diff is not None and abs(lp_diff) > 1e-6 * max(1.0, abs(row["dual_fixed_racks"])):
        # said next to the two numbers it is about, not after the free-racks one
        text += "; degenerate LP: the dual is one side of a kink, the check is one more"
    text += f"), {_money_rate(row['fd_free_racks'], unit)} with racks free to change"
    diff = row["fd_free_racks_diff"]
    shown = None if diff is None else _money_rate(diff, unit)
    said = shown is not None and shown != _money_rate(0.0, unit)  # "(difference $0/yr)": nothing
    if said and abs(diff) > 1e-6 * max(1.0, abs(row["dual_fixed_racks"])):
        text += f" (difference {shown})"
    if row["fd_fixed_racks"] is None:
        text += "; the fixed-racks LP has no plan with this change"
    return text


def _check_racks(base: Baseline, exclude: tuple[str, ...]) -> None:
    for rack in exclude:
        if rack not in base.data.racks:
            raise UsageError(
                f"--exclude {rack}: not a rack of this instance (racks: {', '.join(base.data.racks)})"
            )


def compose(
    base: Baseline, near_optimal_frac: float | None, exclude: tuple[str, ...], entry: bool
) -> Explanation:
    """All tables for a solved baseline, or the infeasibility analysis when it has no plan."""
    _check_racks(base, exclude)
    empty = pd.DataFrame()
    lines: list[tuple[str, str, str]] = []
    if base.status.has_solution:
        marginal, _, _ = marginal_rows(base)
        binding = binding_rows(base)
        entries = entry_rows(base) if entry else []
        alts = [near_optimal(base, near_optimal_frac)] if near_optimal_frac is not None else []
        alts += [excluding(base, rack) for rack in exclude]
        lines += [("marginal", r["lever"], _marginal_line(r)) for r in marginal]
        lines += [("binding", r["constraint"], r["words"]) for r in binding]
        lines += [("entry", f"{r['system']}@{r['tier']}", r["words"]) for r in entries]
        lines += [("alternative", r["alternative"], r["words"]) for r in alts]
        return Explanation(
            base,
            marginals_frame(marginal),
            binding_frame(binding),
            entry_frame(entries),
            alternatives_frame(alts),
            empty,
            lines,
        )
    if str(base.status) != "infeasible":
        lines.append(("status", str(base.status), f"no plan: {base.solved.report.termination}"))
        return Explanation(base, empty, empty, empty, empty, empty, lines)
    rows = elastic_rows(base)
    together = None
    if not any(
        r["alone_restores"] for r in rows if r["constraint"] in ("power_envelope", "capex_budget")
    ):
        together = power_and_budget_together(base)
    lines.append(("infeasible", base.data.name, summary_sentence(rows, together)))
    lines += [("infeasible", r["constraint"], r["words"]) for r in rows]
    return Explanation(base, empty, empty, empty, empty, elastic_frame(rows), lines)
