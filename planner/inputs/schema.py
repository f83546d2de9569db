"""JSON schema of the instance format, with each field's docstring as its description.

Pydantic can read attribute docstrings itself (`use_attribute_docstrings`), but that parses
every model's source at import and costs about a tenth of a second on every `plan` command. The
schema is the only consumer, so the docstrings are read here, on demand, with `ast`.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from typing import Any

from pydantic import BaseModel


def attribute_docstrings(cls: type) -> dict[str, str]:
    """{field: docstring} for `name: type` lines followed by a string literal in a class body."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if klass in (object, BaseModel) or not issubclass(klass, BaseModel):
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError):
            continue
        body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
        for stmt, after in zip(body, body[1:], strict=False):
            if (
                isinstance(stmt, ast.AnnAssign)
                and isinstance(stmt.target, ast.Name)
                and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                docs[stmt.target.id] = inspect.cleandoc(after.value.value)
    return docs


def _models(root: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """Every model reachable from `root` through its fields, by class name."""
    found: dict[str, type[BaseModel]] = {}
    todo: list[Any] = [root]
    while todo:
        item = todo.pop()
        if isinstance(item, type) and issubclass(item, BaseModel):
            if item.__name__ in found:
                continue
            found[item.__name__] = item
            todo.extend(f.annotation for f in item.model_fields.values())
        else:
            todo.extend(getattr(item, "__args__", ()))
    return found


def instance_schema(root: type[BaseModel]) -> dict[str, Any]:
    """`root.model_json_schema()` with field descriptions taken from attribute docstrings."""
    schema = root.model_json_schema()
    models = _models(root)
    targets = {root.__name__: schema, **schema.get("$defs", {})}
    for name, node in targets.items():
        if name not in models:
            continue
        for field, doc in attribute_docstrings(models[name]).items():
            prop = node.get("properties", {}).get(field)
            if prop is not None:
                prop.setdefault("description", doc)
    return schema
