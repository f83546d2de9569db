"""The planning problem a user writes in YAML (`instances/*.yaml`), validated.

Field names are a contract other tools read: `site.power_mw`, `site.capex_budget_usd`,
`tiers.<name>.price_usd_per_mtok`, `tiers.<name>.min_tok_s_per_user`,
`tiers.<name>.demand_mtok_per_year` (absent means unlimited). `None` means "no limit".
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from planner.inputs.base import NAME_PATTERN, Name, Strict
from planner.inputs.catalog import DEFAULT_INPUT_TOKENS, DEFAULT_OUTPUT_TOKENS, data_rank
from planner.inputs.horizon import Horizon, Scenario, Series, Stochastic, given_values

Objective = Literal["revenue", "profit", "cost_per_token"]
OBJECTIVES: tuple[Objective, ...] = ("revenue", "profit", "cost_per_token")


class Energisation(Strict):
    """The envelope is energised in whole blocks the plan chooses, never switched off."""

    block_mw: float = Field(gt=0, le=1e6)
    """Facility MW energised at a time (a building or hall; market-data.md section 4: 100 MW,
    range 50-200)."""
    lead_time_years: int = Field(default=0, ge=0, le=20)
    """Years from the plan's start before the first block can be energised (decision to first
    power with power secured: about 18 months, market-data.md section 4)."""
    energised_mw: float = Field(default=0.0, ge=0, le=1e6)
    """MW already energised when the plan starts (a brownfield site: built and paid for before
    the plan, so only its opex is charged); blocks add to it."""


class Site(Strict):
    """The facility: its power envelope, efficiency, money and time."""

    power_mw: float = Field(gt=0, le=1e6)
    """Facility power envelope (grid connection), MW."""
    pue: float = Field(default=1.15, ge=1.0, le=3.0)
    """Power usage effectiveness: facility power / IT power."""
    capex_budget_usd: float | None = Field(default=None, gt=0)
    """Capex budget, USD: racks plus the facility (when `facility_capex_usd_per_mw` is given);
    absent means no limit."""
    facility_capex_usd_per_mw: float | None = Field(default=None, gt=0, le=1e9)
    """Building cost (shell, power, cooling, network) per MW of the power envelope, USD.
    Charged for the whole envelope, used or not (or, with `energisation`, for the MW
    energised); absent: no building capex (its opex, `facility_opex_usd_per_mw_year`, is still
    charged when given: a leased building)."""
    facility_lifetime_years: float = Field(default=20.0, ge=5, le=60)
    """Years over which the building's capex is recovered (REIT component lives 15-30)."""
    facility_opex_usd_per_mw_year: float = Field(default=0.0, ge=0, le=1e8)
    """Building operating cost (staff, maintenance, insurance) per MW of envelope per year."""
    electricity_usd_per_mwh: float = Field(default=70.0, ge=0, le=10_000)
    """Energy price, USD per MWh of facility energy."""
    discount_rate_frac: float = Field(default=0.08, ge=0, le=1)
    """Discount rate for the capital recovery factor (profit and cost objectives)."""
    utilisation_frac: float = Field(default=0.6, gt=0, le=1)
    """Time-average load over capacity: the share of a year's capacity that serves requests
    (and draws power). Default 0.6: economics-data.md section 9 (range 0.40-0.85; business-hours
    peaks, Meta and Google MFU 43-46%, hyperscalers' claimed 70-85%)."""
    price_realisation_frac: float = Field(default=0.6, gt=0, le=1)
    """Revenue realised per dollar of list price (batch and cache discounts, committed-use
    deals). Default 0.6: economics-data.md section 9 (range 0.4-0.9)."""
    hours_per_year: float = Field(default=8766.0, gt=0, le=8784)
    """Hours in a year (8,766 = 365.25 days)."""
    energisation: Energisation | None = None
    """Energise the envelope in blocks the plan chooses (the building paid on what is
    energised); absent: the whole envelope is energised and paid for from the first year."""

    @model_validator(mode="after")
    def _block_fits(self) -> Site:
        e = self.energisation
        if e is not None and e.block_mw > self.power_mw:
            raise ValueError(
                f"energisation.block_mw {e.block_mw:g} is larger than power_mw "
                f"{self.power_mw:g}: no block could be energised"
            )
        if e is not None and e.energised_mw > self.power_mw:
            raise ValueError(
                f"energisation.energised_mw {e.energised_mw:g} is more than power_mw {self.power_mw:g}"
            )
        return self


class LadderPoint(Strict):
    """One price the tier could charge and the volume its market would take at it."""

    price_usd_per_mtok: float = Field(gt=0, le=1e6)
    """List price per million output tokens, USD."""
    demand_mtok_per_year: float = Field(gt=0, le=1e15)
    """Million output tokens a year the market takes at that price."""


class DemandCurve(Strict):
    """How a tier's demand answers its price; the plan chooses the price on it.

    Either a constant elasticity around the tier's reference point (`price_usd_per_mtok`,
    `demand_mtok_per_year`): volume = demand x (price / reference price)^price_elasticity,
    for prices between min_price_frac and max_price_frac of the reference; or a `ladder` of
    (price, volume) points for the reference year, scaled with the reference point over years
    and scenarios. See docs/formulation.md, "Demand curves"."""

    price_elasticity: float | None = Field(default=None, ge=-10, lt=0)
    """d ln(volume) / d ln(price), below 0: -1.2 sells 12% more for a 10% price cut
    (../shared/reference/market-data.md section 1: medium -1.2, high -1.0, premium -0.7)."""
    min_price_frac: float = Field(default=0.25, gt=0, le=1)
    """Cheapest price the plan may set, as a fraction of the reference price."""
    max_price_frac: float = Field(default=2.0, ge=1, le=100)
    """Dearest price the plan may set, as a multiple of the reference price."""
    segments: int = Field(default=16, ge=1, le=200)
    """Linear pieces of revenue between the two prices (16: revenue within 0.05% of the curve
    at elasticity -1.2, 0.21% at -2, over a price range of 8x)."""
    ladder: list[LadderPoint] | None = Field(default=None, min_length=1, max_length=200)
    """Explicit (price, volume) points instead of an elasticity; volume must fall as price
    rises."""

    @model_validator(mode="after")
    def _one_kind(self) -> DemandCurve:
        if (self.price_elasticity is None) == (self.ladder is None):
            raise ValueError("give price_elasticity or ladder (one of them)")
        if self.min_price_frac >= self.max_price_frac:
            raise ValueError(
                f"min_price_frac {self.min_price_frac:g} must be below max_price_frac "
                f"{self.max_price_frac:g}"
            )
        if self.ladder is not None:
            points = sorted(self.ladder, key=lambda p: p.price_usd_per_mtok)
            for low, high in zip(points, points[1:], strict=False):
                if high.price_usd_per_mtok == low.price_usd_per_mtok:
                    raise ValueError(f"ladder: price {low.price_usd_per_mtok:g} appears twice")
                if high.demand_mtok_per_year >= low.demand_mtok_per_year:
                    raise ValueError(
                        f"ladder: volume must fall as price rises, but "
                        f"{high.demand_mtok_per_year:g} Mtok at ${high.price_usd_per_mtok:g} is "
                        f"not below {low.demand_mtok_per_year:g} Mtok at "
                        f"${low.price_usd_per_mtok:g}"
                    )
        return self


MIN_SHARE_FRAC = 1e-6
"""The smallest positive share (of power or of tokens) a tier may be given: a smaller one hides
inside the solver's tolerance (1e-9 in model units), so no plan could be shown to meet it."""
MIN_FLOOR_MTOK_PER_YEAR = 0.01
"""The smallest positive tokens floor or must-serve forecast, in million output tokens a year:
ten times the solver's resolution (1e-9 in model units, Ttok, is 0.001 Mtok); a rack makes
thousands of Mtok a year."""


class Tier(Strict):
    """A pricing tier: a price per million output tokens and a minimum speed per user."""

    price_usd_per_mtok: float = Field(ge=0, le=1e6)
    """Price per million output tokens, USD."""
    min_tok_s_per_user: float = Field(gt=0, le=1e6)
    """Minimum output tokens per second each user of the tier must see."""
    demand_mtok_per_year: float | None = Field(default=None, ge=0)
    """Forecast of million output tokens the tier can sell per year; absent means unlimited."""
    input_price_usd_per_mtok: float = Field(default=0.0, ge=0, le=1e6)
    """Price per million input tokens, USD: revenue adds it for every input token."""
    model: Name | None = None
    """The model the tier serves (a curve name in the catalog); absent: the instance's
    `workload`."""
    input_tokens: int = Field(default=DEFAULT_INPUT_TOKENS, ge=0, le=10_000_000)
    """Input (prompt) tokens per request: prefill work and input-token revenue."""
    output_tokens: int = Field(default=DEFAULT_OUTPUT_TOKENS, ge=1, le=10_000_000)
    """Output tokens per request."""
    max_ttft_s: float | None = Field(default=None, gt=0, le=3600)
    """Longest time to first token the tier accepts, seconds; absent: prefill runs at its
    highest measured throughput, whatever its first-token time."""
    input_tokens_per_output_token: float | None = Field(default=None, ge=0, le=1e4)
    """Older spelling of input_tokens / output_tokens; when given alone, input_tokens is this
    ratio times output_tokens."""
    utilisation_frac: float | None = Field(default=None, gt=0, le=1)
    """This tier's time-average load over capacity; absent: `site.utilisation_frac`."""
    price_realisation_frac: float | None = Field(default=None, gt=0, le=1)
    """Revenue per dollar of this tier's list price; absent: `site.price_realisation_frac`."""
    power_share_frac: float | None = Field(default=None, ge=0, le=1)
    """Fixed share of site power for this tier; absent means the optimiser chooses."""
    min_power_share_frac: float | None = Field(default=None, ge=0, le=1)
    """Minimum share of site power for this tier."""
    max_power_share_frac: float | None = Field(default=None, ge=0, le=1)
    """Maximum share of site power for this tier."""
    demand_curve: DemandCurve | None = None
    """The plan chooses this tier's price on a demand curve around (price_usd_per_mtok,
    demand_mtok_per_year); absent: the price is fixed and the forecast a ceiling."""
    min_mtok_per_year: float | None = Field(default=None, ge=0, le=1e15)
    """Fewest million output tokens the tier must serve a year (a free tier in product terms:
    users x requests a day x output tokens per request x 365 / 1e6)."""
    min_token_share_frac: float | None = Field(default=None, ge=0, lt=1)
    """Fewest of the output tokens served (all tiers) this tier must serve, as a fraction."""

    @model_validator(mode="before")
    @classmethod
    def _legacy_ratio(cls, data: Any) -> Any:
        if not isinstance(data, dict) or data.get("input_tokens_per_output_token") is None:
            return data
        ratio = data["input_tokens_per_output_token"]
        if isinstance(ratio, bool) or not isinstance(ratio, int | float):
            return data  # the field's own check reports it
        out = data.get("output_tokens", DEFAULT_OUTPUT_TOKENS)
        if "input_tokens" in data:
            if isinstance(out, int | float) and data["input_tokens"] != round(ratio * out):
                raise ValueError(
                    f"input_tokens_per_output_token {ratio:g} disagrees with input_tokens "
                    f"{data['input_tokens']} / output_tokens {out}; give input_tokens and "
                    "output_tokens only"
                )
            return data
        if isinstance(out, int | float) and not isinstance(out, bool):
            return {**data, "input_tokens": round(ratio * out)}
        return data

    @field_validator("power_share_frac", "min_power_share_frac", "min_token_share_frac")
    @classmethod
    def _resolvable_share(cls, value: float | None) -> float | None:
        if value and value < MIN_SHARE_FRAC:
            raise ValueError(
                f"{value:g} is below {MIN_SHARE_FRAC:g}, the smallest share a plan "
                f"can be checked against; give 0 or at least {MIN_SHARE_FRAC:g}"
            )
        return value

    @field_validator("min_mtok_per_year")
    @classmethod
    def _resolvable_floor(cls, value: float | None) -> float | None:
        if value and value < MIN_FLOOR_MTOK_PER_YEAR:
            raise ValueError(
                f"{value:g} is below {MIN_FLOOR_MTOK_PER_YEAR:g} Mtok a year, the "
                "smallest floor a plan can be checked against; give 0 or at least "
                f"{MIN_FLOOR_MTOK_PER_YEAR:g}"
            )
        return value

    @property
    def input_per_output(self) -> float:
        """Input tokens per output token: prefill work and input revenue per output token."""
        return self.input_tokens / self.output_tokens

    @model_validator(mode="after")
    def _shares(self) -> Tier:
        if self.power_share_frac is not None and (
            self.min_power_share_frac is not None or self.max_power_share_frac is not None
        ):
            raise ValueError("give power_share_frac (fixed) or min/max_power_share_frac, not both")
        lo, hi = self.min_power_share_frac, self.max_power_share_frac
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"min_power_share_frac {lo} exceeds max_power_share_frac {hi}")
        if self.demand_curve is not None and (
            self.price_usd_per_mtok <= 0 or not self.demand_mtok_per_year
        ):
            raise ValueError(
                "demand_curve needs a reference point: price_usd_per_mtok > 0 and "
                "demand_mtok_per_year > 0"
            )
        floor, forecast = self.min_mtok_per_year, self.demand_mtok_per_year
        if floor and forecast is not None and floor > forecast and self.demand_curve is None:
            raise ValueError(
                f"min_mtok_per_year {floor:g} exceeds demand_mtok_per_year {forecast:g}"
            )
        return self

    @property
    def share_floor_frac(self) -> float:
        """The smallest share of site power this tier must get (fixed or minimum), 0 if none."""
        return self.power_share_frac or self.min_power_share_frac or 0.0


class Rental(Strict):
    """Cloud capacity rented by the GPU-hour: a catalog rack's performance with no capex and
    no site power, paid for every hour of the year it is rented, up to what can be rented."""

    rack: Name
    """The catalog rack whose performance the rented capacity has (e.g. gb300-nvl72)."""
    usd_per_gpu_hour: float = Field(gt=0, le=1000)
    """Price per accelerator-hour, USD (on-demand or reserved, as quoted)."""
    max_racks: float | None = Field(default=None, ge=0)
    """Most rack-equivalents that can be rented in a year; absent means no limit."""

    @model_validator(mode="before")
    @classmethod
    def _no_capex_or_power(cls, data: Any) -> Any:
        if isinstance(data, dict):
            owned = [
                k
                for k in (
                    "capex_usd",
                    "power_kw",
                    "power_mw",
                    "site_power_mw",
                    "opex_usd_per_year",
                    "lifetime_years",
                )
                if k in data
            ]
            if owned:
                raise ValueError(
                    f"{owned[0]}: a rental has no capex, lifetime or site power; it is paid by "
                    "the GPU-hour (usd_per_gpu_hour) and limited by max_racks"
                )
        return data


class LeaseOut(Strict):
    """Owned racks leased out by the GPU-hour (a neocloud contract): capacity the market takes
    at its price, so an idle rack has a value and a tier's revenue per GPU-hour a yardstick."""

    usd_per_gpu_hour: dict[Name, float] = Field(min_length=1)
    """Rack -> the price a lessee pays per accelerator-hour, USD (market-data.md section 3,
    2026 contract prices: H200 $3.00, GB300 $5.00, Vera Rubin $7.00; each 0-1000)."""
    utilisation_frac: float = Field(default=1.0, gt=0, le=1)
    """Hours billed over hours in a year (1: a take-or-pay contract, as CoreWeave's 96-98%)."""
    growth_frac_per_year: float = Field(default=0.0, ge=-0.9, le=1.0)
    """Change of the lease price each year after the first (market-data section 3: flat in
    2026, then about -20% a year once a successor ships)."""
    entrant_margin_frac: float | None = Field(default=None, ge=0, lt=1)
    """Rental parity: when given, no tier on a demand curve is priced above what a seller
    renting the cheapest route's racks at these prices must charge to keep this margin over
    its compute (economics-data.md section 4: OpenAI's compute margin about 70%, Anthropic's
    53-68%). Absent: prices are bounded by their curves alone. See docs/formulation.md,
    "Rental parity"."""

    @model_validator(mode="after")
    def _prices(self) -> LeaseOut:
        for rack, price in self.usd_per_gpu_hour.items():
            if not 0 < price <= 1000:
                raise ValueError(
                    f"usd_per_gpu_hour.{rack}: {price:g} must be above 0 and at most 1000"
                )
        return self


class Comparison(Strict):
    """Where an instance stands in a side-by-side comparison (`plan compare`)."""

    order: int = Field(ge=0)
    """Position in the comparison (e.g. hardware generation order)."""
    claimed_ratio_to_previous: float | None = Field(default=None, gt=0)
    """What a source claims this instance earns over the previous one, x."""
    claim_source: str = ""
    """Where that claim comes from."""


class RackLimits(Strict):
    """Per-rack-type planning limits."""

    max_count: int | None = Field(default=None, ge=0)
    """Most racks of this type bought over the whole plan (supply; every year together, and
    together with any per-year delivery limit); absent means no limit."""


class Instance(Strict):
    """A planning problem: site, tiers, which systems may be used, and the objective."""

    name: str = Field(default="", pattern=r"^$|" + NAME_PATTERN, max_length=120)
    """Run name; outputs go to outputs/<name>/. Defaults to the file's stem."""
    description: str = ""
    """What this instance represents."""
    objective: Objective = "revenue"
    """revenue (maximise), profit (maximise), cost_per_token (minimise, forecasts served in full)."""
    workload: str = Field(default="deepseek-r1", min_length=1)
    """The model every tier serves unless it names its own `model` (a curve name)."""
    data: Literal["measured", "derived", "partner", "estimate", "all"] = "all"
    """The weakest basis the plan may rest on, on the ladder measured > derived > partner >
    estimate > vendor claim: `measured` keeps only measured points, `derived` adds arithmetic
    on them, `partner` unverified third-party measurements, `estimate` our estimates, `all`
    vendor claims too. Points on a weaker basis are set aside."""
    catalog_dir: str | None = Field(default=None, min_length=1)
    """Catalog folder relative to this file; absent means the repository's models/."""
    racks_csv: str | None = Field(default=None, min_length=1)
    """CSV of rack data (one row per rack, unit-suffixed columns) overriding the catalog."""
    site: Site
    """The facility."""
    systems: list[Name] | None = Field(default=None, min_length=1)
    """Systems the optimiser may use; absent means every system in the catalog."""
    racks: dict[Name, RackLimits] = Field(default_factory=dict)
    """Per-rack limits keyed by rack name."""
    rentals: dict[Name, Rental] = Field(default_factory=dict)
    """Cloud capacity that can be rented instead of bought, keyed by a name of your choice."""
    lease_out: LeaseOut | None = None
    """Owned racks the plan may lease out by the GPU-hour; absent: an idle rack earns nothing."""
    tiers: dict[Name, Tier] = Field(min_length=1)
    """Pricing tiers keyed by name (free, medium, high, premium, ultra)."""
    comparison: Comparison | None = None
    """Order and claimed ratio for `plan compare` (e.g. the GTC generations)."""
    horizon: Horizon | None = None
    """Plan over several years (build schedule); absent: the single-year plan."""
    scenarios: dict[Name, Scenario] | None = Field(default=None, min_length=1)
    """Possible futures with probabilities summing to 1 (two-stage stochastic plan)."""
    stochastic: Stochastic = Stochastic()
    """Which purchases are shared across scenarios, and risk aversion (CVaR)."""

    @property
    def is_multi_period(self) -> bool:
        """True when the horizon/stochastic model (planner.horizon) must be used."""
        return self.horizon is not None or self.scenarios is not None

    @model_validator(mode="after")
    def _scenarios(self) -> Instance:
        known = set(self.tiers)
        if self.horizon is not None:
            for tier in self.horizon.tiers:
                if tier not in known:
                    raise ValueError(
                        f"horizon.tiers.{tier} is not a tier (tiers: {', '.join(known)})"
                    )
        if self.scenarios:
            total = sum(s.probability for s in self.scenarios.values())
            if abs(total - 1) > 1e-6:
                raise ValueError(f"scenarios: probabilities sum to {total:g}; they must sum to 1")
            years = self.horizon.years if self.horizon is not None else 1
            for name, sc in self.scenarios.items():
                tables: dict[str, dict[str, Any]] = {"demand_scale": sc.demand_scale, "price_scale": sc.price_scale,
                          "demand_mtok_per_year": sc.demand_mtok_per_year,
                          "price_usd_per_mtok": sc.price_usd_per_mtok}  # fmt: skip
                for field, table in tables.items():
                    for tier, value in table.items():
                        if tier not in known:
                            raise ValueError(
                                f"scenarios.{name}.{field}: {tier} is not a tier "
                                f"(tiers: {', '.join(sorted(known))})"
                            )
                        if isinstance(value, list) and len(value) != years:
                            raise ValueError(
                                f"scenarios.{name}.{field}.{tier} has {len(value)} values; "
                                f"the plan has {years} year(s)"
                            )
        return self

    @property
    def data_rank(self) -> int:
        """The rank (catalog.LABEL_RANK) of the weakest label `data` keeps."""
        return data_rank(self.data)

    def _has_forecast(self) -> bool:
        """Some tier has a positive forecast (a single-year value or any year of a series)."""
        if any((t.demand_mtok_per_year or 0) > 0 for t in self.tiers.values()):
            return True
        series: list[float | Series | None] = (
            [ts.demand_mtok_per_year for ts in self.horizon.tiers.values()] if self.horizon else []
        )
        series += [
            v for sc in (self.scenarios or {}).values() for v in sc.demand_mtok_per_year.values()
        ]
        return any(x > 0 for v in series for x in given_values(v))

    @model_validator(mode="after")
    def _input_prices_follow(self) -> Instance:
        """Input prices follow the output price in proportion (docs/formulation.md, "Input
        tokens"): a tier whose output price is 0 has nothing to follow, so an input price there
        cannot move with a price path or a scenario's replacement price; say it instead."""
        for name, tier in self.tiers.items():
            if tier.input_price_usd_per_mtok <= 0 or tier.price_usd_per_mtok > 0:
                continue
            paths = (
                [f"horizon.tiers.{name}.price_usd_per_mtok"]
                if (
                    self.horizon is not None
                    and name in self.horizon.tiers
                    and self.horizon.tiers[name].price_usd_per_mtok is not None
                )
                else []
            )
            paths += [
                f"scenarios.{s}.price_usd_per_mtok.{name}"
                for s, sc in (self.scenarios or {}).items()
                if name in sc.price_usd_per_mtok
            ]
            if paths:
                raise ValueError(
                    f"tiers.{name}: input_price_usd_per_mtok {tier.input_price_usd_per_mtok:g} "
                    f"follows the output price in proportion, but the output price is 0 and "
                    f"{paths[0]} moves it: give the tier an output price above 0, or no input price"
                )
        return self

    @model_validator(mode="after")
    def _share_sum(self) -> Instance:
        total = sum(t.share_floor_frac for t in self.tiers.values())
        if total > 1 + 1e-9:
            raise ValueError(f"tier power shares (fixed or minimum) sum to {total:g}, more than 1")
        tokens = sum(t.min_token_share_frac or 0.0 for t in self.tiers.values())
        if tokens >= 1:
            raise ValueError(
                f"tier token shares (min_token_share_frac) sum to {tokens:g}; "
                "they must leave room below 1"
            )
        if self.objective == "cost_per_token" and not self._has_forecast():
            raise ValueError(
                "objective cost_per_token needs at least one tier with demand_mtok_per_year > 0"
            )
        return self
