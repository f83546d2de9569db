"""Safe YAML reading with positions, dotted-path overrides, and validation-error messages.

Every error raised here is an `InstanceError` whose message is one line naming the file, the
YAML path of the bad value (``tiers.ultra.price_usd_per_mtok``), the value and what is allowed.
"""

from __future__ import annotations

import difflib
import math
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from planner.errors import InstanceError

Loc = tuple[str | int, ...]
# libyaml's parser when PyYAML was built with it (the wheels are): ~10x faster, same safe schema.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> tuple[dict[str, Any], yaml.Node | None]:
    """Read a YAML mapping with the safe loader; also return its node tree for line numbers."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InstanceError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise InstanceError(f"{path}: is a directory, expected a YAML file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InstanceError(f"{path}: cannot read: {exc}") from None
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        raise InstanceError(f"{path}: YAML syntax error at {where}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise InstanceError(f"{path}: YAML error: {exc}") from None
    finally:
        loader.dispose()
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InstanceError(f"{path}: top level must be a mapping, got {type(data).__name__}")
    return data, node


def dotted(loc: Loc) -> str:
    """('tiers', 'ultra', 'price_usd_per_mtok') -> 'tiers.ultra.price_usd_per_mtok'."""
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts)


def line_of(node: yaml.Node | None, loc: Loc) -> int | None:
    """1-based line of the value at `loc` in a composed YAML tree, or the deepest parent found."""
    line = None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == str(key)), None)
            if match is None:
                return line
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            return line
        line = node.start_mark.line + 1
    return line


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _unwrap(annotation: Any) -> Any:
    """Optional[X] / X | None -> X."""
    args = [a for a in getattr(annotation, "__args__", ()) if a is not type(None)]
    if getattr(annotation, "__origin__", None) is None and len(args) == 1:
        return args[0]
    return annotation


def _field_names(model: type[BaseModel], loc: Loc) -> list[str]:
    """Allowed field names at the parent of `loc`, walking the pydantic model tree."""
    current: Any = model
    for key in loc[:-1]:
        current = _unwrap(current)
        fields = getattr(current, "model_fields", None)
        if fields is not None:
            if key not in fields:
                return []
            current = fields[key].annotation
        else:  # dict[str, X] or list[X]: step into the value type
            args = getattr(current, "__args__", ())
            if not args:
                return []
            current = args[-1]
    return list(getattr(_unwrap(current), "model_fields", {}).keys())


def format_validation_error(
    exc: ValidationError, source: str, model: type[BaseModel], node: yaml.Node | None = None
) -> str:
    """First pydantic error as one line: file[:line]: path: problem (got value)."""
    # An unknown key often explains a "missing" one (power_kw written for power_mw): report it
    # first, with its "did you mean".
    errors = sorted(exc.errors(include_url=False), key=lambda e: e["type"] != "extra_forbidden")
    err = errors[0]
    loc: Loc = tuple(
        x for x in err["loc"] if not (isinstance(x, str) and x.startswith("function-"))
    )
    path = dotted(loc) or "(top level)"
    line = line_of(node, loc)
    where = f"{source}:{line}" if line else source
    kind = err["type"]
    if kind == "extra_forbidden":
        allowed = _field_names(model, loc)
        guess = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"; did you mean '{guess[0]}'?" if guess else ""
        allowed_txt = f" (allowed: {', '.join(allowed)})" if allowed else ""
        return f"{where}: {path}: unknown field{hint}{allowed_txt}"
    msg = err["msg"].removeprefix("Value error, ")
    if kind == "missing":
        return f"{where}: {path}: required field is missing"
    return f"{where}: {path}: {msg} (got {_show(err.get('input'))})"


def parse_override(text: str) -> tuple[list[str], Any]:
    """'tiers.ultra.price_usd_per_mtok=120' -> (['tiers','ultra','price_usd_per_mtok'], 120)."""
    if "=" not in text:
        raise ValueError(f"--set {text!r}: expected PATH=VALUE")
    path, raw = text.split("=", 1)
    keys = [k for k in path.strip().split(".") if k]
    if not keys:
        raise ValueError(f"--set {text!r}: empty path")
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        value = raw
    return keys, value


def apply_override(data: dict[str, Any], keys: list[str], value: Any) -> None:
    """Set data[k0][k1]...[kn] = value, creating mappings on the way (validated afterwards)."""
    cursor: Any = data
    for key in keys[:-1]:
        nxt = cursor.get(key) if isinstance(cursor, dict) else None
        if nxt is None:
            nxt = {}
            cursor[key] = nxt
        if not isinstance(nxt, dict):
            raise InstanceError(f"--set {'.'.join(keys)}: '{key}' is not a mapping")
        cursor = nxt
    cursor[keys[-1]] = value


def one_line(text: str) -> str:
    """Fold line breaks and escape control characters so a message stays on one line."""
    folded = " ".join(part.strip() for part in text.splitlines() if part.strip())
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in folded)


def finite(value: float, what: str) -> float:
    """Reject NaN and infinity with a message (used by validators)."""
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"{what} must be a finite number")
    return value
