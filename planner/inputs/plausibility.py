"""The plausibility ranges (`models/plausibility.yaml`): low-high bounds on a plan's headline
ratios, each with its source, built from public figures (economics-data.md)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError, model_validator

from planner.errors import InstanceError
from planner.inputs.base import Strict
from planner.inputs.yamlio import format_validation_error, read_yaml

PLAUSIBILITY_FILE = "plausibility.yaml"


class Range(Strict):
    """One ratio's public range and where it comes from."""

    low: float
    high: float
    source: str = Field(min_length=1)
    why: str = Field(min_length=1)
    market_usd_per_year: float | None = Field(default=None, gt=0)
    """For the market-share ratio: the market's size, USD a year."""

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.low > self.high:
            raise ValueError(f"low {self.low} exceeds high {self.high}")
        return self


class Plausibility(Strict):
    """Ranges for plan ratios, for list prices of tiers by name, and for the public prices of
    a model's tokens (which take precedence for a tier serving that model)."""

    ratios: dict[str, Range]
    tier_output_price_usd_per_mtok: dict[str, Range] = Field(default_factory=dict)
    model_output_price_usd_per_mtok: dict[str, Range] = Field(default_factory=dict)
    """Public output prices of a model's tokens (catalog model name), across hosts and
    speeds: a paid tier serving a model listed here is checked against this range instead of
    its name's (those are other models' list prices)."""
    tier_ratios: dict[str, Range] = Field(default_factory=dict)
    """Ranges every paid tier's own ratios should fall in (revenue per GPU-hour, margin)."""


def load_plausibility(catalog_dir: Path) -> Plausibility | None:
    """The catalog folder's plausibility ranges, or None when it has none."""
    path = catalog_dir / PLAUSIBILITY_FILE
    if not path.is_file():
        return None
    data, node = read_yaml(path)
    try:
        return Plausibility.model_validate(data)
    except ValidationError as exc:
        raise InstanceError(format_validation_error(exc, str(path), Plausibility, node)) from None
