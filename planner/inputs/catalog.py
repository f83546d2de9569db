"""The catalog in `models/`: purchasable racks and serving systems, with sources.

A rack is something procurement buys (`models/racks/<name>.yaml`); a system is how racks are
combined to serve a model (`models/systems/<name>.yaml`): a bill of racks and, per workload, a
throughput/interactivity curve of output tokens per second per system unit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from planner.errors import InstanceError
from planner.inputs.base import Name, Strict
from planner.inputs.yamlio import format_validation_error, read_yaml

Confidence = Literal["stated", "derived", "estimate"]
AcceleratorKind = Literal["gpu", "lpu"]


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
    """IT load at rated throughput, kW (facility power adds the site PUE)."""
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
    """One throughput/interactivity operating point for a whole system unit."""

    tok_s_per_user: float = Field(gt=0)
    """Output tokens per second seen by one user (interactivity)."""
    tok_s: float = Field(gt=0)
    """Output tokens per second produced by one system unit at that interactivity."""
    source: str
    """Citation or `estimate`."""
    confidence: Confidence
    """stated, derived or estimate."""
    note: str = ""
    """Conversion (e.g. input+output -> output tokens) and reasoning."""


class Curve(Strict):
    """Throughput against interactivity: tok_s non-increasing as tok_s_per_user rises."""

    description: str = ""
    """Workload details (model, precision, input/output lengths)."""
    points: list[CurvePoint] = Field(min_length=1)
    """Operating points, any order; sorted by tok_s_per_user at load."""

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


class System(Strict):
    """A serving system: a bill of racks and a curve per workload."""

    name: Name
    """Catalog key, e.g. `vr-nvl72-lpx`."""
    description: str = ""
    """How it serves (e.g. prefill and attention on GPUs, FFN decode on LPX)."""
    racks: dict[str, float] = Field(min_length=1)
    """Racks per system unit, e.g. {vr-nvl72: 1, groq-lpx: 1}."""
    curves: dict[str, Curve] = Field(min_length=1)
    """Per workload name (e.g. `deepseek-r1`), the throughput/interactivity curve."""

    @field_validator("racks")
    @classmethod
    def _positive(cls, racks: dict[str, float]) -> dict[str, float]:
        for rack, count in racks.items():
            if not count > 0:
                raise ValueError(f"rack count for {rack} must be > 0, got {count}")
        return racks


class Catalog(Strict):
    """All racks and systems, cross-checked: every system's racks exist."""

    racks: dict[str, Rack]
    """Rack name -> rack."""
    systems: dict[str, System]
    """System name -> system."""

    @model_validator(mode="after")
    def _references(self) -> Catalog:
        for system in self.systems.values():
            for rack in system.racks:
                if rack not in self.racks:
                    known = ", ".join(sorted(self.racks))
                    raise ValueError(
                        f"system {system.name} needs rack {rack}, which is not in the catalog "
                        f"(racks: {known})"
                    )
        return self


def _load_dir(folder: Path, model: type[Rack] | type[System]) -> dict[str, Rack | System]:
    items: dict[str, Rack | System] = {}
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
    """Read `folder/racks/*.yaml` and `folder/systems/*.yaml` into a checked Catalog."""
    if not (folder / "racks").is_dir() or not (folder / "systems").is_dir():
        raise InstanceError(f"{folder}: catalog folder must contain racks/ and systems/")
    racks = _load_dir(folder / "racks", Rack)
    systems = _load_dir(folder / "systems", System)
    for name, system in systems.items():
        for rack in system.racks:  # type: ignore[union-attr]
            if rack not in racks:
                raise InstanceError(
                    f"{folder / 'systems' / name}.yaml: racks.{rack}: unknown rack "
                    f"(catalog racks: {', '.join(sorted(racks))})"
                )
    try:
        return Catalog(racks=racks, systems=systems)  # type: ignore[arg-type]
    except ValidationError as exc:
        msg = exc.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
        raise InstanceError(f"{folder}: {msg}") from None


def default_catalog_dir() -> Path:
    """The repository's `models/` folder (the package is installed editable from the repo)."""
    return Path(__file__).resolve().parents[2] / "models"
