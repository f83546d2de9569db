"""docs/formulation.md and the model agree: every family of the registry has a section, every
section is a registered family, and every built component is written there in backticks."""

from __future__ import annotations

import re

import pyomo.environ as pyo
from conftest import RICH_FLEET, ROOT, write_instance

from planner.inputs.derive import build_plan_data
from planner.inputs.load import load_instance
from planner.model import FAMILIES, build_model

DOC = ROOT / "docs" / "formulation.md"
RICH = {
    **RICH_FLEET,
    "tiers": {
        "a": {"price_usd_per_mtok": 1, "min_tok_s_per_user": 10, "power_share_frac": 0.2},
        "b": {"price_usd_per_mtok": 2, "min_tok_s_per_user": 50, "min_power_share_frac": 0.1},
        "c": {"price_usd_per_mtok": 3, "min_tok_s_per_user": 90, "max_power_share_frac": 0.5,
              "demand_mtok_per_year": 100},
        "d": {"price_usd_per_mtok": 3, "min_tok_s_per_user": 10, "demand_mtok_per_year": 100,
              "demand_curve": {"price_elasticity": -1.5}},
        "f": {"price_usd_per_mtok": 0, "min_tok_s_per_user": 10, "min_mtok_per_year": 10,
              "min_token_share_frac": 0.01},
    },
}  # fmt: skip
HORIZON = {**RICH, "site": {**RICH["site"], "energisation": {"block_mw": 0.5}},
           "horizon": {"start_year": 2027, "years": 2,
                               "racks": {"alpha": {"max_deliveries_per_year": 3}}},
           "scenarios": {"a": {"probability": 0.5}, "b": {"probability": 0.5}},
           "stochastic": {"cvar_weight_frac": 0.5}}  # fmt: skip


def components(body: dict, tmp_path) -> set[str]:
    loaded = load_instance(write_instance(tmp_path, body))
    model = build_model(build_plan_data(loaded.instance, loaded.catalog, tmp_path))
    kinds = (pyo.Constraint, pyo.Objective, pyo.Set, pyo.Var, pyo.Param, pyo.Expression)
    names = {c.local_name for kind in kinds for c in model.component_objects(kind)}
    return {n for n in names if not n.endswith("_index") and "_domain" not in n}


def documented_families() -> list[str]:
    """The family named first under each `###` heading of the constraint-family section."""
    text = DOC.read_text()
    section = text[text.index("## Constraint families") : text.index("## Two stages")]
    return [re.search(r"`(\w+)`", block).group(1) for block in section.split("\n### ")[1:]]


def test_every_registered_family_is_documented_in_order():
    assert documented_families() == [f.name for f in FAMILIES]


def family_sections() -> dict[str, str]:
    """Family name -> its section of docs/formulation.md (whitespace collapsed)."""
    text = DOC.read_text()
    section = text[text.index("## Constraint families") : text.index("## Two stages")]
    return {re.search(r"`(\w+)`", block).group(1): " ".join(block.split())
            for block in section.split("\n### ")[1:]}  # fmt: skip


def docstring_math(family) -> str:
    """The math of a family's builder docstring: its paragraphs that start `for `."""
    import inspect

    doc = inspect.getdoc(family.build)
    math = [part for part in doc.split("\n\n") if part.startswith("for ")]
    assert math, f"{family.name}: the docstring states no math"
    return " ".join(" ".join(math).split())


def test_each_family_math_is_written_in_its_docs_section():
    # the docstring is the math's one source: docs/formulation.md quotes it as written, so a
    # changed row that changes its docstring and not the docs (or the reverse) fails here
    sections = family_sections()
    for family in FAMILIES:
        assert docstring_math(family) in sections[family.name], family.name


def test_a_changed_docstring_fails_the_docs_check():
    # the check above can fail: a family whose docstring says >= where the docs say <=
    family = FAMILIES[0]

    def changed(m):
        return None

    changed.__doc__ = (family.build.__doc__ or "").replace("<=", ">=")
    edited = type(family)(family.name, changed, family.components, family.applies)
    assert docstring_math(edited) not in family_sections()[family.name]


def test_a_family_missing_from_the_docs_fails(monkeypatch):
    # the check above reads the registry, so dropping a family from it must break the match
    import planner.model.families as families

    monkeypatch.setattr(families, "FAMILIES", families.FAMILIES[:-1])
    assert documented_families() != [f.name for f in families.FAMILIES]


def test_every_family_builds_the_components_it_declares(tmp_path):
    names = set()
    for objective in ("revenue", "cost_per_token"):
        names |= components({**HORIZON, "objective": objective}, tmp_path)
    for family in FAMILIES:
        assert set(family.components) <= names, family.name


def test_every_component_is_documented(tmp_path):
    doc = DOC.read_text()
    names = set()
    for body in (RICH, HORIZON):
        for objective in ("revenue", "profit", "cost_per_token"):
            names |= components({**body, "objective": objective}, tmp_path)
    # a name in backticks, on its own or indexed: `rack_balance` or `racks_bought[r, y, o]`
    # (a prefix such as `rack` of `rack_balance` does not count)
    written = set(re.findall(r"`([A-Za-z_]\w*)(?:`|\[)", doc))
    missing = sorted(names - written)
    assert not missing, f"not in docs/formulation.md: {missing}"
