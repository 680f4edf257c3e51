"""The package's layers, enforced on its source: every module under podinfo_canary/ is read with
`ast` (imports inside functions too), each import resolved to a project module or a top-level
third-party name, and checked against the table below. A failure names the file, the line and the
import. The checker is proved able to fail on small trees written into tmp_path."""

from __future__ import annotations

import ast
import itertools
import sys
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "podinfo_canary"

# --- the layer table --------------------------------------------------------------------------
# Layer order: config < core < (charts, model) < ctl < app. A layer may import only the layers it
# lists in `may_import` (itself included when it may), so an "upward" import (core importing
# charts), a sideways one between layers of one rank (charts <-> model) and ctl importing the
# charts or the numpy half of the model all fail. The root package's __init__ ("package") is
# under everything: every layer may import it, and it imports nothing of the project.
#
# `modules`: "a.b.*" is the package a.b and everything below it, "a.b" that one module only; the
# most specific pattern wins (an exact name over a subtree, a longer subtree over a shorter one).
# A module no pattern matches fails: a new package or top-level module gets a row here first.
#
# `forbidden`: top-level names the layer must not import (cdk8s and its bindings need Node and
# jsii, numpy is a development package: canaryctl installs without either, see
# tests/test_install.py). With `transitive`, not through any project module it imports either (the
# import closure, package __init__ files included, as Python runs them); `if TYPE_CHECKING:`
# imports never run and are exempt from `forbidden` (they still obey the layer order).
TOOLCHAIN = frozenset({"cdk8s", "cdk8s_plus_27", "constructs", "jsii", "imports"})
NUMPY = frozenset({"numpy"})
NO_NODE_NO_NUMPY = TOOLCHAIN | NUMPY
# The project's modules outside the package: nothing under podinfo_canary/ imports them.
OUTSIDE_PACKAGE = ("tools", "tests", "main")


@dataclass(frozen=True)
class Layer:
    name: str
    rank: int  # the layer order; equal ranks are siblings
    modules: tuple[str, ...]
    may_import: tuple[str, ...]
    forbidden: frozenset[str] = frozenset()
    transitive: bool = False


LAYERS: tuple[Layer, ...] = (
    Layer("package", 0, ("podinfo_canary",), (), NO_NODE_NO_NUMPY, transitive=True),
    # Typed configuration: pydantic and PyYAML only.
    Layer("config", 1, ("podinfo_canary.config.*",), ("config",), NO_NODE_NO_NUMPY, transitive=True),
    # Names, PromQL builders, plan, secrets: shared by the charts, the model and canaryctl.
    Layer("core", 2, ("podinfo_canary.core.*",), ("config", "core"), NO_NODE_NO_NUMPY, transitive=True),
    # The cdk8s constructs (imports/ bindings); sideways within charts/ is allowed.
    Layer("charts", 3, ("podinfo_canary.charts.*",), ("config", "core", "charts")),
    # The half of the Argo Rollouts model canaryctl uses: no numpy (the package __init__ runs on
    # every import of it, so it belongs here too).
    Layer(
        "model-numpy-free",
        3,
        ("podinfo_canary.model", "podinfo_canary.model.analysis_run", "podinfo_canary.model.expr", "podinfo_canary.model.conditions"),
        ("config", "core", "model-numpy-free"),
        NO_NODE_NO_NUMPY,
        transitive=True,
    ),
    # The rest of the model: the world, the PromQL evaluator, runs, a real Prometheus (numpy).
    Layer("model", 3, ("podinfo_canary.model.*",), ("config", "core", "model-numpy-free", "model")),
    # canaryctl: typer, rich, the kubernetes client; installs without Node and numpy.
    Layer("ctl", 4, ("podinfo_canary.ctl.*",), ("config", "core", "model-numpy-free", "ctl"), NO_NODE_NO_NUMPY, transitive=True),
    # The cdk8s App and the atomic publication of dist/.
    Layer(
        "app", 5, ("podinfo_canary.app", "podinfo_canary.synth"), ("config", "core", "charts", "model-numpy-free", "model", "ctl", "app")
    ),
)


# --- reading the imports ----------------------------------------------------------------------


@dataclass(frozen=True)
class Import:
    file: str  # relative to the scanned root
    line: int
    text: str  # the statement, as `ast.unparse` writes it
    modules: tuple[str, ...]  # the project modules it names (under the package)
    parents: tuple[str, ...]  # their parent packages, which Python runs first
    external: tuple[str, ...]  # top-level names outside the project (third party, imports/)
    outside: tuple[str, ...]  # project modules outside the package (tools, tests, main)
    missing: tuple[str, ...]  # names under the package that no file defines
    runtime: bool  # False under `if TYPE_CHECKING:`

    def where(self) -> str:
        return f"{self.file}:{self.line}: `{self.text}`"


def modules_of(root: Path, package: str = PACKAGE) -> dict[str, Path]:
    """Every module of the package under root: dotted name -> file."""
    found = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _statements(node: ast.AST, runtime: bool = True):
    """(import statement, runs at runtime) for every import in the tree, functions included."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, runtime
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for stmt in child.body:
                yield from _statements(ast.Module(body=[stmt], type_ignores=[]), False)
            for stmt in child.orelse:
                yield from _statements(ast.Module(body=[stmt], type_ignores=[]), runtime)
        else:
            yield from _statements(child, runtime)


def imports_of(root: Path, package: str = PACKAGE) -> dict[str, list[Import]]:
    """module -> its imports, resolved."""
    modules = modules_of(root, package)
    outside = {name for name in OUTSIDE_PACKAGE if (root / name).is_dir() or (root / f"{name}.py").is_file()}
    result: dict[str, list[Import]] = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        here: list[Import] = []
        for node, runtime in _statements(ast.parse(path.read_text(), str(path))):
            named: list[str] = []  # dotted names the statement imports
            if isinstance(node, ast.Import):
                named = [alias.name for alias in node.names]
            else:
                if node.level:
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    source = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    source = node.module or ""
                if source == "__future__":
                    continue
                # `from a import b`: the module a.b when there is one, else a name in a.
                named = [f"{source}.{a.name}" if f"{source}.{a.name}" in modules else source for a in node.names]
            project, parents, external, outer, missing = [], [], [], [], []
            for dotted in dict.fromkeys(named):
                top = dotted.partition(".")[0]
                if top == package:
                    (project if dotted in modules else missing).append(dotted)
                    parts = dotted.split(".")
                    parents += [p for p in (".".join(parts[:i]) for i in range(1, len(parts))) if p in modules]
                elif top in outside:
                    outer.append(dotted)
                elif top not in sys.stdlib_module_names:
                    external.append(top)
            here.append(
                Import(
                    str(path.relative_to(root)),
                    node.lineno,
                    ast.unparse(node),
                    tuple(project),
                    tuple(dict.fromkeys(parents)),
                    tuple(dict.fromkeys(external)),
                    tuple(outer),
                    tuple(missing),
                    runtime,
                )
            )
        result[name] = here
    return result


# --- the checks -------------------------------------------------------------------------------


def layer_of(module: str, layers: tuple[Layer, ...] = LAYERS) -> Layer | None:
    best, score = None, -1
    for layer in layers:
        for pattern in layer.modules:
            if pattern.endswith(".*"):
                prefix = pattern[:-2]
                hit = module == prefix or module.startswith(prefix + ".")
                weight = 2 * len(prefix)
            else:
                hit, weight = module == pattern, 2 * len(pattern) + 1
            if hit and weight > score:
                best, score = layer, weight
    return best


def closure_paths(start: str, graph: dict[str, list[Import]]) -> dict[str, tuple[str, ...]]:
    """Every project module importing `start` runs (parent packages included), with the shortest
    chain of modules from `start` to it. Only runtime imports count."""
    chains = {start: (start,)}
    queue = deque([start])
    while queue:
        current = queue.popleft()
        for imp in graph.get(current, []):
            if not imp.runtime:
                continue
            for target in (*imp.parents, *imp.modules):
                if target not in chains:
                    chains[target] = (*chains[current], target)
                    queue.append(target)
    return chains


def _first_hop(graph: dict[str, list[Import]], source: str, target: str) -> Import:
    return next(i for i in graph[source] if i.runtime and target in (*i.parents, *i.modules))


def layer_violations(graph: dict[str, list[Import]], layers: tuple[Layer, ...] = LAYERS) -> list[str]:
    by_name = {layer.name: layer for layer in layers}
    ranks = sorted({lay.rank for lay in layers})
    tiers = [[lay.name for lay in layers if lay.rank == rank] for rank in ranks]
    order = " < ".join(names[0] if len(names) == 1 else f"({', '.join(names)})" for names in tiers)
    found = []
    for module, imports in graph.items():
        layer = layer_of(module, layers)
        if layer is None:
            found.append(f"{module}: in no layer of tests/test_layers.py LAYERS (add it to one)")
            continue
        allowed = {*layer.may_import, "package"}
        for imp in imports:
            for target in imp.modules:
                other = layer_of(target, layers)
                if other is None or other.name in allowed:
                    continue
                way = "upward" if other.rank > layer.rank else "sideways" if other.rank == layer.rank else "not allowed"
                found.append(
                    f"{imp.where()}: {layer.name} imports {target} ({other.name}): {way}; "
                    f"{layer.name} may import {', '.join(n for n in layer.may_import) or 'nothing of the project'} (order {order})"
                )
            for target in imp.outside:
                found.append(f"{imp.where()}: imports {target}, which is outside the package ({', '.join(OUTSIDE_PACKAGE)})")
            for target in imp.missing:
                found.append(f"{imp.where()}: {target}: no such module under {PACKAGE}/")
            for name in imp.external:
                if imp.runtime and name in layer.forbidden:
                    found.append(f"{imp.where()}: {layer.name} must not import {name} ({', '.join(sorted(layer.forbidden))})")
        if layer.transitive:
            chains = closure_paths(module, graph)
            reported = set()
            for reached, chain in sorted(chains.items(), key=lambda item: (len(item[1]), item[0])):
                if reached == module:
                    continue
                for imp in graph.get(reached, []):
                    for name in imp.external:
                        if imp.runtime and name in layer.forbidden and name not in reported:
                            reported.add(name)
                            hop = _first_hop(graph, module, chain[1])
                            found.append(f"{hop.where()}: {layer.name} reaches {name} through {' -> '.join(chain)} ({imp.where()})")
    assert all(name in by_name for layer in layers for name in layer.may_import), "LAYERS: may_import names an unknown layer"
    return found


def cycles(graph: dict[str, list[Import]]) -> list[str]:
    """Import cycles between the package's modules (imports inside functions count: a deferred
    import hides a cycle from Python, not from the design), one line each with every import."""
    edges = {m: sorted({t for i in imports for t in i.modules if t != m}) for m, imports in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, []):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    found = []
    for component in components:
        start, members = component[0], set(component)
        # The shortest way round from the component's first module back to itself.
        previous: dict[str, str] = {}
        queue = deque([start])
        while queue:
            current = queue.popleft()
            if start in edges[current]:
                path = [current]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                ring = [start, *reversed(path[:-1]), start]
                break
            for nxt in edges[current]:
                if nxt in members and nxt not in previous and nxt != start:
                    previous[nxt] = current
                    queue.append(nxt)
        hops = [next(i for i in graph[a] if b in i.modules).where() for a, b in itertools.pairwise(ring)]
        found.append(f"import cycle {' -> '.join(ring)}: {'; '.join(hops)}")
    return found


def check(root: Path) -> list[str]:
    graph = imports_of(root)
    return layer_violations(graph) + cycles(graph)


# --- the package ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graph() -> dict[str, list[Import]]:
    return imports_of(ROOT)


def test_the_package_keeps_its_layers_and_has_no_import_cycle(graph):
    problems = layer_violations(graph) + cycles(graph)
    assert not problems, "\n".join(problems)


def test_the_checker_reads_what_the_package_imports(graph):
    """Not vacuous: the imports it resolves are the ones the layers are about."""
    assert "podinfo_canary.core.workload" in closure_paths("podinfo_canary.ctl.app", graph)
    assert "podinfo_canary.model.conditions" in closure_paths("podinfo_canary.ctl.status", graph)
    assert {"typer", "rich", "kubernetes", "yaml", "ruamel", "pydantic"} <= third_party(graph, "podinfo_canary.ctl.app")
    assert {"cdk8s", "constructs", "imports"} <= third_party(graph, "podinfo_canary.app")
    assert "numpy" in third_party(graph, "podinfo_canary.model.run")
    # Imports inside functions are read (app.py imports most of its commands' modules lazily).
    assert "podinfo_canary.ctl.gitops" in {t for i in graph["podinfo_canary.ctl.app"] for t in i.modules}
    # Every row of the table holds a module (no stale rows), every module is in one row.
    assert all(any(layer_of(m) is layer for m in graph) for layer in LAYERS)


def third_party(graph: dict[str, list[Import]], module: str) -> set[str]:
    """The top-level non-project names running `module` imports (runtime imports, transitively)."""
    return {name for m in closure_paths(module, graph) for i in graph.get(m, []) if i.runtime for name in i.external}


# --- the checker can fail -----------------------------------------------------------------------

# A clean miniature of the package: one module per layer, importing the way the layers allow.
CLEAN = {
    "podinfo_canary/__init__.py": '"""root"""\n',
    "podinfo_canary/config/__init__.py": "from podinfo_canary.config.types import Duration\n",
    "podinfo_canary/config/types.py": "import re\n\nimport pydantic\n\nDuration = str\n",
    "podinfo_canary/core/__init__.py": "",
    "podinfo_canary/core/names.py": "from podinfo_canary import config\nfrom . import words\n",
    "podinfo_canary/core/words.py": "import yaml\n",
    "podinfo_canary/charts/__init__.py": "",
    "podinfo_canary/charts/chart.py": "import cdk8s\n\nfrom imports import k8s\nfrom podinfo_canary.charts import other\nfrom podinfo_canary.core import names\n",
    "podinfo_canary/charts/other.py": "from constructs import Construct\n",
    "podinfo_canary/model/__init__.py": "",
    "podinfo_canary/model/expr.py": "import math\n",
    "podinfo_canary/model/world.py": "import numpy as np\n\nfrom podinfo_canary.model import expr\n",
    "podinfo_canary/ctl/__init__.py": "",
    "podinfo_canary/ctl/app.py": "import typer\n\nfrom podinfo_canary.core.names import config\n\n\ndef run():\n    from podinfo_canary.model.expr import math\n",
    "podinfo_canary/app.py": "import cdk8s\n\nfrom podinfo_canary.charts.chart import names\n",
    "tools/__init__.py": "",
    "tools/docs.py": "",
}

BROKEN = {
    "upward import": (
        {"podinfo_canary/core/words.py": "import yaml\n\nfrom podinfo_canary.charts.chart import names\n"},
        [
            "podinfo_canary/core/words.py:3: `from podinfo_canary.charts.chart import names`",
            "core imports podinfo_canary.charts.chart (charts): upward",
        ],
    ),
    "upward relative import, inside a function": (
        {"podinfo_canary/config/types.py": "def f():\n    from ..core import names\n"},
        ["podinfo_canary/config/types.py:2: `from ..core import names`", "config imports podinfo_canary.core.names (core): upward"],
    ),
    "numpy in core": (
        {"podinfo_canary/core/words.py": "def mean(xs):\n    import numpy as np\n    return np.mean(xs)\n"},
        ["podinfo_canary/core/words.py:2: `import numpy as np`: core must not import numpy"],
    ),
    "numpy reached by ctl through core": (
        {"podinfo_canary/core/words.py": "import numpy\n"},
        [
            "podinfo_canary/ctl/app.py:3: `from podinfo_canary.core.names import config`: ctl reaches numpy through "
            "podinfo_canary.ctl.app -> podinfo_canary.core.names -> podinfo_canary.core.words (podinfo_canary/core/words.py:1: `import numpy`)",
        ],
    ),
    "cdk8s in config": (
        {"podinfo_canary/config/types.py": "from cdk8s import Duration\n"},
        ["podinfo_canary/config/types.py:1: `from cdk8s import Duration`: config must not import cdk8s"],
    ),
    "ctl imports the charts": (
        {"podinfo_canary/ctl/app.py": "def run():\n    from podinfo_canary.charts import chart\n"},
        [
            "podinfo_canary/ctl/app.py:2: `from podinfo_canary.charts import chart`: ctl imports podinfo_canary.charts.chart (charts): not allowed"
        ],
    ),
    "ctl imports the numpy model": (
        {"podinfo_canary/ctl/app.py": "from podinfo_canary.model import world\n"},
        [
            "podinfo_canary/ctl/app.py:1: `from podinfo_canary.model import world`: ctl imports podinfo_canary.model.world (model): not allowed",
            "ctl reaches numpy through podinfo_canary.ctl.app -> podinfo_canary.model.world (podinfo_canary/model/world.py:1: `import numpy as np`)",
        ],
    ),
    "charts and model sideways": (
        {"podinfo_canary/model/world.py": "from podinfo_canary.charts.other import Construct\n"},
        [
            "podinfo_canary/model/world.py:1: `from podinfo_canary.charts.other import Construct`: model imports podinfo_canary.charts.other (charts): sideways"
        ],
    ),
    "the package imports tools": (
        {"podinfo_canary/core/words.py": "import tools.docs\n"},
        ["podinfo_canary/core/words.py:1: `import tools.docs`: imports tools.docs, which is outside the package"],
    ),
    "an import cycle": (
        {
            "podinfo_canary/core/words.py": "from podinfo_canary.core import tally\n",
            "podinfo_canary/core/tally.py": "def count():\n    from podinfo_canary.core.names import config\n",
        },
        [
            "import cycle podinfo_canary.core.names -> podinfo_canary.core.words -> podinfo_canary.core.tally -> podinfo_canary.core.names: "
            "podinfo_canary/core/names.py:2: `from . import words`; podinfo_canary/core/words.py:1: `from podinfo_canary.core import tally`; "
            "podinfo_canary/core/tally.py:2: `from podinfo_canary.core.names import config`"
        ],
    ),
    "a module in no layer": (
        {"podinfo_canary/stray.py": ""},
        ["podinfo_canary.stray: in no layer"],
    ),
}


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_the_clean_miniature_passes(tmp_path):
    assert check(_write(tmp_path, CLEAN)) == []


@pytest.mark.parametrize("case", list(BROKEN))
def test_the_checker_names_each_breakage(tmp_path, case):
    change, expected = BROKEN[case]
    problems = check(_write(tmp_path, {**CLEAN, **change}))
    for words in expected:
        assert any(words in problem for problem in problems), f"{case}: {words!r} not in\n" + "\n".join(problems)


def test_the_tests_mirror_the_packages():
    """A folder of tests/ holding test modules is a package of podinfo_canary/ (tests/charts/platform
    tests charts/platform), conformance/ beside the model it checks; the top level holds the checks
    of the whole product. No test module name is used twice (pytest imports them by file name)."""
    tests = ROOT / "tests"
    modules = sorted(tests.rglob("test_*.py"))
    folders = {m.parent.relative_to(tests) for m in modules} - {Path(".")}
    assert [str(f) for f in sorted(folders) if not (ROOT / PACKAGE / f).is_dir() and f != Path("model/conformance")] == []
    assert len({m.name for m in modules}) == len(modules)
