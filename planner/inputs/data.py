"""PlanData: plain indexed numbers over YEARS x SCENARIOS, in model units (built by
planner/inputs/derive.py from an instance and its catalog).

Every plan is a horizon: a single-year instance is one year (labelled 0) with one scenario
(`base`, probability 1), so every field means the same thing in every plan kind.

Model units (chosen so HiGHS sees coefficients near 1 on every shipped instance): power in MW,
money in $M (`musd`), tokens in Ttok = 1e12 tokens = 1e6 Mtok (`ttok`). A price in $/Mtok is
numerically $M per Ttok, so revenue coefficients are the prices.

Time. A rack serves whole years: `ceil(lifetime_years)` of them from the year it is bought
(a lifetime of 2.5 years serves 3 years). Its capex is recovered as an annuity over those years
of service, capex x CRF(discount rate, service years), charged in each year it serves inside
the plan (so a rack bought in the last year is charged one year: the end effect).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from planner.inputs.instance import Objective
from planner.inputs.market import Curve
from planner.inputs.serving import Route

MTOK_PER_TTOK = 1e6
USD_PER_MUSD = 1e6
SECONDS_PER_HOUR = 3600.0
BASE_SCENARIO = "base"
SINGLE_YEAR = 0
"""The year label of a plan without `horizon:`."""

OBJECTIVE_USD_PER_MODEL_UNIT = {"revenue": USD_PER_MUSD, "profit": USD_PER_MUSD,
                                "cost_per_token": 1.0}  # fmt: skip
"""Model objective ($M, or $/Mtok for cost_per_token) -> the units of summary.csv."""

SystemTier = tuple[str, str]
SystemTierRack = tuple[str, str, str]
RackYear = tuple[str, int]
TierYearScenario = tuple[str, int, str]
CurvePiece = tuple[str, int, int, str]
"""(tier, year, piece, scenario): the scenario last, as in every scenario-indexed set."""


@dataclass(frozen=True)
class PlanData:
    """Everything the model needs, already derived and scaled. No I/O, no solver."""

    name: str
    objective: Objective
    years: tuple[int, ...]
    scenarios: tuple[str, ...]
    shared_years: tuple[int, ...]
    """Years whose purchases every scenario shares (decided before the future is known)."""
    probability: dict[str, float]
    discount: dict[int, float]
    racks: tuple[str, ...]
    systems: tuple[str, ...]
    tiers: tuple[str, ...]
    servable: tuple[SystemTier, ...]
    pue: float
    tier_utilisation_frac: dict[str, float]
    """Time-average load over capacity of each tier (throughput x this = tokens made)."""
    tier_price_realisation_frac: dict[str, float]
    """Revenue per dollar of list price, per tier."""
    facility_capex_musd: dict[int, float]
    """Building capex spent in a year: the envelope's new MW x facility_capex_usd_per_mw."""
    facility_cost_musd: dict[int, float]
    """The building's yearly cost: annuity of every part built and in service, plus opex."""
    facility_opex_musd: dict[int, float]
    """The opex part of facility_cost_musd."""
    site_power_mw: dict[int, float]
    capex_budget_musd: dict[int, float]
    """Years with a capex budget -> that year's budget."""
    rack_power_mw: dict[str, float]
    rack_capex_musd: dict[str, float]
    rack_service_years: dict[str, int]
    rack_annuity_musd_per_year: dict[str, float]
    rack_opex_musd_per_year: dict[str, float]
    rack_energy_musd_per_year: dict[RackYear, float]
    existing_in_service: dict[RackYear, int]
    existing_retired: dict[RackYear, int]
    rack_max_count: dict[str, int]
    """Most racks of a type bought over the whole plan (supply), per scenario path."""
    max_deliveries: dict[RackYear, int]
    """Most racks of a type delivered in one year (0 before its first year)."""
    first_year_idle_frac: dict[RackYear, float]
    """(rack, its first year) -> the part of that year the racks bought in it cannot serve yet
    (`horizon.racks.<rack>.first_available` in Q4: 0.75); only where it is above 0."""
    system_racks: dict[SystemTierRack, float]
    """Racks of each type per unit of a system serving a tier (they depend on the tier's
    workload for a recipe)."""
    system_power_mw: dict[SystemTier, float]
    """IT power of one unit of a system serving a tier, MW."""
    routes: dict[SystemTier, Route]
    """How each system serves each tier it can: phases per rack, data basis, notes."""
    tok_s: dict[SystemTier, float]
    throughput_ttok_per_year: dict[SystemTier, float]
    price_musd_per_ttok: dict[TierYearScenario, float]
    """Revenue per output Ttok, input-token revenue included ($M/Ttok = $/Mtok)."""
    list_price_usd_per_mtok: dict[TierYearScenario, float]
    demand_ttok_per_year: dict[TierYearScenario, float]
    tier_fixed_share_frac: dict[str, float]
    tier_min_share_frac: dict[str, float]
    tier_max_share_frac: dict[str, float]
    cvar_alpha_frac: float = 0.9
    cvar_weight_frac: float = 0.0
    unservable: dict[str, str] = field(default_factory=dict)
    """Tier -> why no allowed system can serve it (reported; the tier gets no power)."""

    rentals: dict[str, str] = field(default_factory=dict)
    """Rental name -> the rack whose performance it rents."""
    rental_cost_musd_per_year: dict[str, float] = field(default_factory=dict)
    """Cost of renting one rack-equivalent for a year: accelerators x $/GPU-hour x hours."""
    rental_max_racks: dict[str, float] = field(default_factory=dict)
    """Rentals with a limit -> most rack-equivalents rentable in a year."""
    facility_capex_musd_per_mw: float = 0.0
    """Building capex per MW of envelope, $M (for levers that move the envelope)."""
    facility_musd_per_mw_year: float = 0.0
    """Yearly building cost per MW of envelope: capex x CRF over its life + opex, $M."""
    seller_usd_per_rack_hour: dict[RackYear, float] = field(default_factory=dict)
    """With `lease_out:`, what an hour of a rack costs a seller of tokens: the market's rent
    (GPUs x the lease price, with its yearly change) for a rack the market rents, else its
    owner's yearly cost (capital recovery, opex, energy, its share of the building) over the
    hours of a year. Rental parity (planner/inputs/parity.py) and the tiers' compute margins
    (planner/results/plausibility.py) read it."""

    curves: dict[TierYearScenario, Curve] = field(default_factory=dict)
    """(tier, year, scenario) whose price the plan chooses -> its demand curve (list $/Mtok,
    Ttok a year). These keys have no forecast in demand_ttok_per_year: the curve is their
    market."""
    curve_width_ttok: dict[CurvePiece, float] = field(default_factory=dict)
    """Width of each linear piece of a curve's revenue, Ttok a year."""
    curve_price_musd_per_ttok: dict[CurvePiece, float] = field(default_factory=dict)
    """Revenue per output Ttok on each piece (its marginal revenue), realised, input tokens
    included, $M/Ttok."""
    tier_min_ttok_per_year: dict[TierYearScenario, float] = field(default_factory=dict)
    """Fewest output Ttok a tier must serve in a year (a free tier's users)."""
    tier_min_token_share_frac: dict[str, float] = field(default_factory=dict)
    """Fewest of all output tokens served that a tier must serve, as a fraction."""
    block_mw: float = 0.0
    """Facility MW per energisation block; 0: the whole envelope is energised (no decision)."""
    energised_at_start_mw: float = 0.0
    """MW energised before the plan (paid before it: opex only)."""
    energise_years: tuple[int, ...] = ()
    """Years in which blocks may be energised (after the lead time)."""
    block_capex_musd: float = 0.0
    """Building capex of one block, $M (paid the year it is energised)."""
    block_annuity_musd_per_year: float = 0.0
    """Capex x CRF(rate, the building's service years) of one block, per year in service, $M."""
    block_opex_musd_per_year: float = 0.0
    """Building opex of one energised block per year, $M."""
    facility_service_years: int = 20
    """Whole years the building serves (its lifetime rounded up, as racks')."""
    discount_rate_frac: float = 0.0
    """The rate behind `discount` and the annuities (for the value left at the end)."""
    value_left_frac: float = 1.0
    """Share of the capital not yet charged at the end that counts as value (horizon only)."""
    rack_left_musd: dict[RackYear, float] = field(default_factory=dict)
    """(rack, year bought) still serving after the plan -> its remaining annuities at the end."""
    block_left_musd: dict[int, float] = field(default_factory=dict)
    """Year a block is energised -> its building's remaining annuities at the end."""
    end_discount: float = 1.0
    """1 / (1 + rate)^T: the end of the plan's last year."""
    lease_revenue_musd_per_year: dict[RackYear, float] = field(default_factory=dict)
    """(rack, year) that can be leased out -> a leased rack's revenue that year: accelerators
    x $/GPU-hour x hours x the lease's utilisation, $M."""
    rack_description: dict[str, str] = field(default_factory=dict)
    """Rack -> what it is, in the catalog's words (for the purchase order; the model reads no
    words)."""

    @property
    def must_serve_forecasts(self) -> bool:
        """cost_per_token serves every forecast in full."""
        return self.objective == "cost_per_token"

    @property
    def curve_keys(self) -> tuple[TierYearScenario, ...]:
        """The (tier, year, scenario) priced on demand curves: all the model's structure takes
        of `curves` (their prices and volumes reach it as the mutable curve_width_ttok and
        curve_price_musd_per_ttok), so a price change keeps a sweep's model (model/reads.py)."""
        return tuple(self.curves)

    @property
    def is_single(self) -> bool:
        """One year and one scenario: the single-year plan."""
        return len(self.years) == 1 and len(self.scenarios) == 1

    @property
    def energises(self) -> bool:
        """The plan chooses how many MW to energise (in blocks of block_mw)."""
        return self.block_mw > 0

    @property
    def has_cvar(self) -> bool:
        return self.cvar_weight_frac > 0 and self.objective != "cost_per_token"


def mean_scenario(data: PlanData) -> PlanData:
    """The expected-value problem: one scenario with probability-weighted demand and price.

    A forecast enters the mean only where every scenario has one for that tier and year.
    """
    price, list_price, demand = {}, {}, {}
    for t in data.tiers:
        for y in data.years:
            key = (t, y, BASE_SCENARIO)
            price[key] = sum(
                p * data.price_musd_per_ttok[t, y, s] for s, p in data.probability.items()
            )
            list_price[key] = sum(
                p * data.list_price_usd_per_mtok[t, y, s] for s, p in data.probability.items()
            )
            if all((t, y, s) in data.demand_ttok_per_year for s in data.scenarios):
                demand[key] = sum(
                    p * data.demand_ttok_per_year[t, y, s] for s, p in data.probability.items()
                )
    curves, width, piece_price = _mean_curves(data)
    floors = {
        (t, y, BASE_SCENARIO): sum(
            p * data.tier_min_ttok_per_year[t, y, s] for s, p in data.probability.items()
        )
        for t, y, s in data.tier_min_ttok_per_year
        if s == data.scenarios[0]
    }
    return replace(
        data,
        scenarios=(BASE_SCENARIO,),
        probability={BASE_SCENARIO: 1.0},
        price_musd_per_ttok=price,
        list_price_usd_per_mtok=list_price,
        demand_ttok_per_year=demand,
        cvar_weight_frac=0.0,
        curves=curves,
        curve_width_ttok=width,
        curve_price_musd_per_ttok=piece_price,
        tier_min_ttok_per_year=floors,
    )


def _mean_curves(data: PlanData) -> tuple[dict, dict, dict]:
    """The mean future's curves: each piece's width and price averaged over the scenarios,
    piece by piece (every scenario's curve of a tier and year has the same pieces when built
    from one elasticity; a ladder whose dropped points differ keeps the first scenario's). The
    Curve kept for the mean (its words: reference point, elasticity) is the first scenario's."""
    curves, width, piece_price = {}, {}, {}
    first = data.scenarios[0]
    for (t, y, s), curve in data.curves.items():
        if s != first:
            continue
        n = len(curve.pieces())
        same = all(
            len(data.curves[t, y, o].pieces()) == n if (t, y, o) in data.curves else False
            for o in data.scenarios
        )
        curves[t, y, BASE_SCENARIO] = curve
        for j in range(n):
            own = [(p, o) for o, p in data.probability.items()] if same else [(1.0, first)]
            width[t, y, j, BASE_SCENARIO] = sum(
                p * data.curve_width_ttok[t, y, j, o] for p, o in own
            )
            piece_price[t, y, j, BASE_SCENARIO] = sum(
                p * data.curve_price_musd_per_ttok[t, y, j, o] for p, o in own
            )
    return curves, width, piece_price


def perfect_information(data: PlanData) -> PlanData:
    """The wait-and-see problem: every scenario buys its own racks, knowing its future.

    Runs solve it as a matrix derived from the plan's (planner/solver/wait_and_see.py, no
    second model); this is its definition as data, which tests build as a model to check that
    derived matrix against, row for row."""
    return replace(data, shared_years=())
