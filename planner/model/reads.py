"""What a built model read from its PlanData, and the key that says whether it can be reused.

A model may be reused for another PlanData when building it from that data would give the
same model up to the values of its mutable parameters. Rather than list the fields that fix
the structure by hand (a list that goes stale: it once left out rentals), `build_model` reads
its data through a `DataReads` recorder, and the model keeps the names it read. The reuse key
of a PlanData for that model is a digest of every name read: the whole value for an immutable
field or a property, only the index (the keys) for a mutable parameter (STUDY_PARAMS), whose
values `update_params` loads. Since the build is deterministic in what it reads, equal keys
mean an equal build.
"""

from __future__ import annotations

import hashlib
from typing import Any

from planner.inputs.data import PlanData
from planner.model.components import STUDY_PARAMS


class DataReads:
    """A PlanData seen through a recorder of the attribute names read (fields and properties)."""

    def __init__(self, data: PlanData) -> None:
        object.__setattr__(self, "_data", data)
        object.__setattr__(self, "names", set())

    def __getattr__(self, name: str) -> Any:
        self.names.add(name)
        return getattr(self._data, name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("PlanData is frozen")


def _shape(name: str, value: Any) -> Any:
    """What of a value fixes the model: a mutable parameter's index, anything else whole."""
    if name in STUDY_PARAMS:
        return tuple(value) if isinstance(value, dict) else "scalar"
    return value


def reuse_key(data: PlanData, names: frozenset[str]) -> str:
    """Digest of the named attributes of `data`, mutable parameters by their index only."""
    digest = hashlib.blake2b(digest_size=16)
    for name in sorted(names):
        digest.update(name.encode())
        # repr: exact for floats, by value for dataclasses and containers (pickle's memo of
        # shared objects would make equal data differ)
        digest.update(repr(_shape(name, getattr(data, name))).encode())
    return digest.hexdigest()
