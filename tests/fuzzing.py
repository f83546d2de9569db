"""Hostile-input fuzzing: hypothesis strategies that mutate real inputs, and the contract check.

Shared by tests/test_fuzz.py (a bounded, derandomised sample in CI) and bench/fuzz.py (many
more cases, throughput). A case is a seed document (a shipped instance, or a catalog file) plus
one mutation; the contract is that `plan validate` and `plan solve` exit with a documented code
(0, 2, 3, 4, 5; never 1), and on error print ONE line on stderr, no traceback, naming the YAML
path of the mutated field when the mutation made the input invalid.

New instance kinds are fuzzed by dropping a YAML under instances/ (every file there is a seed).
"""

from __future__ import annotations

import copy
import math
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from hypothesis import strategies as st

from planner.cli import cli
from planner.errors import EXIT_UNEXPECTED
from planner.inputs.yamlio import dotted, one_line

ROOT = Path(__file__).resolve().parent.parent
TEST_CATALOG = ROOT / "tests" / "data" / "catalog"
DOCUMENTED_EXIT_CODES = {0, 2, 3, 4, 5}
SOLVE_TIME_LIMIT_S = "5"

Path_ = tuple[str | int, ...]

HOSTILE_VALUES: list[Any] = [
    -1, -1e-9, 0, 0.0, 1e308, -1e308, 10**400, 1e-320, math.nan, math.inf, -math.inf,
    "", "abc", "1e3 MW", "∞", "ünïcødé ☃", "\u202e", "null", "-", True, False, None,
    [], {}, [1, 2], {"a": 1}, [None], 3.5, 7,
]  # fmt: skip
UNIT_SWAPS = {
    "_mw": "_kw", "_kw": "_mw", "_usd": "_musd", "_frac": "_pct", "_years": "_months",
    "_mtok_per_year": "_tok_per_year", "_mtok": "_tok", "_per_user": "_per_gpu", "_s": "_ms",
}  # fmt: skip
CONSEQUENCES = {  # changing these keys changes what other fields refer to or need
    "catalog_dir": ["systems", "racks.", "workload"],
    "workload": ["workload"],
    "systems": ["workload", "tiers."],
    "objective": ["tiers"],
}
TEXT_BREAKS = [": : :", "\t", "[", "{", "- - ]", "&a *b", "!!python/object:os.system ''", "\x00"]


def seed_instances() -> list[Path]:
    """Every shipped instance, plus a small one on the test catalog (fast to solve)."""
    return sorted((ROOT / "instances").rglob("*.yaml"))


def small_seed() -> dict[str, Any]:
    """A test-catalog instance that exercises every optional field and solves in milliseconds."""
    return {
        "name": "fuzz",
        "catalog_dir": str(TEST_CATALOG),
        "workload": "test",
        "objective": "profit",
        "site": {"power_mw": 1.0, "pue": 1.2, "capex_budget_usd": 5e6},
        "systems": ["alpha", "beta", "beta-gamma"],
        "racks": {"beta": {"max_count": 2}},
        "tiers": {
            "free": {"price_usd_per_mtok": 0, "min_tok_s_per_user": 10, "min_power_share_frac": 0.1},
            "paid": {"price_usd_per_mtok": 2, "min_tok_s_per_user": 100, "demand_mtok_per_year": 1e4},
            "fast": {"price_usd_per_mtok": 9, "min_tok_s_per_user": 500, "max_power_share_frac": 0.5},
        },
    }  # fmt: skip


def paths(doc: Any, prefix: Path_ = ()) -> list[Path_]:
    """Every node's path in a YAML tree (mappings by key, lists by index), root excluded."""
    out: list[Path_] = []
    items = (
        doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else []
    )
    for key, value in items:
        out.append((*prefix, key))
        out.extend(paths(value, (*prefix, key)))
    return out


def get(doc: Any, path: Path_) -> Any:
    for key in path:
        doc = doc[key]
    return doc


@dataclass(frozen=True)
class Mutation:
    """One change to a document: `kind` at `path` (None for text-level breakage)."""

    kind: str
    path: Path_ | None
    value: Any = None

    def apply(self, doc: dict[str, Any]) -> dict[str, Any]:
        doc = copy.deepcopy(doc)
        assert self.path is not None
        parent, key = get(doc, self.path[:-1]), self.path[-1]
        if self.kind == "replace":
            parent[key] = self.value
        elif self.kind == "delete":
            del parent[key]
        elif self.kind == "add_key":
            target = get(doc, self.path)
            if isinstance(target, dict):
                target[self.value] = 1
            elif isinstance(parent, dict):
                parent[self.value] = 1
            else:  # a list item: make it a mapping with a stray key
                parent[key] = {self.value: 1}
        elif self.kind == "rename":
            parent[self.value] = parent.pop(key)
        return doc

    def blamed(self) -> list[str]:
        """Dotted paths an error about this mutation may name (the path and its parents)."""
        if self.path is None:
            return []
        path = self.path
        names = [dotted(path[:n]) for n in range(1, len(path) + 1)]
        if self.kind == "rename":  # the new (unknown) key, or the old one now missing
            names.append(dotted((*path[:-1], self.value)))
        if self.kind == "add_key":
            names.append(str(self.value))
        return names + CONSEQUENCES.get(str(path[0]), [])


def swapped_unit(key: str) -> str | None:
    for suffix, other in UNIT_SWAPS.items():
        if key.endswith(suffix):
            return key[: -len(suffix)] + other
    return None


@st.composite
def mutations(draw: st.DrawFn, doc: dict[str, Any]) -> Mutation:
    """A structural mutation of `doc`: wrong type/value, missing/unknown key, wrong unit, ..."""
    path = draw(st.sampled_from(paths(doc)))
    key = path[-1]
    kinds = ["replace", "replace", "replace", "delete", "add_key", "dangling"]
    if isinstance(key, str) and swapped_unit(key):
        kinds.append("rename")
    kind = draw(st.sampled_from(kinds))
    if kind == "replace":
        value = draw(st.one_of(st.sampled_from(HOSTILE_VALUES), st.text(max_size=8)))
        return Mutation("replace", path, value)
    if kind == "add_key":
        name = draw(st.one_of(st.sampled_from(["power_kw", "budget", "ültra", ""]), st.text()))
        return Mutation("add_key", path, name)
    if kind == "rename":
        return Mutation("rename", path, swapped_unit(str(key)))
    if kind == "dangling":  # an unknown name where a catalog name is expected
        ghost = draw(st.sampled_from(["ghost-rack", "gb300-nvl7", "ALPHA", "ünknown"]))
        refs = [p for p in paths(doc) if p[:1] == ("systems",) and len(p) == 2]
        refs += [p for p in paths(doc) if p[:1] == ("racks",) and len(p) == 2]
        if not refs:
            return Mutation("replace", ("workload",), ghost)
        ref = draw(st.sampled_from(refs))
        return Mutation("rename" if ref[0] == "racks" else "replace", ref, ghost)
    return Mutation(kind, path)


@st.composite
def text_breaks(draw: st.DrawFn, text: str) -> str:
    """Broken YAML: truncated, with junk spliced in, or a random encoding of it."""
    where = draw(st.integers(0, len(text)))
    how = draw(st.sampled_from(["truncate", "splice", "junk"]))
    if how == "truncate":
        return text[:where]
    if how == "splice":
        return text[:where] + draw(st.sampled_from(TEXT_BREAKS)) + text[where:]
    return draw(st.text(max_size=40))


def dump(doc: Any) -> str:
    """YAML text (NaN and infinities come out as .nan / .inf; unicode kept)."""
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def copy_catalog(dest: Path) -> Path:
    shutil.copytree(TEST_CATALOG, dest)
    return dest


@dataclass(frozen=True)
class Outcome:
    command: str
    exit_code: int
    stderr: str
    stdout: str


def invoke(args: list[str]) -> Outcome:
    result = CliRunner().invoke(cli, args)
    return Outcome(args[0], result.exit_code, result.stderr, result.stdout)


def names_field(err: str, name: str) -> bool:
    """The error puts `name` where a field path goes: followed by ':', '.' or '['."""
    shown = one_line(name)  # as the CLI prints it: control characters escaped
    escaped = "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)  # in a field path
    return any(f"{form}{end}" in err for form in (shown, escaped) for end in (":", ".", "["))


def violations(outcome: Outcome, blamed: list[str] | None = None) -> list[str]:
    """How an outcome breaks the contract (empty when it keeps it)."""
    bad = []
    # warnings are their own `warning:` lines (README, "Exit codes"); the error is the rest
    err = "\n".join(
        line for line in outcome.stderr.strip().splitlines()
        if not line.startswith(("warning:", "note:", "progress:"))
    )  # fmt: skip
    if outcome.exit_code not in DOCUMENTED_EXIT_CODES:
        bad.append(f"exit code {outcome.exit_code} (1 is 'unexpected')")
    if "Traceback" in outcome.stderr + outcome.stdout:
        bad.append("traceback printed")
    if outcome.exit_code != 0:
        if len(err.splitlines()) != 1:
            bad.append(f"error is {len(err.splitlines())} lines, not one")
        elif not err.startswith("error:") and outcome.exit_code != 2:
            bad.append("error line does not start with 'error:'")
    if outcome.exit_code == 3 and blamed and not any(names_field(err, name) for name in blamed):
        bad.append(f"error names none of {blamed}")
    if outcome.exit_code == EXIT_UNEXPECTED or bad:
        bad.append(f"{outcome.command} -> {outcome.exit_code}: {err[:300]}")
    return bad


def run_instance_case(tmp: Path, text: str, blamed: list[str] | None, solve: bool) -> list[str]:
    """validate (and optionally solve) an instance text; the contract violations found."""
    path = tmp / "case.yaml"
    path.write_text(text, encoding="utf-8")
    bad = violations(invoke(["validate", str(path)]), blamed)
    if solve:
        args = ["solve", str(path), "--out", str(tmp / "out"), "--time-limit", SOLVE_TIME_LIMIT_S]
        bad += violations(invoke(args), blamed)
    return bad
