"""Instance YAML (+ overrides, + catalog, + procurement CSV) -> validated, cross-checked inputs."""

from __future__ import annotations

import copy
import csv
import difflib
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from planner.errors import InstanceError, UsageError
from planner.inputs.catalog import (
    Catalog,
    Rack,
    Source,
    and_list,
    default_catalog_dir,
    load_catalog,
)
from planner.inputs.derive import routes, unserved_words
from planner.inputs.instance import Instance, Objective
from planner.inputs.plausibility import Plausibility, load_plausibility
from planner.inputs.yamlio import (
    apply_knob,
    format_validation_error,
    parse_override,
    read_bounded,
    read_yaml,
    strict_number,
)

RACK_CSV_TEXT = ("description", "accelerator", "accelerator_kind")
"""Columns of a procurement CSV that hold text; every other one holds a number."""
RACK_CSV_COLUMNS = (
    "rack",
    "description",
    "accelerator",
    "accelerator_kind",
    "accelerators",
    "power_kw",
    "capex_usd",
    "lifetime_years",
    "opex_usd_per_year",
)


@dataclass(frozen=True)
class LoadedInstance:
    """A validated instance with the catalog it refers to and its provenance."""

    instance: Instance
    catalog: Catalog
    path: Path
    sha256: str
    overrides: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    """Values valid but implausible by orders of magnitude (`implausible`), for the user."""
    plausibility: Plausibility | None = None
    """Public ranges a solved plan's ratios are checked against (the catalog's
    plausibility.yaml, else the shipped one)."""
    source_text: str = ""
    """The instance file as read (once), for the source comments of its inputs."""


def named_files(inst: Instance, base_dir: Path) -> tuple[Path, ...]:
    """Files the data step reads besides the instance and its catalog (whose contents a
    LoadedInstance already holds): today the installed fleet's CSV."""
    h = inst.horizon
    if h is None or not h.existing_racks_csv:
        return ()
    return ((base_dir / h.existing_racks_csv).resolve(),)


def files_digest(paths: tuple[Path, ...]) -> str:
    """SHA-256 over each file's name and bytes ('missing' for one that cannot be read)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path).encode() + b"\0")
        try:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError:
            digest.update(b"missing")
    return digest.hexdigest()


def _hint(name: str, known: list[str]) -> str:
    guess = difflib.get_close_matches(name, known, n=1)
    return f"; did you mean '{guess[0]}'?" if guess else ""


def read_rack_csv(path: Path, catalog: Catalog) -> Catalog:
    """Override catalog racks with rows of a procurement CSV (same unit-suffixed names)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            header = list(reader.fieldnames or [])
    except FileNotFoundError:
        raise InstanceError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InstanceError(f"{path}: cannot read CSV: {exc}") from None
    unknown = [c for c in header if c not in RACK_CSV_COLUMNS]
    if unknown or "rack" not in header:
        raise InstanceError(
            f"{path}: columns must include 'rack' and be among {', '.join(RACK_CSV_COLUMNS)}"
            f" (unexpected: {', '.join(unknown) or 'none'})"
        )
    racks = dict(catalog.racks)
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        if None in row:
            raise InstanceError(f"{path}:{line}: more cells than the {len(header)} columns")
        name = (row.get("rack") or "").strip()
        if not name:
            raise InstanceError(f"{path}:{line}: rack: empty name")
        if name in seen:
            raise InstanceError(
                f"{path}:{line}: rack {name} appears again (first on line {seen[name]}); give "
                "each rack one row"
            )
        seen[name] = line
        given: dict[str, Any] = {
            k: v.strip() for k, v in row.items() if k != "rack" and v and v.strip()
        }
        for column in [c for c in given if c not in RACK_CSV_TEXT]:
            number = strict_number(given[column])
            if number is None:
                raise InstanceError(
                    f"{path}:{line}: {column}: {given[column]!r} is not a plain decimal number "
                    "(digits 0-9, no underscores, e.g. 4000000 or 4e6)"
                )
            given[column] = number
        base: dict[str, Any] = racks[name].model_dump() if name in racks else {"name": name}
        base.update(given)
        base["sources"] = [s for s in base.get("sources", []) if s["field"] not in given] + [
            Source(
                field=k, value=v, source=f"procurement CSV {path.name}", confidence="stated"
            ).model_dump()
            for k, v in given.items()
        ]
        try:
            racks[name] = Rack.model_validate(base)
        except ValidationError as exc:
            msg = format_validation_error(exc, f"{path}:{line}", Rack)
            raise InstanceError(msg) from None
    return catalog.model_copy(update={"racks": racks})


def cross_check(inst: Instance, catalog: Catalog, source: str) -> None:
    """The instance against the catalog: names it uses exist, every tier's model has data, and
    every tier that must be served has a route (at the instance's `data` level); an
    InstanceError prefixed with `source` otherwise. Every door that changes an instance after
    loading (studies, explain's data levels) calls it."""
    systems = sorted(catalog.systems)
    for i, name in enumerate(inst.systems or []):
        if name not in catalog.systems:
            raise InstanceError(
                f"{source}: systems[{i}]: unknown system '{name}'{_hint(name, systems)} "
                f"(catalog: {', '.join(systems)})"
            )
    allowed = inst.systems or systems
    for name in inst.racks:
        if name not in catalog.racks:
            raise InstanceError(
                f"{source}: racks.{name}: unknown rack{_hint(name, sorted(catalog.racks))} "
                f"(catalog: {', '.join(sorted(catalog.racks))})"
            )
    for name, rental in inst.rentals.items():
        if rental.rack not in catalog.racks:
            raise InstanceError(
                f"{source}: rentals.{name}.rack: unknown rack '{rental.rack}'"
                f"{_hint(rental.rack, sorted(catalog.racks))} (catalog: {', '.join(sorted(catalog.racks))})"
            )
    lease = inst.lease_out
    for rack in lease.usd_per_gpu_hour if lease is not None else ():
        if rack not in catalog.racks:
            raise InstanceError(
                f"{source}: lease_out.usd_per_gpu_hour.{rack}: unknown rack"
                f"{_hint(rack, sorted(catalog.racks))} (catalog: {', '.join(sorted(catalog.racks))})"
            )
    for tier_name, tier in inst.tiers.items():
        model = tier.model or inst.workload
        where = f"tiers.{tier_name}.model" if tier.model else "workload"
        if not any(model in catalog.models_of(name) for name in allowed):
            have = sorted(set().union(*(catalog.models_of(name) for name in allowed)))
            raise InstanceError(
                f"{source}: {where}: no allowed system has data for '{model}' "
                f"(models: {', '.join(have) or 'none'})"
            )
    found, why = routes(inst, catalog, list(allowed))
    for tier_name, tier in inst.tiers.items():
        required = (
            tier.share_floor_frac > 0
            or bool(tier.min_mtok_per_year)
            or (inst.objective == "cost_per_token" and (tier.demand_mtok_per_year or 0) > 0)
        )
        if required and tier_name in why:
            fields = {r.field for r in why[tier_name]}
            path = f"tiers.{tier_name}" + (f".{fields.pop()}" if len(fields) == 1 else "")
            raise InstanceError(
                f"{source}: {path}: no allowed system can serve the tier, and it must get power "
                f"or serve its forecast: {unserved_words(why[tier_name])}"
            )


PLAUSIBLE_BUDGET_MIN_USD = 1e6
PLAUSIBLE_POWER_MAX_MW = 10_000.0
PLAUSIBLE_PRICE_MAX_USD_PER_MTOK = 10_000.0


def implausible(inst: Instance) -> list[str]:
    """Warnings for values valid by the schema but off by orders of magnitude: most often a
    unit slip ($M for $, kW for MW)."""
    out = []
    budgets = [("site.capex_budget_usd", inst.site.capex_budget_usd)]
    if inst.horizon is not None and isinstance(inst.horizon.capex_budget_usd, list):
        budgets += [
            (f"horizon.capex_budget_usd[{k}]", v)
            for k, v in enumerate(inst.horizon.capex_budget_usd)
        ]
    for path, budget in budgets:
        if budget is not None and 0 < budget < PLAUSIBLE_BUDGET_MIN_USD:
            out.append(f"{path}: ${budget:,.0f} is under $1M; the field is in dollars, not $M")
    if inst.site.power_mw > PLAUSIBLE_POWER_MAX_MW:
        out.append(
            f"site.power_mw: {inst.site.power_mw:,.0f} MW is above 10 GW; the field is "
            "in MW, not kW"
        )
    for name, tier in inst.tiers.items():
        for field in ("price_usd_per_mtok", "input_price_usd_per_mtok"):
            price = getattr(tier, field)
            if price > PLAUSIBLE_PRICE_MAX_USD_PER_MTOK:
                out.append(
                    f"tiers.{name}.{field}: ${price:,.0f} per million tokens is above "
                    "$10,000; the field is per million tokens"
                )
    return out


def _merged(notes: list[str]) -> list[str]:
    """Notes that say the same of several systems, said once: "a's decode is measured at ...",
    "b's decode is measured at ..." -> "a and b: decode is measured at ..." (no sentence
    repeated three times)."""
    said: dict[str, list[str]] = {}
    for note in dict.fromkeys(notes):
        who, sep, rest = note.partition("'s ")
        if sep and " " in rest:
            said.setdefault(rest, []).append(who)
        else:
            said.setdefault(note, [])
    out = []
    for rest, whos in said.items():
        if not whos:
            out.append(rest)
        elif len(whos) == 1:
            out.append(f"{whos[0]}'s {rest}")
        else:
            out.append(f"{and_list(whos)}: {rest}")
    return out


def coverage_notes(loaded: LoadedInstance) -> list[str]:
    """What the plan will leave out, said before solving: tiers no allowed system reaches at
    their speed (they get no power), and catalog racks no allowed system uses (a rack added
    with --racks-csv but in no system's bill is never bought)."""
    inst, catalog = loaded.instance, loaded.catalog
    allowed = list(inst.systems or sorted(catalog.systems))
    found, why = routes(inst, catalog, allowed)
    notes = [
        f"tiers.{name}: no allowed system serves it ({unserved_words(why[name])}); it gets no power"
        for name in inst.tiers
        if name in why
    ]
    thin: dict[str, list[str]] = {}  # one pass over the routes: linear in tiers
    for (_, t), r in found.items():
        thin.setdefault(t, []).extend(r.notes)
    for tier in inst.tiers:
        if thin.get(tier):
            notes.append(f"tiers.{tier}: " + "; ".join(_merged(thin[tier])))
    used = {r for s in catalog.systems.values() for r in s.rack_names}  # by any system at all
    installed = set(inst.horizon.racks) if inst.horizon else set()
    for rack in sorted(set(catalog.racks) - used - installed):
        notes.append(
            f"racks: {rack} is in no system's racks or phases (models/systems/); it is never bought"
        )
    return notes


def read_instance_bytes(path: Path) -> bytes:
    """An instance file's bytes (a pipe or device too), bounded, read once; InstanceError."""
    try:
        return read_bounded(path)
    except FileNotFoundError:
        raise InstanceError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise InstanceError(f"{path}: is a directory, expected a YAML file") from None
    except OSError as exc:
        raise InstanceError(f"{path}: cannot read: {exc}") from None


def load_instance(
    path: str | Path,
    overrides: tuple[str, ...] | list[str] = (),
    objective: Objective | None = None,
    catalog_dir: str | Path | None = None,
    racks_csv: str | Path | None = None,
    source: bytes | None = None,
) -> LoadedInstance:
    """Read, override, validate and cross-check an instance. Raises InstanceError (exit 3).
    `source`: the instance's bytes when they were read already (a pipe read by a sweep before
    its cases are sent to workers); `path` then names it and anchors relative paths."""
    path = Path(path)
    if source is None:
        source = read_instance_bytes(path)  # read once: hash and comments are of these bytes
    raw, node = read_yaml(path, source)
    data: dict[str, Any] = copy.deepcopy(raw)
    for text in overrides:
        try:
            keys, value = parse_override(text)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        apply_knob(data, ".".join(keys), value)
    if objective is not None:
        data["objective"] = objective
    data.setdefault("name", path.stem)
    try:
        inst = Instance.model_validate(data)
    except ValidationError as exc:
        raise InstanceError(format_validation_error(exc, str(path), Instance, node)) from None

    folder = Path(catalog_dir) if catalog_dir else None
    if folder is None and inst.catalog_dir:
        folder = path.parent / inst.catalog_dir
        if not (folder / "racks").is_dir() or not (folder / "systems").is_dir():
            raise InstanceError(
                f"{path}: catalog_dir: {folder} is not a catalog folder (needs racks/ and systems/)"
            )
    catalog = load_catalog(folder or default_catalog_dir())
    csv_path = Path(racks_csv) if racks_csv else None
    if csv_path is None and inst.racks_csv:
        csv_path = path.parent / inst.racks_csv
        if not csv_path.is_file():
            raise InstanceError(f"{path}: racks_csv: {csv_path}: file not found")
    if csv_path is not None:
        catalog = read_rack_csv(csv_path, catalog)
    cross_check(inst, catalog, str(path))
    ranges = load_plausibility(folder) if folder is not None else None
    return LoadedInstance(
        plausibility=ranges or load_plausibility(default_catalog_dir()),
        warnings=tuple(implausible(inst)),
        instance=inst,
        catalog=catalog,
        path=path,
        sha256=hashlib.sha256(source).hexdigest(),
        source_text=source.decode("utf-8"),
        overrides=tuple(overrides),
    )
