"""PNG charts (matplotlib, Agg backend) for the HTML page: power, revenue, racks, frontier,
tornado. Each returns PNG bytes, or None when its data are absent."""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

COLOURS = ["#1f5f8b", "#4c9f70", "#e0a030", "#c8553d", "#7b5ea7", "#5c8a9a", "#999999"]


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return buffer.getvalue()


def _bars(labels: Any, values: Any, title: str, xlabel: str) -> bytes:
    fig, ax = plt.subplots(figsize=(6, 0.45 * max(len(labels), 2) + 1.2))
    ax.barh(list(labels), list(values), color=COLOURS[: len(labels)] or COLOURS[0])
    ax.invert_yaxis()
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def power_per_tier(tiers: pd.DataFrame) -> bytes | None:
    if tiers.empty:
        return None
    return _bars(tiers["tier"], tiers["facility_power_mw"], "Facility power per tier", "MW")


def revenue_per_tier(tiers: pd.DataFrame) -> bytes | None:
    if tiers.empty:
        return None
    values = tiers["revenue_usd_per_year"] / 1e9
    return _bars(tiers["tier"], values, "Revenue per tier", "$B per year")


def rack_mix(racks: pd.DataFrame) -> bytes | None:
    bought = racks[racks["count"] > 0]
    if bought.empty:
        return None
    labels = [f"{r} ({n:,})" for r, n in zip(bought["rack"], bought["count"], strict=True)]
    if "facility_power_mw" not in bought:  # a plan over years: racks bought over the plan
        return _bars(labels, bought["count"], "Racks bought over the plan", "racks")
    return _bars(labels, bought["facility_power_mw"], "Rack mix (count)", "facility MW")


def frontier(frame: pd.DataFrame | None) -> bytes | None:
    """The objective against the swept input: first column x, `objective_value` (or the
    first other numeric column) y."""
    if frame is None or frame.empty:
        return None
    numeric = frame.select_dtypes("number")
    if numeric.shape[1] < 2:
        return None
    x = numeric.columns[0]
    y = "objective_value" if "objective_value" in numeric else numeric.columns[1]
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.plot(numeric[x], numeric[y], marker="o", color=COLOURS[0])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title("Frontier")
    ax.grid(alpha=0.3)
    return _png(fig)


def tornado(sens: pd.DataFrame | None) -> bytes | None:
    """Horizontal bars: objective change for +10% of each input, largest first."""
    if sens is None or sens.empty:
        return None
    values = sens["objective_change"]
    unit = sens["objective_unit"].iloc[0]
    scale, label = TORNADO_UNITS.get(unit, (1.0, "$ per million output tokens"))
    fig, ax = plt.subplots(figsize=(6.5, 0.4 * len(sens) + 1.4))
    colours = [COLOURS[1] if v >= 0 else COLOURS[3] for v in values]
    # the lever in words (explain's description: "one more MW of site power"), not its key
    names = sens["description"] if "description" in sens else sens["lever"]
    ax.barh([str(n) for n in names], values / scale, color=colours)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.invert_yaxis()
    fig.suptitle("Objective change for +10% of each input")  # over the figure: see sweep_tornado
    ax.set_xlabel(label)
    ax.ticklabel_format(axis="x", style="plain", useOffset=False)  # no "1e9" in a corner
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


TORNADO_UNITS = {"usd_per_year": (1e9, "$B a year"), "usd": (1e9, "$B of NPV"),
                 "usd_per_mtok": (1.0, "$ per million output tokens")}  # fmt: skip
"""Objective unit (explain's marginals) -> (scale, axis words)."""


def cash_flow(cash: pd.DataFrame) -> bytes | None:
    """Cash flow by year (bars) and cumulative cash (line), $B."""
    if cash.empty:
        return None
    fig, ax = plt.subplots(figsize=(6, 3.4))
    years = ["end" if str(y).startswith("value left") else str(y) for y in cash["year"]]
    flows = cash["cash_flow_usd"] / 1e9
    ax.bar(
        years, flows, color=[COLOURS[1] if v >= 0 else COLOURS[3] for v in flows], label="cash flow"
    )
    ax.plot(
        years, cash["cumulative_cash_usd"] / 1e9, color=COLOURS[0], marker="o", label="cumulative"
    )
    ax.axhline(0, color="#444", linewidth=0.8)
    ax.set_title("Cash flow by year")
    ax.set_xlabel("year")
    ax.set_ylabel("$B")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return _png(fig)


def cumulative_cash(cash: dict[str, pd.DataFrame]) -> bytes | None:
    """Each plan's cumulative discounted cash at the end of each year of the plan, $B; the
    value left at the end is the last step up at the last year, so each line ends at its NPV."""
    if not cash:
        return None
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for k, (name, frame) in enumerate(cash.items()):
        cumulative = frame["discounted_cash_usd"].cumsum().div(1e9).tolist()
        years = len(frame) - 1
        x = [0, *range(1, years + 1), years]
        ax.plot(x, [0.0, *cumulative], marker="o", color=COLOURS[k % len(COLOURS)], label=name)
    longest = max(len(frame) for frame in cash.values()) - 1
    ax.set_xticks(range(longest + 1), ["start"] + [f"year {j}" for j in range(1, longest + 1)])
    ax.axhline(0, color="#444", linewidth=0.8)
    ax.set_title("Cumulative discounted cash (each line ends at its NPV)")
    ax.set_ylabel("$B")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return _png(fig)


def scenario_outcomes(scenarios: pd.DataFrame | None) -> bytes | None:
    """Present value of profit per scenario, $B, with its probability in the label."""
    if scenarios is None or len(scenarios) < 2 or "npv_profit_usd" not in scenarios:
        return None
    labels = [
        f"{s} (p = {p:.0%})"
        for s, p in zip(scenarios["scenario"], scenarios["probability"], strict=True)
    ]
    return _bars(
        labels,
        scenarios["npv_profit_usd"] / 1e9,
        "Outcome by scenario",
        "present value of profit, $B",
    )


def sweep_tornado(tornado: pd.DataFrame) -> bytes | None:
    """The objective at each varied input's low and high end, largest swing first ($B)."""
    from planner.results.present import input_label

    if tornado.empty:
        return None
    fig, ax = plt.subplots(figsize=(6.5, 0.45 * len(tornado) + 1.4))
    labels = [input_label(str(x)) for x in tornado["input"]]
    lows = tornado["objective_at_low"].astype(float) / 1e9
    highs = tornado["objective_at_high"].astype(float) / 1e9
    ax.barh(labels, highs - lows, left=lows, color=COLOURS[0])
    ax.invert_yaxis()
    # over the figure, not the axes: long input labels push the axes right, and a title
    # centred over them ran off the image
    fig.suptitle("Objective across each input's range")
    ax.set_xlabel("objective, $B")
    ax.ticklabel_format(axis="x", style="plain", useOffset=False)
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def demand_curves(curves: pd.DataFrame | None, prices: pd.DataFrame | None) -> bytes | None:
    """Each tier's demand curve (price against the market's volume, first year and scenario)
    with the price the plan chose on it."""
    if curves is None or curves.empty or prices is None or prices.empty:
        return None
    first = {c: curves[c].iloc[0] for c in ("year", "scenario") if c in curves}
    for column, value in first.items():
        curves = curves[curves[column] == value]
        prices = prices[prices[column] == value] if column in prices else prices
    fig, ax = plt.subplots(figsize=(6, 3.4))
    for k, (tier, group) in enumerate(curves.groupby("tier", sort=False)):
        colour = COLOURS[k % len(COLOURS)]
        ax.plot(
            group["demand_mtok_per_year"] / 1e6,
            group["price_usd_per_mtok"],
            color=colour,
            marker=".",
            label=str(tier),
        )
        chosen = prices[prices["tier"] == tier]
        ax.plot(
            chosen["mtok_per_year"] / 1e6,
            chosen["price_usd_per_mtok"],
            color=colour,
            marker="o",
            markersize=9,
            linestyle="none",
        )
        # the reference point the curve is built around (an inelastic curve is one piece at
        # its ceiling, so this shows where it came from)
        ax.plot(
            chosen["reference_demand_mtok_per_year"] / 1e6,
            chosen["reference_price_usd_per_mtok"],
            color=colour,
            marker="o",
            markersize=9,
            markerfacecolor="none",
            linestyle="none",
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    from matplotlib.ticker import FuncFormatter, NullFormatter

    for axis in (ax.xaxis, ax.yaxis):  # plain numbers, no crowded minor labels
        axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,g}"))
        axis.set_minor_formatter(NullFormatter())
    ax.set_title("Demand curves: prices chosen (dots), reference points (rings)")
    ax.set_xlabel("output tokens a year (trillions)")
    ax.set_ylabel("list price ($ per million output tokens)")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return _png(fig)
