"""The import scan: our packages import one way (issue 23 §3).

    app -> schema -> resolvers -> services -> models, auth beside:
    schema and resolvers may read auth; auth reads models and services' plain helpers only;
    app may read anything; all may read shortcuts (the read path's execution shortcuts,
    shortcuts/__init__.py) and core (settings, global ids); shortcuts reads core only,
    core none.

Every .py file of those packages is parsed (module-level imports, and imports inside
functions, which the scan reports on their own). What breaks the direction today is listed
below, each entry with the step of issue 23 that removes it: the scan fails on a break not
listed, and on a listed one that is gone, so the lists only shrink.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Each package and the packages it may import besides itself.
# shortcuts sits above core alone: the execution shortcuts, read by all, reading no domain.
# core is the bottom: settings and global ids, read by all, reading nothing of ours.
MAY_IMPORT: dict[str, frozenset[str]] = {
    "app": frozenset({"schema", "resolvers", "services", "models", "auth", "shortcuts", "core"}),
    "schema": frozenset({"resolvers", "services", "models", "auth", "shortcuts", "core"}),
    "resolvers": frozenset({"services", "models", "auth", "shortcuts", "core"}),
    "services": frozenset({"models", "shortcuts", "core"}),
    "models": frozenset({"shortcuts", "core"}),
    "auth": frozenset({"models", "services", "shortcuts", "core"}),
    "shortcuts": frozenset({"core"}),
    "core": frozenset(),
}
PACKAGES = tuple(MAY_IMPORT)

# The services auth may read: helpers that hold no business rule and read no domain.
PLAIN_HELPERS = frozenset(
    {
        "services.audit",  # the audit chain's storage
        "services.clock",
        "services.db",
        "services.errors",
        "services.passwords",  # the length rule and argon2 hashing
        "services.sessions",  # opening and revoking; auth checks tokens and makes actors
        "services.throttle",
        "services.units",
    }
)

# (importing file, imported module): why it breaks the direction -> what removes it. None
# left: a new break fails the scan.
KNOWN_VIOLATIONS: dict[tuple[str, str], str] = {}

# Imports of our modules inside a function: a circle dodged at run time is still a circle.
# (importing file, imported module): why it is there -> what removes it.
KNOWN_FUNCTION_IMPORTS: dict[tuple[str, str], str] = {}

# Files whose commands import what they use when they run, so `memberhub --help` and the
# light commands start without loading the schema: the top of the graph, no circle to dodge.
LAZY_LOADERS = frozenset({"app/cli.py"})

# (importing file, imported module, private name) across packages: none left.
KNOWN_PRIVATE_IMPORTS: dict[tuple[str, str, str], str] = {}


@dataclass(frozen=True)
class Import:
    file: str  # relative to the repository, e.g. "services/jobs.py"
    module: str  # the module it names, e.g. "app.progress"
    names: tuple[str, ...]  # what `from module import ...` takes (empty for `import module`)
    in_function: bool


def module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or path.is_dir()


def imports_in(source: str, path: Path) -> list[Import]:
    """Every import of the file, with `from package import submodule` named as the
    submodule, and relative imports resolved."""
    file = path.relative_to(ROOT).as_posix()
    here = module_of(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                found.extend(Import(file, a.name, (), in_function) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parent = package[: len(package) - (child.level - 1)]
                    base = ".".join([*parent, *([base] if base else [])])
                plain = [a.name for a in child.names if not is_module(f"{base}.{a.name}")]
                if plain:
                    found.append(Import(file, base, tuple(plain), in_function))
                found.extend(
                    Import(file, f"{base}.{a.name}", (), in_function)
                    for a in child.names
                    if a.name not in plain
                )
            functions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
            visit(child, in_function or isinstance(child, functions))

    visit(ast.parse(source, filename=file), False)
    return found


def package_files() -> list[Path]:
    files = [p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))]
    # Migrations are frozen history: Tortoise loads them by path, not by import.
    return [p for p in files if "migrations" not in p.relative_to(ROOT).parts]


def our_imports() -> list[Import]:
    found = []
    for path in package_files():
        found += [
            i
            for i in imports_in(path.read_text(encoding="utf-8"), path)
            if i.module.split(".")[0] in PACKAGES
        ]
    return found


def breaks_direction(i: Import) -> bool:
    importer, imported = i.file.split("/")[0], i.module.split(".")[0]
    if importer == imported:
        return False
    if imported not in MAY_IMPORT[importer]:
        return True
    return importer == "auth" and imported == "services" and i.module not in PLAIN_HELPERS


def compare(found: set, known: dict, what: str) -> list[str]:
    new = sorted(found - set(known))
    gone = sorted(set(known) - found)
    problems = [f"{entry[0]} imports {'.'.join(entry[1:])}: {what}" for entry in new]
    problems += [
        f"{entry[0]} imports {'.'.join(entry[1:])} no more ({known[entry]}): "
        "delete it from the list"
        for entry in gone
    ]
    return problems


def test_the_scan_sees_every_kind_of_import():
    path = ROOT / "services" / "members" / "example.py"
    source = (
        "from app.settings import get_settings\n"
        "from services import audit\n"
        "from . import profile, _hidden\n"
        "import schema.ids\n"
        "def later():\n"
        "    from app import seed_members\n"
    )
    assert [(i.module, i.names, i.in_function) for i in imports_in(source, path)] == [
        ("app.settings", ("get_settings",), False),
        ("services.audit", (), False),
        ("services.members", ("_hidden",), False),
        ("services.members.profile", (), False),
        ("schema.ids", (), False),
        ("app.seed_members", (), True),
    ]


def test_every_package_is_scanned():
    files = {p.relative_to(ROOT).parts[0] for p in package_files()}
    assert files == set(PACKAGES)


def test_packages_import_one_way():
    found = {(i.file, i.module) for i in our_imports() if breaks_direction(i)}
    direction = " -> ".join(("app", "schema", "resolvers", "services", "models"))
    problems = compare(found, KNOWN_VIOLATIONS, f"against {direction} (auth beside)")
    assert not problems, "\n".join(problems)


def test_no_import_inside_a_function_dodges_a_circle():
    found = {
        (i.file, i.module) for i in our_imports() if i.in_function and i.file not in LAZY_LOADERS
    }
    problems = compare(found, KNOWN_FUNCTION_IMPORTS, "inside a function: import it at the top")
    assert not problems, "\n".join(problems)


def test_no_private_name_crosses_a_package():
    found = {
        (i.file, i.module, name)
        for i in our_imports()
        for name in i.names
        if name.startswith("_") and i.file.split("/")[0] != i.module.split(".")[0]
    }
    problems = compare(found, KNOWN_PRIVATE_IMPORTS, "a private name of another package")
    assert not problems, "\n".join(problems)
