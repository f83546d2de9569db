"""Throughput at a required speed: piecewise-linear interpolation of a system's curve.

A tier with minimum speed s is served at the curve's throughput at s. Below the slowest point
the slowest point's throughput is used (running faster than required is allowed, so this is
conservative); above the fastest point the system cannot serve the tier: never extrapolate.
"""

from __future__ import annotations

import numpy as np

from planner.inputs.catalog import Curve


def throughput_tok_s(curve: Curve, tok_s_per_user: float) -> float | None:
    """Output tok/s of one system unit when every user gets at least `tok_s_per_user`.

    None when the curve does not reach that speed.
    """
    speeds = np.array([p.tok_s_per_user for p in curve.points])
    rates = np.array([p.tok_s for p in curve.points])
    if tok_s_per_user > speeds[-1] * (1 + 1e-12):
        return None
    return float(np.interp(tok_s_per_user, speeds, rates))


def max_speed(curve: Curve) -> float:
    """Fastest tok/s per user the curve reaches."""
    return curve.points[-1].tok_s_per_user
