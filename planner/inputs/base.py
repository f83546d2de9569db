"""Strict pydantic base shared by every input model: unknown keys are errors, values frozen."""

from __future__ import annotations

import types
import typing
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationInfo, field_validator

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
NAME_RULE = "letters, digits, '.', '_' and '-', starting with a letter or digit"
Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN, max_length=64)]
"""A tier, rack, system, scenario or workload name. Names become file names and spreadsheet
cells, so they cannot start with '=', '+', '-', '@' or a space (no formula injection, no path)."""


def _numeric(annotation: Any) -> bool:
    """Whether a field annotation admits numbers (int or float) but not bool."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_numeric(a) for a in args)
    if typing.get_origin(annotation) is Annotated:
        return _numeric(args[0])
    return annotation in (int, float)


class StrictBase(BaseModel):
    """Frozen, no extra keys, no NaN/inf. Field docstrings feed `plan schema`
    (planner.inputs.schema). For models with a discriminated field; others use `Strict`."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        allow_inf_nan=False,
        validate_default=True,
    )


class Strict(StrictBase):
    """StrictBase, and no yes/no (true/false) where a number is expected."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_booleans_for_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if isinstance(value, bool) and field is not None and _numeric(field.annotation):
            raise ValueError(f"{str(value).lower()} is a yes/no value; a number is expected")
        return value
