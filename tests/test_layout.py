"""The shape of the package: small modules and classes, imports at the top
and in one direction only, words only in render."""

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "oio_election_sync"
MAX_MODULE_LINES = 400
MAX_CLASS_LINES = 150
# What openio imports on every call: they load the rest when a command runs.
ENTRY_POINTS = ("election.py",)
# Layers below the edge: none of them may import render.
BELOW_RENDER = (
    "model",
    "peers",
    "copies",
    "plan",
    "options",
    "diagnosis",
    "status",
    "sync",
    "repair",
    "lock",
    "references",
    "localcheck",
    "oioclient",
    "exitcodes",
    "text",
    "parallel",
)


def modules():
    return sorted(PACKAGE.rglob("*.py"))


def name_of(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    name = ".".join(parts)
    return name[: -len(".__init__")] if name.endswith(".__init__") else name


def own_imports(path):
    """The package's modules ``path`` imports at its top level."""
    known = {name_of(p) for p in modules()}
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.module:
            if not node.module.startswith("oio_election_sync"):
                continue
            # ``from package import name``: the module ``name``, if it is one
            for alias in node.names:
                module = "%s.%s" % (node.module, alias.name)
                found.add(module if module in known else node.module)
        elif isinstance(node, ast.Import):
            found.update(
                a.name
                for a in node.names
                if a.name.startswith("oio_election_sync")
            )
    return found - {"oio_election_sync"}


@pytest.mark.parametrize("path", modules(), ids=name_of)
def test_modules_and_classes_stay_small(path):
    text = path.read_text()
    assert len(text.splitlines()) <= MAX_MODULE_LINES
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef):
            size = node.end_lineno - node.lineno + 1
            assert size <= MAX_CLASS_LINES, (node.name, size)


@pytest.mark.parametrize("path", modules(), ids=name_of)
def test_own_modules_are_imported_at_the_top(path):
    if path.name in ENTRY_POINTS:
        return  # they load the rest lazily, on purpose
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom):
                    assert not (inner.module or "").startswith(
                        "oio_election_sync"
                    ), (path.name, node.name)
                assert not (
                    isinstance(inner, ast.Call)
                    and getattr(inner.func, "attr", "") == "import_module"
                    and "oio_election_sync" in ast.dump(inner)
                ), (path.name, node.name)


def test_no_import_cycle():
    graph = {name_of(p): own_imports(p) for p in modules()}
    done, path = set(), []

    def visit(name):
        assert name not in path, " -> ".join(path + [name])
        if name in done:
            return
        path.append(name)
        for other in sorted(graph.get(name, ())):
            visit(other)
        path.pop()
        done.add(name)

    for name in sorted(graph):
        visit(name)


def test_only_the_edge_imports_render():
    for path in modules():
        name = name_of(path)
        layer = name.split(".")[1] if "." in name else name
        if layer in BELOW_RENDER:
            assert not any(
                n.startswith("oio_election_sync.render")
                for n in own_imports(path)
            ), name


def test_the_entry_point_imports_only_what_every_call_needs():
    entry = PACKAGE / "election.py"
    assert own_imports(entry) == {
        "oio_election_sync.arguments",
        "oio_election_sync.exitcodes",
        "oio_election_sync.takeover",
    }
