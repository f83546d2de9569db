"""The catalog in `models/`: purchasable racks, what they measure per serving phase, and the
serving systems (recipes) that combine them, with a source and a label on every number.

- A rack is something procurement buys (`models/racks/<name>.yaml`).
- A rack's performance (`models/performance/<name>.yaml`), per model: prefill throughput
  (input tok/s per rack against time-to-first-token) and decode throughput (output tok/s per
  rack against tok/s per user), for a whole decode or for its attention or FFN part.
- A system is a way of serving (`models/systems/<name>.yaml`), in one of two forms:
  * a bundle: a fixed bill of racks and, per model, a measured curve of output tok/s per unit
    with prefill included (an aggregated deployment, or today's fixed pairings);
  * a recipe: which rack type runs each phase, `{prefill, decode}` (prefill/decode
    disaggregation) or `{prefill, decode_attention, decode_ffn}` (attention/FFN
    disaggregation). The racks per unit then follow from each tier's workload and speed
    (`planner/inputs/serving.py`), so the optimiser chooses the ratios.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import (
    AliasChoices,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from planner.errors import InstanceError
from planner.inputs.base import Name, Strict
from planner.inputs.yamlio import format_validation_error, read_yaml

Confidence = Literal["stated", "derived", "estimate"]
AcceleratorKind = Literal["gpu", "lpu"]
Label = Literal["measured", "derived", "partner", "estimate", "vendor-claim", "stated"]
"""What a performance number rests on, strongest first (the basis ladder): measured (a
benchmark run anyone can check), derived (arithmetic on measured figures, shown in the note),
partner (a third party's measurement nobody has verified, e.g. CoreWeave's engineering-sample
Vera Rubin rack), estimate (our reasoning, shown), vendor-claim (a vendor's figure, often "up
to"). `stated` is the label of catalogs written before labels: it ranks with vendor-claim, as
nothing says it was measured."""
BASES = ("measured", "derived", "partner", "estimate", "vendor-claim")
"""The ladder, strongest first; a new data point takes one of these."""
LABEL_RANK: dict[str, int] = {**{b: k for k, b in enumerate(BASES)}, "stated": len(BASES) - 1}
"""Weaker basis ranks higher; a derived rate takes the weakest label of the points it uses."""
NEW_LABELS = BASES
"""The labels a new data point may be given (`stated` is only read, from older catalogs)."""
DATA_LEVELS = ("measured", "derived", "partner", "estimate", "all")
"""`--data` / `data:`: the weakest basis a plan may rest on (`all`: vendor claims too)."""
BASIS_WORDS = {"measured": "measurements", "derived": "derived figures",
               "partner": "partner measurements", "estimate": "estimates",
               "vendor-claim": "vendor claims"}  # fmt: skip
BASIS_ADJECTIVES = {"measured": "measured", "derived": "derived", "partner": "partner",
                    "estimate": "estimated", "vendor-claim": "vendor-claimed"}  # fmt: skip


def and_list(words: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def data_rank(level: str) -> int:
    """The rank of the weakest label a `data` level keeps (`all` keeps every label)."""
    return LABEL_RANK["vendor-claim"] if level == "all" else LABEL_RANK[level]


def set_aside_words(rank: int) -> str:
    """' once estimates and vendor claims are set aside' for a rank below all; '' at all."""
    dropped = [BASIS_WORDS[b] for b in BASES if LABEL_RANK[b] > rank]
    return f" once {and_list(dropped)} are set aside" if dropped else ""


PHASES = ("prefill", "decode", "decode_attention", "decode_ffn")
RECIPE_SHAPES = (("prefill", "decode"), ("prefill", "decode_attention", "decode_ffn"))
"""The phase sets a recipe may name: prefill/decode or attention/FFN disaggregation."""
DEFAULT_INPUT_TOKENS = 8192
DEFAULT_OUTPUT_TOKENS = 1024
"""The workload every shipped curve was first built for (DeepSeek-R1, 8K in / 1K out)."""


class Source(Strict):
    """Where one number comes from."""

    field: str
    """Field the number belongs to (e.g. `power_kw`, or `tok_s` for a curve point)."""
    value: float | str
    """The number as used."""
    source: str
    """Citation: URL, document or `estimate`."""
    confidence: Confidence
    """stated (appears in the source), derived (arithmetic on stated), estimate (our assumption)."""
    note: str = ""
    """Reasoning, conversions, caveats."""


class Rack(Strict):
    """A purchasable rack (or server) with its power, price and life."""

    name: Name
    """Catalog key, e.g. `gb300-nvl72`."""
    description: str = ""
    """What it is."""
    accelerator: str
    """Accelerator model, e.g. `H200`, `Groq 3 LPU`."""
    accelerator_kind: AcceleratorKind
    """gpu or lpu: cost per GPU-hour counts GPUs only."""
    accelerators: int = Field(ge=0)
    """Number of accelerators in the rack."""
    power_kw: float = Field(gt=0)
    """All-in IT load at rated throughput, kW: the rack and its share of scale-out network and
    storage, the power basis its throughput curves were converted on (facility power adds the
    site PUE)."""
    capex_usd: float = Field(gt=0)
    """Purchase price, USD."""
    lifetime_years: float = Field(gt=0, le=30)
    """Economic life, years: a rack serves this many whole years (rounded up) and its capex is
    recovered over them."""
    opex_usd_per_year: float = Field(default=0.0, ge=0)
    """Non-energy operating cost (support, maintenance), USD per year."""
    market_usd_per_gpu_hour: float | None = Field(default=None, gt=0)
    """Quoted all-in cost per GPU-hour (TCO model or rental), for `plan catalog` only."""
    sources: list[Source] = Field(default_factory=list)
    """Provenance of each number above."""


class CurvePoint(Strict):
    """One throughput/interactivity operating point for a whole system unit (or one rack)."""

    tok_s_per_user: float = Field(gt=0)
    """Output tokens per second seen by one user (interactivity)."""
    tok_s: float = Field(gt=0)
    """Output tokens per second produced by one system unit (or rack) at that interactivity."""
    source: str
    """Citation or `estimate`."""
    label: Label = Field(validation_alias=AliasChoices("label", "confidence"))
    """measured, derived, partner, estimate or vendor-claim (`confidence:` is read as the same field)."""
    note: str = ""
    """Conversion (e.g. input+output -> output tokens) and reasoning."""


class ContextScaling(Strict):
    """How a decode rate moves with the tier's KV-cache context C (input + output / 2).

    A decode step per output token reads the weights (shared across the batch) and the
    request's KV cache (C tokens), so its time per token is taken as proportional to
    `fixed_tokens + C`: the rate at C is the curve's rate x (fixed_tokens + C_curve) /
    (fixed_tokens + C), at the same tok/s per user. `fixed_tokens` is fitted on measured rows
    of one run at two contexts; between them the factor carries `label`, outside them it is an
    extrapolation and an estimate."""

    fixed_tokens: float = Field(gt=0, le=10_000_000)
    """The context-equivalent of the work per output token that does not grow with context."""
    measured_min_tokens: float = Field(gt=0, le=10_000_000)
    measured_max_tokens: float = Field(gt=0, le=10_000_000)
    """The contexts of the rows `fixed_tokens` was fitted on."""
    source: str
    """Citation of the rows, or `estimate`."""
    label: Label
    """measured, derived, partner, estimate or vendor-claim, inside the measured range."""
    note: str = ""
    """The arithmetic (rates, contexts, the fit)."""

    @model_validator(mode="after")
    def _range(self) -> Self:
        if self.measured_min_tokens >= self.measured_max_tokens:
            raise ValueError(
                f"measured_min_tokens {self.measured_min_tokens:g} must be below "
                f"measured_max_tokens {self.measured_max_tokens:g}"
            )
        return self


class Curve(Strict):
    """Throughput against interactivity: tok_s non-increasing as tok_s_per_user rises."""

    description: str = ""
    """Workload details (model, precision, engine)."""
    input_tokens: int = Field(default=DEFAULT_INPUT_TOKENS, ge=0, le=10_000_000)
    """Input tokens per request of the measured workload."""
    output_tokens: int = Field(default=DEFAULT_OUTPUT_TOKENS, ge=1, le=10_000_000)
    """Output tokens per request of the measured workload."""
    points: list[CurvePoint] = Field(min_length=1)
    """Operating points, any order; sorted by tok_s_per_user at load."""
    context: ContextScaling | None = None
    """How the decode part of this curve moves with a tier's context (None: it is not moved,
    and a longer context than the curve's is noted)."""

    @property
    def context_tokens(self) -> float:
        """Mean tokens in the KV cache while decoding: input + output / 2."""
        return self.input_tokens + self.output_tokens / 2

    @field_validator("points")
    @classmethod
    def _monotone(cls, points: list[CurvePoint]) -> list[CurvePoint]:
        ordered = sorted(points, key=lambda p: p.tok_s_per_user)
        for lo, hi in zip(ordered, ordered[1:], strict=False):
            if hi.tok_s_per_user == lo.tok_s_per_user:
                raise ValueError(f"two points at {lo.tok_s_per_user} tok_s_per_user")
            if hi.tok_s > lo.tok_s:
                raise ValueError(
                    f"throughput must not rise with speed: {lo.tok_s} tok_s at "
                    f"{lo.tok_s_per_user} tok_s_per_user but {hi.tok_s} at {hi.tok_s_per_user}"
                )
        return ordered


class PrefillPoint(Strict):
    """One prefill operating point of one rack: input throughput at a time-to-first-token."""

    ttft_s: float = Field(gt=0)
    """Time to first token at this load, seconds (median)."""
    input_tok_s: float = Field(gt=0)
    """Input tokens per second one rack prefills at that time-to-first-token."""
    source: str
    """Citation or `estimate`."""
    label: Label
    """measured, derived, partner, estimate or vendor-claim."""
    note: str = ""
    """Conversion (per GPU -> per rack) and reasoning."""


class PrefillCurve(Strict):
    """Prefill throughput against time-to-first-token: input_tok_s non-decreasing as ttft_s
    rises (a tighter first-token target never raises throughput)."""

    description: str = ""
    """Workload details (model, precision, engine)."""
    points: list[PrefillPoint] = Field(min_length=1)
    """Operating points, any order; sorted by ttft_s at load."""

    @field_validator("points")
    @classmethod
    def _monotone(cls, points: list[PrefillPoint]) -> list[PrefillPoint]:
        ordered = sorted(points, key=lambda p: p.ttft_s)
        for lo, hi in zip(ordered, ordered[1:], strict=False):
            if hi.ttft_s == lo.ttft_s:
                raise ValueError(f"two points at {lo.ttft_s} ttft_s")
            if hi.input_tok_s < lo.input_tok_s:
                raise ValueError(
                    f"prefill throughput must not rise as the first-token target tightens: "
                    f"{lo.input_tok_s} input_tok_s at {lo.ttft_s} s but {hi.input_tok_s} at "
                    f"{hi.ttft_s} s"
                )
        return ordered


class PhaseCurves(Strict):
    """What one rack does in each serving phase, for one model."""

    prefill: PrefillCurve | None = None
    """Input tok/s per rack of a prefill pool against time-to-first-token."""
    decode: Curve | None = None
    """Output tok/s per rack of a decode pool (whole decode step) against tok/s per user, at
    the curve's workload (its KV-cache context)."""
    decode_attention: Curve | None = None
    """Output tok/s per rack running only the attention part of decode (KV cache held here),
    at the curve's context; the work per token grows with the context."""
    decode_ffn: Curve | None = None
    """Output tok/s per rack running only the FFN/MoE part of decode (independent of context)."""


class Performance(Strict):
    """A rack's measured or estimated throughput per serving phase, per model."""

    name: Name
    """The rack it describes (the file name)."""
    description: str = ""
    """What was measured, and how it is converted to one rack."""
    models: dict[str, PhaseCurves] = Field(min_length=1)
    """Model name (e.g. `deepseek-r1`) -> the phase curves."""


class System(Strict):
    """A way of serving: a bundle (`racks` and `curves`) or a recipe (`phases`)."""

    name: Name
    """Catalog key, e.g. `vr-nvl72-lpx`."""
    description: str = ""
    """How it serves (e.g. prefill and attention on GPUs, FFN decode on LPX)."""
    racks: dict[str, float] = Field(default_factory=dict)
    """Bundle: racks per system unit, e.g. {gb300-nvl72: 1}."""
    curves: dict[str, Curve] = Field(default_factory=dict)
    """Bundle: per model (e.g. `deepseek-r1`), output tok/s per unit against tok/s per user,
    prefill included, at the curve's workload."""
    phases: dict[str, str] = Field(default_factory=dict)
    """Recipe: phase -> the rack type that runs it, phases {prefill, decode} or {prefill,
    decode_attention, decode_ffn}; throughputs come from `models/performance/<rack>.yaml`."""

    @field_validator("racks")
    @classmethod
    def _positive(cls, racks: dict[str, float]) -> dict[str, float]:
        for rack, count in racks.items():
            if not count > 0:
                raise ValueError(f"rack count for {rack} must be > 0, got {count}")
        return racks

    @model_validator(mode="after")
    def _one_form(self) -> System:
        if self.phases:
            if self.racks or self.curves:
                raise ValueError(
                    "a system is a bundle (racks and curves) or a recipe (phases), not both"
                )
            shape = tuple(p for p in PHASES if p in self.phases)
            unknown = sorted(set(self.phases) - set(PHASES))
            if unknown or shape not in RECIPE_SHAPES:
                raise ValueError(
                    f"phases {', '.join(self.phases)}: a recipe names prefill and decode, or "
                    "prefill, decode_attention and decode_ffn"
                )
        elif not self.racks or not self.curves:
            raise ValueError("a bundle needs racks and curves (or give phases for a recipe)")
        return self

    @property
    def is_recipe(self) -> bool:
        """Racks per unit follow from the tier (phases), not from a fixed bill."""
        return bool(self.phases)

    @property
    def rack_names(self) -> tuple[str, ...]:
        """The rack types the system uses, in bill or phase order."""
        return tuple(dict.fromkeys([*self.racks, *self.phases.values()]))


class Catalog(Strict):
    """All racks, performance data and systems, cross-checked: every system's racks exist."""

    racks: dict[str, Rack]
    """Rack name -> rack."""
    systems: dict[str, System]
    """System name -> system."""
    performance: dict[str, Performance] = Field(default_factory=dict)
    """Rack name -> its per-phase throughputs."""
    _routes: dict[tuple[Any, ...], Any] = PrivateAttr(default_factory=dict)
    """Routes worked out from this catalog (planner/inputs/serving.py `route`). They depend on
    its content alone, which is frozen, so they live on it and go with it; a copy with other
    content starts without them (`model_copy`)."""

    def routes(self) -> dict[tuple[Any, ...], Any]:
        """(system, workload, weakest rank kept) -> the route worked out from this catalog."""
        return self._routes

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        copy = super().model_copy(update=update, deep=deep)
        copy._routes = {}  # other racks (a procurement CSV) give other routes
        return copy

    @model_validator(mode="after")
    def _references(self) -> Catalog:
        for system in self.systems.values():
            for rack in system.rack_names:
                if rack not in self.racks:
                    known = ", ".join(sorted(self.racks))
                    raise ValueError(
                        f"system {system.name} needs rack {rack}, which is not in the catalog "
                        f"(racks: {known})"
                    )
        for rack in self.performance:
            if rack not in self.racks:
                raise ValueError(f"performance/{rack}.yaml describes a rack not in the catalog")
        return self

    def models_of(self, system: str) -> set[str]:
        """Models a system has data for (a recipe: those its decode racks have curves for)."""
        sy = self.systems[system]
        if not sy.is_recipe:
            return set(sy.curves)
        decode = sy.phases.get("decode") or sy.phases["decode_ffn"]
        perf = self.performance.get(decode)
        return set(perf.models) if perf else set()


Item = Rack | System | Performance


def _load_dir(folder: Path, model: type[Item]) -> dict[str, Item]:
    items: dict[str, Item] = {}
    for path in sorted(folder.glob("*.yaml")):
        data, node = read_yaml(path)
        data.setdefault("name", path.stem)
        try:
            item = model.model_validate(data)
        except ValidationError as exc:
            raise InstanceError(format_validation_error(exc, str(path), model, node)) from None
        if item.name != path.stem:
            raise InstanceError(
                f"{path}: name: '{item.name}' must match the file name '{path.stem}'"
            )
        items[item.name] = item
    return items


def load_catalog(folder: Path) -> Catalog:
    """Read `folder/racks/*.yaml`, `folder/systems/*.yaml` and (optional)
    `folder/performance/*.yaml` into a checked Catalog."""
    if not (folder / "racks").is_dir() or not (folder / "systems").is_dir():
        raise InstanceError(f"{folder}: catalog folder must contain racks/ and systems/")
    racks = _load_dir(folder / "racks", Rack)
    systems = _load_dir(folder / "systems", System)
    performance = _load_dir(folder / "performance", Performance)
    for name, system in systems.items():
        uses = [(f"phases.{phase}", rack) for phase, rack in system.phases.items()]  # type: ignore[union-attr]
        uses += [(f"racks.{rack}", rack) for rack in system.racks]  # type: ignore[union-attr]
        for path, rack in uses:
            if rack not in racks:
                raise InstanceError(
                    f"{folder / 'systems' / name}.yaml: {path}: unknown rack '{rack}' "
                    f"(catalog racks: {', '.join(sorted(racks))})"
                )
    for name in performance:
        if name not in racks:
            raise InstanceError(
                f"{folder / 'performance' / name}.yaml: no rack '{name}' in {folder / 'racks'} "
                f"(racks: {', '.join(sorted(racks))})"
            )
    try:
        return Catalog(racks=racks, systems=systems, performance=performance)  # type: ignore[arg-type]
    except ValidationError as exc:
        msg = exc.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
        raise InstanceError(f"{folder}: {msg}") from None


def default_catalog_dir() -> Path:
    """The repository's `models/` folder (the package is installed editable from the repo)."""
    return Path(__file__).resolve().parents[2] / "models"
