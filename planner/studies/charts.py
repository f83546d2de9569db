"""PNG charts (matplotlib, Agg backend, imported only here), written atomically."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from planner.results.files import atomic_write_bytes


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> Path:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    _pyplot().close(fig)
    atomic_write_bytes(path, buffer.getvalue())
    return path


def frontier_chart(frame: pd.DataFrame, x: str, objective: str, path: Path) -> Path:
    """Top: the optimum against x (infeasible cases marked). Bottom: facility power per tier."""
    plt = _pyplot()
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 7), sharex=True)
    ok = frame[frame["status"].isin(["optimal", "feasible"])]
    top.plot(ok[x], ok["objective_value"], marker="o")
    bad = frame[~frame["status"].isin(["optimal", "feasible"])]
    for value in bad[x]:
        top.axvline(value, color="0.8", linestyle=":")
    top.set_ylabel(f"{objective} (objective_value)")
    top.set_title(f"{objective} against {x}" + (" (dotted: no solution)" if len(bad) else ""))
    tiers = [c for c in frame.columns if c.startswith("power_mw_")]
    if tiers and len(ok):
        bottom.stackplot(
            ok[x], *(ok[c].astype(float) for c in tiers), labels=[c[9:] for c in tiers]
        )
        bottom.legend(loc="upper left", fontsize="small")
    bottom.set_ylabel("facility power per tier, MW")
    bottom.set_xlabel(x)
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
        ax.annotate(tier["tier"], (tier["min_tok_s_per_user"], ax.get_ylim()[1]), rotation=90,
                    va="top", ha="right", fontsize="small")  # fmt: skip
        if tier["tok_s_per_mw"] > 0:
            ax.scatter(tier["min_tok_s_per_user"], tier["tok_s_per_mw"], color="red", zorder=5)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("tok/s per user (interactivity)")
    ax.set_ylabel("output tok/s per facility MW")
    ax.set_title("Throughput/interactivity frontier (red: the plan's tiers)")
    ax.legend(fontsize="small")
    return _save(fig, path)
