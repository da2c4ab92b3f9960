"""The shape of the code: one composition root (bot/wiring.py), no import cycles, no registry
filled as a side effect of importing a module.

Both tests read the source with `ast`; nothing is imported, so a module that would register
something on import cannot hide it by having been imported already.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "web")


@dataclass(frozen=True)
class Module:
    name: str  # dotted: "bot.digest.schedule"
    path: Path
    tree: ast.Module

    @property
    def is_package(self) -> bool:
        return self.path.name == "__init__.py"


def _modules() -> dict[str, Module]:
    found: dict[str, Module] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            name = ".".join(parts)
            found[name] = Module(name, path, ast.parse(path.read_text(), str(path)))
    return found


# --- (a) the import graph ---------------------------------------------------------------------


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement under `node`, in functions and classes too, except those in an
    `if TYPE_CHECKING:` block (its `else:` still counts)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for statement in child.orelse:
                yield from _imports(ast.Module(body=[statement], type_ignores=[]))
        else:
            yield from _imports(child)


def _targets(module: Module, statement: ast.Import | ast.ImportFrom, known: set[str]) -> set[str]:
    """The project modules a statement imports. `from pkg import mod` names the submodule when
    `mod` is one, else the package (whose __init__ defines the name)."""
    if isinstance(statement, ast.Import):
        return {alias.name for alias in statement.names if alias.name in known}
    base = statement.module or ""
    if statement.level:
        anchor = module.name.split(".")
        if not module.is_package:
            anchor = anchor[:-1]
        anchor = anchor[: len(anchor) - (statement.level - 1)]
        base = ".".join([*anchor, base] if base else anchor)
    found = set()
    for alias in statement.names:
        submodule = f"{base}.{alias.name}"
        if submodule in known:
            found.add(submodule)
        elif base in known:
            found.add(base)
    return found


def _parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    graph: dict[str, set[str]] = {}
    for name, module in modules.items():
        edges: set[str] = set()
        for statement in _imports(module.tree):
            edges |= _targets(module, statement, known)
        # Importing `a.b.c` runs `a/__init__.py` and `a/b/__init__.py` first, unless the
        # importer is inside them (then they are already being imported).
        own_packages = {name, *_parents(name)}
        edges |= {p for e in edges for p in _parents(e) if p in known and p not in own_packages}
        edges.discard(name)
        graph[name] = edges
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path that ends where it starts, or None (depth-first, three colours)."""
    done: set[str] = set()
    path: list[str] = []
    on_path: set[str] = set()

    def visit(node: str) -> list[str] | None:
        path.append(node)
        on_path.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt in on_path:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in done:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        path.pop()
        on_path.discard(node)
        done.add(node)
        return None

    for start in sorted(graph):
        if start not in done:
            cycle = visit(start)
            if cycle:
                return cycle
    return None


def test_the_import_graph_of_bot_and_handlers_has_no_cycle() -> None:
    """Every import counts, at the top of a module or inside a function (a lazy import is
    still a dependency; it only hides the cycle until the function runs), except imports under
    `if TYPE_CHECKING:`: they never run, and annotations are strings (`from __future__ import
    annotations`), so a type-only import cannot take part in an import-time cycle. Imports of
    a package (`import bot`, `from handlers import x` where x is not a module) point at its
    __init__, and so does every import of a module in a package the importer is not in."""
    graph = import_graph()
    assert "bot.app" in graph and "handlers.menu" in graph  # the walk found the modules
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_import_walk_counts_lazy_imports_but_not_type_checking_ones() -> None:
    source = """
from typing import TYPE_CHECKING
from handlers import router, Who
import bot.digest.schedule
from . import common

if TYPE_CHECKING:
    from bot.context import Services
else:
    from bot.core import clock

def later():
    from handlers.menu import show_menu
"""
    module = Module("handlers.example", ROOT / "handlers" / "example.py", ast.parse(source))
    known = {"handlers", "handlers.router", "handlers.menu", "handlers.common", "bot.context"}
    known |= {"bot.digest.schedule", "bot.core.clock"}
    found = set().union(*(_targets(module, s, known) for s in _imports(module.tree)))
    assert found == {
        "handlers.router",  # a submodule
        "handlers",  # `Who` is not a module: the package's __init__
        "bot.digest.schedule",
        "handlers.common",  # relative
        "bot.core.clock",  # the else of TYPE_CHECKING runs
        "handlers.menu",  # inside a function
    }


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


# --- (b) nothing registers itself on import ---------------------------------------------------

# Decorators that only shape the function or class they decorate (no table anywhere grows).
ALLOWED_DECORATORS = {
    "dataclass",
    "dataclasses.dataclass",
    "property",
    "staticmethod",
    "classmethod",
    "typing.overload",
    "overload",
    "contextmanager",
    "asynccontextmanager",
    "lru_cache",
    "cache",
    "wraps",
    "total_ordering",
    "cached_property",
    # Ours: they wrap a handler in the person and permission checks and return a new function;
    # they store nothing (handlers/common.py, handlers/coach.py).
    "private_handler",
    "coach_handler",
    # SQLAlchemy's hooks on the Session class, by which bot/core/table_changes.py sees every
    # write of this process for its caches. They must hold for every session in the process
    # (the bot's, the CLI's, a test's), whoever built it, so they are installed where they are
    # defined; they are not part of what the bot is made of.
    "event.listens_for",
    # Tornado's: marks the handler class to get its body in pieces (bot/telegram/webhook.py).
    "tornado.web.stream_request_body",
}
ALLOWED_DECORATOR_MODULES = ("functools.", "contextlib.", "dataclasses.")
# A property's setter, getter and deleter (`@stream.setter`) belong to the property.
ALLOWED_DECORATOR_SUFFIXES = (".setter", ".getter", ".deleter")

# Calls that grow or change a container, when made at the top of a module on something it did
# not create itself.
MUTATING_METHODS = {
    "append",
    "extend",
    "insert",
    "add",
    "update",
    "setdefault",
    "register",
    "add_entry",
    "add_handler",
    "set_loose_handler",
    "install",
}


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        return _dotted(node.func)
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Subscript):
        return f"{_dotted(node.value)}[...]"
    if isinstance(node, ast.Name):
        return node.id
    return "?"


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _defined_here(tree: ast.Module) -> set[str]:
    """Names the module binds itself by assignment (not imports): its own objects."""
    names: set[str] = set()
    for statement in tree.body:
        targets: list[ast.expr] = []
        if isinstance(statement, ast.Assign):
            targets = statement.targets
        elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
            targets = [statement.target]
        for target in targets:
            if isinstance(target, ast.Name):
                names.add(target.id)
    return names


def _top_level(tree: ast.Module) -> Iterator[ast.stmt]:
    """The statements that run on import: the module's body, into if/try/with blocks, and
    class bodies (they run on import too), but not function bodies."""
    stack = list(tree.body)
    while stack:
        statement = stack.pop(0)
        yield statement
        if isinstance(statement, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
            for field in ("body", "orelse", "finalbody", "handlers"):
                stack.extend(getattr(statement, field, []))
        elif isinstance(statement, (ast.ExceptHandler, ast.ClassDef)):
            stack.extend(statement.body)


def registrations(module: Module) -> list[str]:
    own = _defined_here(module.tree)
    found: list[str] = []

    def where(node: ast.AST) -> str:
        return f"{module.path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"

    for statement in _top_level(module.tree):
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for decorator in statement.decorator_list:
                name = _dotted(decorator)
                if (
                    name in ALLOWED_DECORATORS
                    or name.startswith(ALLOWED_DECORATOR_MODULES)
                    or name.endswith(ALLOWED_DECORATOR_SUFFIXES)
                ):
                    continue
                found.append(f"{where(decorator)} decorator @{name} on {statement.name}")
            continue
        # An assignment into something another module owns: `X[k] = v`, `X.attr = v`.
        targets: list[ast.expr] = []
        if isinstance(statement, ast.Assign):
            targets = statement.targets
        elif isinstance(statement, (ast.AugAssign, ast.AnnAssign)):
            targets = [statement.target]
        for target in targets:
            if isinstance(target, (ast.Subscript, ast.Attribute)):
                root = _root_name(target)
                if root not in own:
                    found.append(f"{where(statement)} assigns into {_dotted(target)}")
        # A call, anywhere in the statement, that registers or grows another module's object.
        if not isinstance(statement, (ast.Expr, ast.Assign, ast.AnnAssign)):
            continue
        for node in ast.walk(statement.value) if statement.value else ():
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Name) and func.id in {"register", "add_entry", "install"}:
                found.append(f"{where(node)} calls {func.id}(...)")
            elif isinstance(func, ast.Attribute) and func.attr in MUTATING_METHODS:
                if _root_name(func.value) not in own:
                    found.append(f"{where(node)} calls {_dotted(func)}(...)")
            elif isinstance(func, ast.Call):  # a decorator factory used by hand: f(x)(g)
                found.append(f"{where(node)} calls {_dotted(func)}(...)(...)")
    return found


def test_no_module_fills_a_registry_when_imported() -> None:
    """Handlers, menu entries, flow steps, jobs and CLI sub-commands are wired in bot/wiring.py,
    in the order they take effect; a module that added itself somewhere on import would make
    the order depend on who imported whom first."""
    found = [line for module in _modules().values() for line in registrations(module)]
    assert found == []


def test_the_registry_check_sees_the_ways_a_module_registers_itself() -> None:
    source = """
from handlers import router
from bot.cli.wijkbot import EXTRA_COMMANDS
from handlers.menu import add_entry
from dataclasses import dataclass
import functools

OWN: dict[str, int] = {}
OWN["mine"] = 1

@router.on_text("flow")
async def step(): ...

@dataclass
class Fine: ...

@functools.lru_cache
def cached(): ...

EXTRA_COMMANDS["group"] = (1, 2)
router.TEXT_STEPS.update(x=1)
add_entry(1)
if True:
    router.on_media("x")(step)
"""
    module = Module("example", ROOT / "example.py", ast.parse(source))
    found = [line.split(" ", 1)[1] for line in registrations(module)]
    assert found == [
        "decorator @router.on_text on step",
        "assigns into EXTRA_COMMANDS[...]",
        "calls router.TEXT_STEPS.update(...)",
        "calls add_entry(...)",
        "calls router.on_media(...)(...)",
    ]
