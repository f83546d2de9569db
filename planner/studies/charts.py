"""PNG charts (matplotlib, Agg backend, imported only here), written atomically."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd

from planner.results.files import atomic_write_bytes


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> Path:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    _pyplot().close(fig)
    atomic_write_bytes(path, buffer.getvalue())
    return path


def frontier_chart(
    frame: pd.DataFrame, x: str, objective: str, path: Path, over_years: bool = False
) -> Path:
    """Top: the optimum against x (infeasible cases marked), in $B a year (a single-year
    plan), $B of NPV (`over_years`: a plan over years or scenarios, whose objective is its
    NPV) or $/Mtok for cost per token, with plain axes. Bottom: facility power per tier. Axis
    titles in words and units; legends outside the plotting area."""
    from planner.results.present import input_label

    plt = _pyplot()
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 7), sharex=True)
    ok = frame[frame["status"].isin(["optimal", "feasible"])]
    money = objective != "cost_per_token"
    scale = 1e9 if money else 1.0
    unit = ("$B of NPV" if over_years else "$B a year") if money else "$ per million output tokens"
    words = {"revenue": "Revenue", "profit": "Profit", "cost_per_token": "Cost per token"}.get(
        objective, objective
    )
    if over_years and money:
        words = f"NPV of {words.lower()}"
    x_words = input_label(x)
    top.plot(ok[x], ok["objective_value"].astype(float) / scale, marker="o")
    bad = frame[~frame["status"].isin(["optimal", "feasible"])]
    for value in bad[x]:
        top.axvline(value, color="0.8", linestyle=":")
    top.set_ylabel(f"{words} ({unit})")
    top.set_title(f"{words} against {x_words}" + (" (dotted: no solution)" if len(bad) else ""))
    top.ticklabel_format(style="plain", useOffset=False)
    top.grid(alpha=0.3)
    tiers = [c for c in frame.columns if c.startswith("power_mw_")]
    if tiers and len(ok):
        bottom.stackplot(
            ok[x], *(ok[c].astype(float) for c in tiers), labels=[c[9:] for c in tiers]
        )
        bottom.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    bottom.set_ylabel("Facility power per tier (MW)")
    bottom.set_xlabel(x_words)
    bottom.ticklabel_format(style="plain", useOffset=False)
    return _save(fig, path)


def curves_chart(curves: pd.DataFrame, tiers: pd.DataFrame, path: Path) -> Path:
    """tok/s per MW against tok/s per user: each system, the chosen mix, the tiers marked."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 5.5))
    for series, group in curves.groupby("series", sort=False):
        style = {"linewidth": 3, "color": "black"} if series == "mix" else {"marker": "."}
        ax.plot(group["tok_s_per_user"], group["tok_s_per_mw"], label=series, **style)
    for _, tier in tiers.iterrows():
        ax.axvline(tier["min_tok_s_per_user"], color="0.75", linestyle="--", linewidth=0.8)
        ax.annotate(
            tier["tier"],
            (tier["min_tok_s_per_user"], ax.get_ylim()[1]),
            rotation=90,
            va="top",
            ha="right",
            fontsize="small",
        )
        if tier["tok_s_per_mw"] > 0:
            ax.scatter(tier["min_tok_s_per_user"], tier["tok_s_per_mw"], color="red", zorder=5)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("tok/s per user (interactivity)")
    ax.set_ylabel("output tok/s per facility MW")
    ax.set_title("Throughput/interactivity frontier (red: the plan's tiers)")
    ax.legend(fontsize="small")
    return _save(fig, path)


def sweep_tornado_chart(tornado: pd.DataFrame, median: float, path: Path) -> Path:
    """Which varied input moves the objective most: one bar per input from the objective at
    its low end to the objective at its high end, around the median case, largest first."""
    from planner.results.present import input_label

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 0.5 * max(len(tornado), 1) + 1.6))
    biggest = float(tornado["objective_at_high"].abs().max()) if len(tornado) else 0.0
    scale, unit = (1e9, "$B") if biggest >= 1e8 else (1.0, "$")
    lows = tornado["objective_at_low"].astype(float).tolist()
    highs = tornado["objective_at_high"].astype(float).tolist()
    for k, (low, high) in enumerate(zip(lows, highs, strict=True)):
        low, high = low / scale, high / scale
        ax.barh(
            k,
            high - median / scale,
            left=median / scale,
            color="#4c9f70",
            label="at its high end" if k == 0 else None,
        )
        ax.barh(
            k,
            low - median / scale,
            left=median / scale,
            color="#c8553d",
            label="at its low end" if k == 0 else None,
        )
    ax.set_yticks(range(len(tornado)))
    ax.set_yticklabels([input_label(str(x)) for x in tornado["input"]])
    ax.invert_yaxis()
    ax.axvline(median / scale, color="black", linewidth=0.8)
    ax.ticklabel_format(axis="x", style="plain", useOffset=False)
    ax.set_xlabel(f"objective ({unit}), around the median case")
    ax.set_title("Which input moves the outcome most")
    ax.grid(axis="x", alpha=0.3)
    if len(tornado):
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return _save(fig, path)
