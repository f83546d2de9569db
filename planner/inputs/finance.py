"""Discounting arithmetic: capital recovery, annuities and a rack's whole years of service."""

from __future__ import annotations

import math


def capital_recovery_factor(rate_frac: float, lifetime_years: float) -> float:
    """Annual payment per unit of capex: r / (1 - (1+r)^-n); 1/n when r is (near) 0."""
    if rate_frac * lifetime_years < 1e-9:
        return 1.0 / lifetime_years
    return rate_frac / (1.0 - (1.0 + rate_frac) ** (-lifetime_years))


def service_years(lifetime_years: float) -> int:
    """Whole years a rack serves: its lifetime rounded up (2.5 -> 3, 0.5 -> 1, 5 -> 5)."""
    return max(1, math.ceil(lifetime_years - 1e-9))


def annuity_factor(rate: float, years: float) -> float:
    """Present value of 1 a year for `years` years, paid at the end of each: sum_t (1+r)^-t."""
    if years <= 0:
        return 0.0
    if rate < 1e-12:
        return float(years)
    return (1 - (1 + rate) ** -years) / rate
