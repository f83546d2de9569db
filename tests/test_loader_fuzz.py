"""Property: the instance loader, given any text, returns a loaded instance or raises one of
the project's own errors (exit 3 or 2 with a message), never anything else.

Hypothesis draws (1) random YAML documents of nested mappings, lists and scalars (including
hostile ones: NaN, huge numbers, control characters, yes/no, hex), (2) the shipped 1 GW
instance with one value replaced at a random path, and (3) random text.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.errors import PlannerError
from planner.inputs.load import load_instance

BASE = yaml.safe_load((ROOT / "instances" / "1gw.yaml").read_text())
FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])  # fmt: skip

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
    st.sampled_from(["yes", "no", "on", "0x10", "010", "1_000", "1:30", "=cmd", "..", "~"]),
)  # fmt: skip
keys = st.one_of(
    st.sampled_from(["site", "tiers", "name", "objective", "power_mw", "price_usd_per_mtok",
                     "horizon", "scenarios", "racks", "systems", "stochastic"]),
    st.text(max_size=12),
)  # fmt: skip
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=5)),
    max_leaves=25,
)


def outcome(text: str) -> None:
    """Load `text` as an instance file; only PlannerError may escape (others fail the test)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "case.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            load_instance(path)
        except PlannerError as exc:
            assert str(exc).strip(), "an error needs a message"


@FUZZ
@given(documents)
def test_random_documents(document: Any):
    outcome(yaml.safe_dump(document, allow_unicode=True))


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _paths(v, (*prefix, k))] or [prefix]
    return [prefix]


PATHS = [p for p in _paths(BASE) if p]


@FUZZ
@given(st.sampled_from(PATHS), documents)
def test_the_shipped_instance_with_one_value_replaced(path: tuple, value: Any):
    doc = yaml.safe_load((ROOT / "instances" / "1gw.yaml").read_text())
    cursor = doc
    for key in path[:-1]:
        cursor = cursor[key]
    cursor[path[-1]] = value
    outcome(yaml.safe_dump(doc, allow_unicode=True))


@FUZZ
@given(st.text(max_size=300))
def test_random_text(text: str):
    outcome(text)
