"""Safe YAML reading with positions, dotted-path overrides, and validation-error messages.

Every error raised here is an `InstanceError` whose message is one line naming the file, the
YAML path of the bad value (``tiers.ultra.price_usd_per_mtok``), the value and what is allowed.
"""

from __future__ import annotations

import copy
import difflib
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from planner.errors import InstanceError, UsageError
from planner.inputs.base import NAME_RULE

Loc = tuple[str | int, ...]
# libyaml's parser when PyYAML was built with it (the wheels are): ~10x faster, same safe schema.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


MAX_FILE_BYTES = 10_000_000
"""An instance or catalog file larger than this is refused (they are a few kB)."""
MAX_EXPANDED_NODES = 200_000
"""Nodes after expanding aliases: a few hundred in a real instance; a 'billion laughs' alias
bomb of a few hundred bytes expands to billions."""
_YAML11_INT = re.compile(
    r"^[-+]?(0[0-7]+|0[xXoObB][0-9a-fA-F_]+|[0-9][0-9_]*(:[0-5]?[0-9])+|.*_.*)$"
)
_BOOL_WORDS = {"true", "false"}


def _where(path: Path, node: yaml.Node, keys: list[Any]) -> str:
    return f"{path}:{node.start_mark.line + 1}: {dotted(tuple(keys)) or '(top level)'}"


def check_node_tree(path: Path, root: yaml.Node) -> None:
    """Refuse what a YAML 1.1 loader would silently misread or what would exhaust memory:
    duplicate keys (the last would win), yes/no/on/off as booleans, numbers in octal, hex,
    base 60 or with underscores, a value that contains itself (a recursive alias), and alias
    expansion beyond MAX_EXPANDED_NODES."""
    size: dict[int, int] = {}
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, list[Any], bool]] = [(root, [], False)]
    while stack:
        node, keys, children_done = stack.pop()
        if children_done:
            kids = _children(node)
            if any(id(k) not in size for k in kids):  # a kid still open is an ancestor
                raise InstanceError(
                    f"{_where(path, node, keys)}: a value that contains itself "
                    "(a recursive alias, &a [*a])"
                )
            size[id(node)] = 1 + sum(size[id(k)] for k in kids)
            if size[id(node)] > MAX_EXPANDED_NODES:
                raise InstanceError(
                    f"{_where(path, node, keys)}: more than {MAX_EXPANDED_NODES:,} values "
                    "once aliases are expanded (an alias bomb?)"
                )
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            _check_scalar(path, node, keys)
            size[id(node)] = 1
            continue
        stack.append((node, keys, True))
        if isinstance(node, yaml.MappingNode):
            counts = Counter(k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode))
            for key_node, value in node.value:
                name = getattr(key_node, "value", "?")
                if counts[name] > 1:
                    raise InstanceError(
                        f"{_where(path, key_node, [*keys, name])}: duplicate key '{name}' "
                        "(each key may appear once)"
                    )
                stack.append((key_node, keys, False))
                stack.append((value, [*keys, name], False))
        elif isinstance(node, yaml.SequenceNode):
            for k, item in enumerate(node.value):
                stack.append((item, [*keys, k], False))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_scalar(path: Path, node: yaml.ScalarNode, keys: list[Any]) -> None:
    if node.style not in (None, ""):  # quoted or a block: a string, whatever it looks like
        return
    if node.tag.endswith(":bool") and node.value.lower() not in _BOOL_WORDS:
        raise InstanceError(
            f"{_where(path, node, keys)}: '{node.value}' is read as a yes/no value; write "
            "true or false, or quote it for text"
        )
    if node.tag.endswith(":int") and _YAML11_INT.match(node.value):
        raise InstanceError(
            f"{_where(path, node, keys)}: '{node.value}' is not a plain decimal number; write "
            "numbers in decimal (e.g. 16, 1e9) without leading zeros, underscores or colons"
        )


def read_bounded(path: Path) -> bytes:
    """At most MAX_FILE_BYTES of a file, a pipe or a device, read once (a second read of a pipe
    finds it empty); InstanceError when there is more."""
    with path.open("rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise InstanceError(f"{path}: larger than {MAX_FILE_BYTES:,} bytes")
    return data


def read_yaml(path: Path, data: bytes | None = None) -> tuple[dict[str, Any], yaml.Node | None]:
    """Read a YAML mapping with the safe loader, after checking its node tree
    (`check_node_tree`); also return the tree for line numbers. `data`: the file's bytes when
    the caller has read them (once: a pipe cannot be read twice)."""
    try:
        text = (read_bounded(path) if data is None else data).decode("utf-8")
    except FileNotFoundError:
        raise InstanceError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise InstanceError(f"{path}: is a directory, expected a YAML file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InstanceError(f"{path}: cannot read: {exc}") from None
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            check_node_tree(path, node)
        document = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        raise InstanceError(f"{path}: YAML syntax error at {where}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise InstanceError(f"{path}: YAML error: {exc}") from None
    finally:
        loader.dispose()
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise InstanceError(f"{path}: top level must be a mapping, got {type(document).__name__}")
    return document, node


def dotted(loc: Loc) -> str:
    """('tiers', 'ultra', 'price_usd_per_mtok') -> 'tiers.ultra.price_usd_per_mtok'."""
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + printable(str(item)))
    return "".join(parts)


def printable(text: str) -> str:
    """Control characters (line breaks included) escaped: a key stays one visible token."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


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
        x
        for x in err["loc"]
        if not (isinstance(x, str) and (x.startswith("function-") or x == "[key]"))
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
    if kind == "string_pattern_mismatch":
        msg = f"a name uses only {NAME_RULE}"
    if kind == "missing":
        return f"{where}: {path}: required field is missing"
    if not loc:  # a check across fields: the message names them; the input is the whole file
        return f"{where}: {msg}"
    return f"{where}: {path}: {msg} (got {_show(err.get('input'))})"


_DECIMAL = re.compile(r"[+-]?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
"""A number as the instance loader reads one: ASCII decimal digits without a leading zero, an
optional point and exponent (no underscores, no other scripts' digits, no YAML 1.1 octal, hex
or base 60)."""


def strict_number(text: str) -> int | float | None:
    """`text` as a number when it is one in plain decimal (an int when it has no point or
    exponent), else None. Finite only: '1e400' is refused by the caller as out of range."""
    text = text.strip()
    if not _DECIMAL.match(text):
        return None
    if re.fullmatch(r"[+-]?[0-9]+", text):
        return int(text)
    return float(text)


def _lookalike(value: str) -> bool:
    """Text a lenient parser would take for a number: digits of another script, underscores
    between digits."""
    return any(ch.isdigit() and not ch.isascii() for ch in value) or bool(
        re.fullmatch(r"[+-]?[0-9][0-9_]*_[0-9_.eE+-]*", value.strip())
    )


def parse_value(raw: str, where: str) -> Any:
    """A value given on the command line (`--set`, `--vary`), read by the same rules as a value
    in an instance file: YAML's safe loader after the node checks of `check_node_tree` (no
    YAML 1.1 octal, hex, base 60 or underscores, no yes/no, no alias bombs), and no text that
    looks like a number in another script. InstanceError naming `where` otherwise."""
    if not raw.strip():
        return None
    if len(raw) > MAX_FILE_BYTES:
        raise InstanceError(f"{where}: longer than {MAX_FILE_BYTES:,} characters")
    number = strict_number(raw)
    if number is not None:
        return number
    loader = _SafeLoader(raw)
    try:
        node = loader.get_single_node()
        if node is not None:
            check_node_tree(Path(where), node)
        value = loader.construct_document(node) if node is not None else None
    except InstanceError as exc:
        problem = str(exc).split(": ", 2)[-1]  # drop the pseudo-file's position and path
        raise InstanceError(f"{where}={raw.strip()!r}: {problem}") from None
    except yaml.YAMLError:
        value = raw  # not YAML: plain text
    finally:
        loader.dispose()
    if isinstance(value, str) and _lookalike(value):
        raise InstanceError(
            f"{where}={raw.strip()!r}: not a plain decimal number; write digits 0-9 without "
            "underscores (e.g. 1000 or 1e3), or quote it for text"
        )
    return value


def parse_override(text: str) -> tuple[list[str], Any]:
    """'tiers.ultra.price_usd_per_mtok=120' -> (['tiers','ultra','price_usd_per_mtok'], 120),
    the value read by `parse_value` (the instance loader's rules). A knob (`apply_knob`) keeps
    its operator on the last key: 'tiers.*.price_usd_per_mtok*=0.5' -> ([..., 'price_usd_per_mtok*'], 0.5)."""
    if "=" not in text:
        raise ValueError(f"--set {text!r}: expected PATH=VALUE")
    path, raw = text.split("=", 1)
    keys = [k for k in path.strip().split(".") if k]
    if not keys:
        raise ValueError(f"--set {text!r}: empty path")
    return keys, parse_value(raw, f"--set {'.'.join(keys)}")


KNOB_OPERATORS = {"*": "scale", "+": "add"}
"""A knob path ending in `*` multiplies the value there by the given number; `+` adds it."""


def knob_paths(data: dict[str, Any], keys: list[str], flag: str) -> list[list[str]]:
    """The concrete paths a knob path names: a `*` segment stands for every entry of the
    mapping there (`tiers.*.price_usd_per_mtok`: every tier's price). UsageError when a `*`
    matches nothing."""
    paths: list[list[str]] = [[]]
    for depth, key in enumerate(keys):
        if key != "*":
            paths = [[*p, key] for p in paths]
            continue
        grown = []
        for p in paths:
            node: Any = data
            for k in p:
                node = node.get(k) if isinstance(node, dict) else None
            if isinstance(node, dict):
                grown += [[*p, str(k)] for k in node]
        if not grown:
            raise UsageError(
                f"{flag} {'.'.join(keys)}: {'.'.join(keys[: depth + 1])} matches "
                "nothing in the instance"
            )
        paths = grown
    return paths


def _combined(current: Any, value: Any, op: str, where: str) -> Any:
    """`current` scaled (`*`) or shifted (`+`) by `value`: a number, each number of a list, or
    the `start` of a growth series; None (no limit) stays None."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise UsageError(
            f"{where}: a {KNOB_OPERATORS[op]} knob takes a finite number (got {value!r})"
        )
    if current is None:
        return None

    def one(x: Any) -> Any:
        if isinstance(x, str) and strict_number(x) is not None:
            x = strict_number(x)  # '3.7e8': YAML 1.1 text that the loader reads as a number
        if isinstance(x, bool) or not isinstance(x, int | float):
            raise UsageError(
                f"{where}: the value there ({x!r}) is not a number to {KNOB_OPERATORS[op]}"
            )
        out = x * value if op == "*" else x + value
        if not math.isfinite(out):
            raise UsageError(f"{where}: {x!r} {op} {value!r} is out of range")
        return out

    if isinstance(current, list):
        return [one(x) for x in current]
    if isinstance(current, dict) and "start" in current:
        return {**current, "start": one(current["start"])}
    return one(current)


def _knob_keys(path: str, flag: str) -> tuple[list[str], str | None]:
    """A knob path's keys and its operator (`*`, `+` or None)."""
    keys = [k for k in path.split(".") if k]
    op = keys[-1][-1] if keys and keys[-1][-1:] in KNOB_OPERATORS else None
    if op is not None:
        keys[-1] = keys[-1][:-1]
    if not keys or not keys[-1]:
        raise UsageError(f"{flag} {path!r}: empty path")
    return keys, op


def check_knob_path(data: dict[str, Any], path: str, flag: str) -> None:
    """Every entry a knob path names exists (typos caught before any case is solved)."""
    keys, _ = _knob_keys(path, flag)
    for concrete in knob_paths(data, keys, flag):
        check_entry_names(data, concrete, flag)


def apply_knob(data: dict[str, Any], path: str, value: Any, flag: str = "--set") -> None:
    """Apply one knob to an instance's raw mapping: `PATH` sets the value; `PATH*` multiplies
    what is there by it and `PATH+` adds it (a number, every number of a list, a growth
    series' start; an absent limit stays absent); `*` segments expand to every entry
    (`knob_paths`). Validated afterwards like any instance."""
    keys, op = _knob_keys(path, flag)
    done = 0
    for concrete in knob_paths(data, keys, flag):
        where = f"{flag} {'.'.join(concrete)}"
        if op is None:  # apply_override checks the entry names
            apply_override(data, concrete, copy.deepcopy(value))
            continue
        node: Any = data
        for k in concrete[:-1]:
            node = node.get(k) if isinstance(node, dict) else None
        if isinstance(node, dict) and concrete[-1] in node:
            node[concrete[-1]] = _combined(node[concrete[-1]], value, op, where)
            done += 1
        elif "*" not in keys:  # a named path must lead to a value; a wildcard skips entries
            check_entry_names(data, concrete, flag)  # without one (an unlimited forecast)
            raise UsageError(
                f"{where}: nothing there to {KNOB_OPERATORS[op]}; give its value with PATH=VALUE"
            )
    if op is not None and not done:
        raise UsageError(f"{flag} {path}: no entry has a value there to {KNOB_OPERATORS[op]}")


NAMED_ENTRIES = {("tiers",), ("racks",), ("scenarios",), ("horizon", "tiers"), ("horizon", "racks")}
"""Mappings whose keys are names the user chose: a path into one of them that names no entry
is most likely a typo, not a new entry."""


def check_entry_names(data: dict[str, Any], keys: list[str], flag: str) -> None:
    """A path like tiers.ultrra.price_usd_per_mtok must name an existing tier (rack, scenario):
    UsageError with a "did you mean" otherwise. A path ending at the entry (tiers.new={...})
    may add one."""
    cursor: Any = data
    for depth, key in enumerate(keys[:-1]):
        if not isinstance(cursor, dict):
            return
        if tuple(keys[:depth]) in NAMED_ENTRIES and key not in cursor:
            known = sorted(str(k) for k in cursor)
            guess = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean '{guess[0]}'?" if guess else ""
            raise UsageError(
                f"{flag} {'.'.join(keys)}: {'.'.join(keys[: depth + 1])} is not in the instance"
                f"{hint} (there: {', '.join(known) or 'none'})"
            )
        cursor = cursor.get(key)


def apply_override(data: dict[str, Any], keys: list[str], value: Any) -> None:
    """Set data[k0][k1]...[kn] = value, creating mappings on the way (validated afterwards)."""
    check_entry_names(data, keys, "--set")
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
    # fold only real line breaks; other separators (\x1c, \u2028, ...) are escaped like any
    # control character, so a name holding one is shown the same wherever it appears
    folded = " ".join(part.strip() for part in re.split(r"\r\n|\r|\n", text) if part.strip())
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in folded)


def finite(value: float, what: str) -> float:
    """Reject NaN and infinity with a message (used by validators)."""
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"{what} must be a finite number")
    return value


_KEY_LINE = re.compile(r"^(?P<indent>\s*)(?P<key>[A-Za-z0-9_.-]+):(?P<rest>.*)$")


def field_comments(text: str) -> dict[str, str]:
    """Instance path -> the comment written at the end of its line (or of its parent's line,
    for a one-line flow mapping such as `free: {price_usd_per_mtok: 0, ...}  # source`).
    Block mappings only: the shipped instances' style. Comment lines above a key are ignored."""
    out: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in text.splitlines():
        m = _KEY_LINE.match(line)
        if not m or line.lstrip().startswith("#"):
            continue
        indent, key, rest = len(m["indent"]), m["key"], m["rest"]
        while stack and stack[-1][0] >= indent:
            stack.pop()
        path = ".".join([k for _, k in stack] + [key])
        stack.append((indent, key))
        value, _, comment = rest.partition(" #")
        if comment.strip():
            out[path] = comment.strip()
        flow = value.strip()
        if flow.startswith("{") and comment.strip():
            for inner in re.findall(r"([A-Za-z0-9_]+)\s*:", flow):
                out.setdefault(f"{path}.{inner}", comment.strip())
    return out


def override_strings(overrides: Mapping[str, Any] | Iterable[str] | None) -> list[str]:
    """Typed overrides ({"site.power_mw": 500}) or CLI strings, as CLI strings."""
    if overrides is None:
        return []
    if isinstance(overrides, Mapping):
        return [f"{path}={json.dumps(value)}" for path, value in overrides.items()]
    return [str(o) for o in overrides]
