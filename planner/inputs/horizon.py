"""Instance sections for plans over years (`horizon:`) and under uncertainty (`scenarios:`).

Both are optional: an instance without them is today's single-year plan, unchanged.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from planner.inputs.base import Strict


class Growth(Strict):
    """A yearly series as a start value and a constant growth rate: start x (1 + g)^k."""

    start: float = Field(ge=0)
    """Value in the horizon's first year."""
    growth_frac_per_year: float = Field(default=0.0, gt=-1, le=100)
    """Yearly growth (0.5 = +50% a year; -0.3 = 30% deflation a year)."""


Series = list[float] | Growth


def given_values(series: float | Series | None) -> list[float]:
    """The numbers written in a series: the list, the constant, or the start value."""
    if series is None:
        return []
    if isinstance(series, Growth):
        return [series.start]
    return list(series) if isinstance(series, list) else [float(series)]


class ExistingRacks(Strict):
    """Racks already installed (brownfield)."""

    count: int = Field(ge=0)
    """How many."""
    install_year: int = Field(ge=1990, le=2200)
    """Year they entered service; they retire after their lifetime."""


class RackSchedule(Strict):
    """Per-rack limits over the horizon."""

    first_year: int | None = Field(default=None, ge=1990, le=2200)
    """First year the rack can be bought (a generation's arrival); absent: from the start."""
    max_deliveries_per_year: int | None = Field(default=None, ge=0)
    """Most racks delivered in one year (lead times, allocation), on top of racks.<rack>.max_count
    over the whole plan; absent: no limit."""
    lifetime_years: int | None = Field(default=None, ge=1, le=30)
    """Years in service before retirement; absent: the catalog's lifetime rounded up to whole
    years (2.5 serves 3)."""
    existing: list[ExistingRacks] = Field(default_factory=list)
    """Installed fleet at the start."""


class TierSeries(Strict):
    """Per-year demand and price of one tier (absent: the tier's single-year value every year)."""

    demand_mtok_per_year: Series | None = None
    """Forecast per year, million output tokens."""
    price_usd_per_mtok: Series | None = None
    """Price per year (deflation), USD per million output tokens."""


class Horizon(Strict):
    """A multi-year plan: which racks to buy in which year."""

    start_year: int = Field(ge=1990, le=2200)
    """First planning year."""
    years: int = Field(ge=1, le=50)
    """Number of years planned."""
    site_power_mw: Series | None = None
    """Power envelope per year (phased energisation); absent: site.power_mw every year."""
    capex_budget_usd: Series | None = None
    """Capex budget per year; absent: site.capex_budget_usd every year (or none)."""
    electricity_usd_per_mwh: Series | None = None
    """Electricity price per year; absent: site.electricity_usd_per_mwh every year."""
    tiers: dict[str, TierSeries] = Field(default_factory=dict)
    """Per-tier yearly demand and price."""
    racks: dict[str, RackSchedule] = Field(default_factory=dict)
    """Per-rack arrival, deliveries, lifetime and existing fleet."""
    existing_racks_csv: str | None = Field(default=None, min_length=1)
    """`racks.csv` of an earlier run (columns rack, count) as the existing fleet, installed in
    `existing_install_year`."""
    existing_install_year: int | None = Field(default=None, ge=1990, le=2200)
    """Install year of the fleet read from existing_racks_csv (default: start_year - 1)."""
    value_left_frac: float = Field(default=1.0, ge=0, le=1)
    """Share of the capital not yet charged at the plan's end (each rack's and building's
    remaining annuities at the discount rate) that counts as the plan's value left: 1 counts it
    all (economic depreciation); 0 counts none, so every rack and block bought is charged its
    whole capex inside the plan (docs/formulation.md, "One NPV")."""

    @model_validator(mode="after")
    def _lengths(self) -> Horizon:
        named = {"site_power_mw": self.site_power_mw, "capex_budget_usd": self.capex_budget_usd,
                 "electricity_usd_per_mwh": self.electricity_usd_per_mwh}  # fmt: skip
        for tier, ts in self.tiers.items():
            named[f"tiers.{tier}.demand_mtok_per_year"] = ts.demand_mtok_per_year
            named[f"tiers.{tier}.price_usd_per_mtok"] = ts.price_usd_per_mtok
        for name, series in named.items():
            if isinstance(series, list) and len(series) != self.years:
                raise ValueError(
                    f"{name} has {len(series)} values; the horizon has {self.years} years"
                )
            if isinstance(series, list) and any(v < 0 for v in series):
                raise ValueError(f"{name} must not be negative")
        return self


class Scenario(Strict):
    """One possible future: a probability and how demand and prices differ from the base."""

    probability: float = Field(gt=0, le=1)
    """Probability of this future."""
    demand_scale: dict[str, float] = Field(default_factory=dict)
    """Tier -> factor on its forecast (every year)."""
    price_scale: dict[str, float] = Field(default_factory=dict)
    """Tier -> factor on its price (every year)."""
    demand_mtok_per_year: dict[str, float | Series] = Field(default_factory=dict)
    """Tier -> forecast replacing the base one (a number or one value per year)."""
    price_usd_per_mtok: dict[str, float | Series] = Field(default_factory=dict)
    """Tier -> price replacing the base one (a number or one value per year); price_scale
    then applies to it."""

    @model_validator(mode="after")
    def _factors(self) -> Scenario:
        for name, table in (("demand_scale", self.demand_scale), ("price_scale", self.price_scale)):
            for tier, factor in table.items():
                if factor < 0:
                    raise ValueError(f"{name}.{tier} must be >= 0, got {factor}")
        for name, by_tier in (("demand_mtok_per_year", self.demand_mtok_per_year),
                              ("price_usd_per_mtok", self.price_usd_per_mtok)):  # fmt: skip
            for tier, series in by_tier.items():
                if any(v < 0 for v in given_values(series)):
                    raise ValueError(f"{name}.{tier} must not be negative")
        return self


class Stochastic(Strict):
    """How the two-stage program treats purchases and risk."""

    nonanticipativity: Literal["all", "first_year"] = "all"
    """all: every year's purchases are decided now for all futures; first_year: only the first
    year's purchases are shared and later years adapt to the scenario."""
    cvar_alpha_frac: float = Field(default=0.9, ge=0, lt=1)
    """CVaR level: the worst (1 - alpha) of outcomes by probability."""
    cvar_weight_frac: float = Field(default=0.0, ge=0, le=1)
    """Weight of CVaR in the objective (0: expected value only)."""
