"""Instance sections for plans over years (`horizon:`) and under uncertainty (`scenarios:`).

Both are optional: an instance without them is today's single-year plan, unchanged.
"""

from __future__ import annotations

import datetime
import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

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


_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def available_from(text: str) -> tuple[int, float]:
    """(year, fraction of that year left) of `2026-Q3` (from 1 July: 0.5) or `2026-07-01`
    (184 of 365 days: 0.504). ValueError on anything else."""
    quarter = _QUARTER.match(text)
    if quarter:
        year = int(quarter.group(1))
        if not 1990 <= year <= 2200:
            raise ValueError(f"{text!r}: the year must be 1990-2200")
        return year, (5 - int(quarter.group(2))) / 4
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a quarter (2026-Q3) or a date (2026-07-01)") from None
    if not 1990 <= day.year <= 2200 or len(text) != 10:
        raise ValueError(f"{text!r}: write YYYY-MM-DD with a year 1990-2200")
    days = (datetime.date(day.year + 1, 1, 1) - datetime.date(day.year, 1, 1)).days
    left = (datetime.date(day.year + 1, 1, 1) - day).days
    return day.year, left / days


class RackSchedule(Strict):
    """Per-rack limits over the horizon."""

    first_year: int | None = Field(default=None, ge=1990, le=2200)
    """First year the rack can be bought (a generation's arrival); absent: from the start."""
    first_available: str | None = None
    """When the first racks can serve, finer than a year: a quarter (`2026-Q4`, from its first
    day) or a date (`2026-10-01`). Sets `first_year`; racks bought that year serve the part of
    it that is left (Q4: a quarter), and cost and draw power the whole year."""

    @field_validator("first_available")
    @classmethod
    def _date(cls, value: str | None) -> str | None:
        if value is not None:
            available_from(value)  # ValueError names what is accepted
        return value

    @model_validator(mode="before")
    @classmethod
    def _one_first_year(cls, data: Any) -> Any:
        """first_available sets first_year (a frozen model: filled in before validation)."""
        if isinstance(data, dict) and isinstance(data.get("first_available"), datetime.date):
            data = {**data, "first_available": data["first_available"].isoformat()}  # YAML date
        if not isinstance(data, dict) or not isinstance(data.get("first_available"), str):
            return data
        try:
            year, _ = available_from(data["first_available"])
        except ValueError:
            return data  # the field's own check reports it
        given = data.get("first_year")
        if given is not None and given != year:
            raise ValueError(
                f"first_year {given} disagrees with first_available "
                f"{data['first_available']}; give one"
            )
        return {**data, "first_year": year}

    @property
    def first_year_frac(self) -> float:
        """The part of `first_year` the racks bought in it serve (1 without first_available)."""
        return 1.0 if self.first_available is None else available_from(self.first_available)[1]

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
        for name, by_tier in (
            ("demand_mtok_per_year", self.demand_mtok_per_year),
            ("price_usd_per_mtok", self.price_usd_per_mtok),
        ):
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
