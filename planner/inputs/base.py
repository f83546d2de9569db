"""Strict pydantic base shared by every input model: unknown keys are errors, values frozen."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """Frozen, no extra keys, no NaN/inf. Field docstrings feed `plan schema` (planner.inputs.schema)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        allow_inf_nan=False,
        validate_default=True,
    )
