"""The internal names of our libraries the shortcuts use are all listed, and all still there
(shortcuts/private_names.py, issue 23 §2). A failure's message is the list's entry: what
the shortcut uses, where, and what for (docs/upgrading.md says what to do next)."""

from __future__ import annotations

import ast
import inspect
import re
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest

from shortcuts.private_names import ALL, Internal

ROOT = Path(__file__).resolve().parents[2]
# Where our code reaches into the libraries: the shortcuts, and the view's shortcut.
SCANNED = sorted((ROOT / "shortcuts").glob("*.py")) + [ROOT / "app" / "server.py"]


def _target(entry: Internal) -> Any:
    module, _, qualname = entry.target.partition(":")
    found: Any = import_module(module)
    for part in qualname.split("."):
        found = getattr(found, part)
    return found


def _declared(cls: type, name: str) -> bool:
    """Whether `name` is an attribute of `cls`: a class attribute, a field it annotates
    (dataclasses, NamedTuples), or an attribute its methods set on `self`."""
    if hasattr(cls, name):
        return True
    assigned = re.compile(rf"self\.{re.escape(name)}\b\s*(:[^=]*)?=[^=]")
    for base in cls.__mro__:
        if name in getattr(base, "__annotations__", {}):
            return True
        try:
            source = inspect.getsource(base)
        except (OSError, TypeError):
            continue
        if assigned.search(source):
            return True
    return False


@pytest.mark.parametrize("entry", ALL, ids=lambda entry: entry.target)
def test_each_internal_name_is_still_there(entry: Internal) -> None:
    try:
        target = _target(entry)
    except (ImportError, AttributeError) as error:
        pytest.fail(f"gone ({error}): {entry}")
    for name in entry.names:
        assert _declared(target, name), f"{name} is gone: {entry}"
    for name, pinned in entry.signatures.items():
        signature = str(inspect.signature(getattr(target, name) if name else target))
        assert signature == pinned, f"{name or entry.target} is now {signature}: {entry}"


def _ours(paths: list[Path]) -> set[str]:
    """The underscore names our own code defines: functions, class attributes, and
    attributes set on an instance of ours."""
    names: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
            elif isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def test_every_underscore_name_the_shortcuts_use_is_listed() -> None:
    """An attribute `x._name` read or set in the scanned modules is ours or in the list."""
    listed = {name for entry in ALL for name in entry.names}
    ours = _ours(SCANNED)
    unlisted = set()
    for path in SCANNED:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and node.attr not in listed | ours
            ):
                unlisted.add(f"{path.relative_to(ROOT)}: .{node.attr}")
    assert not unlisted, "not in shortcuts/private_names.py: " + ", ".join(sorted(unlisted))


def test_the_listed_names_are_used() -> None:
    """An entry whose names no scanned module mentions any more is dropped from the list."""
    text = "\n".join(path.read_text(encoding="utf-8") for path in SCANNED)
    text += (ROOT / "schema" / "documents.py").read_text(encoding="utf-8")
    text += (ROOT / "schema" / "inputs.py").read_text(encoding="utf-8")
    unused = [
        f"{entry.target}.{name}"
        for entry in ALL
        for name in entry.names or (entry.target.rpartition(":")[2].split(".")[-1],)
        if not re.search(rf"\b{re.escape(name)}\b", text)
    ]
    assert not unused, "listed but no longer used: " + ", ".join(unused)
