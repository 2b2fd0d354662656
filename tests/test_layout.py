"""The package's shape: no import cycle, short modules, a leaf parameter core, a README that is a map."""

import ast
import re

from conftest import ROOT

PACKAGE = ROOT / "tfcorrect"


def module_name(path, root):
    """``tfcorrect.a.b`` of ``root/../tfcorrect/a/b.py`` (a package's ``__init__.py`` is the package)."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root):
    """``{module: {module it imports}}`` over the package at ``root``, imports inside functions included.

    ``from p import x`` is an edge to ``p`` (whose ``__init__`` it runs) and, when ``p.x`` is a module of
    the package, to ``p.x`` too.
    """
    paths = {module_name(path, root): path for path in root.rglob("*.py")}
    graph = {}
    for name, path in paths.items():
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                edges.update(alias.name for alias in node.names if alias.name in paths)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module in paths:
                edges.add(node.module)
                edges.update(f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in paths)
        graph[name] = edges - {name}
    return graph


def cycles(graph):
    """Every strongly connected set of two or more modules (Tarjan), each sorted."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_tfcorrect_has_no_import_cycle():
    assert cycles(import_graph(PACKAGE)) == []


def test_the_cycle_check_finds_a_cycle_a_test_adds(tmp_path):
    package = tmp_path / "tfcorrect"
    for name, text in {"__init__.py": "", "a.py": "from tfcorrect.b import x\n",
                       "b.py": "def x():\n    from tfcorrect import a  # hidden in a function\n",
                       "c.py": "import tfcorrect.a\n"}.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text)
    assert cycles(import_graph(package)) == [["tfcorrect.a", "tfcorrect.b"]]
    # A package whose __init__ imports a submodule that imports a sibling through the package.
    (package / "p").mkdir()
    (package / "p" / "__init__.py").write_text("from tfcorrect.p.m import y\n")
    (package / "p" / "m.py").write_text("from tfcorrect.p import n\ny = n\n")
    (package / "p" / "n.py").write_text("")
    assert ["tfcorrect.p", "tfcorrect.p.m"] in cycles(import_graph(package))
    # The same files copied into the real package's graph would be a cycle there too.
    graph = import_graph(PACKAGE)
    graph["tfcorrect.params.options"] = graph["tfcorrect.params.options"] | {"tfcorrect.methods"}
    assert cycles(graph)


def test_params_is_a_leaf():
    graph = import_graph(PACKAGE)
    for name, edges in graph.items():
        if name.startswith("tfcorrect.params"):
            assert {e for e in edges if not e.startswith("tfcorrect.params")} <= {"tfcorrect.errors"}, name


def test_no_core_module_names_a_method_folder():
    core = ("tfcorrect.params", "tfcorrect.io", "tfcorrect.data", "tfcorrect.nn", "tfcorrect.errors")
    lower = ("tfcorrect.training.method", "tfcorrect.training.options", "tfcorrect.training.runfolder",
             "tfcorrect.inference.predictor", "tfcorrect.inference.tiling", "tfcorrect.inference.backends",
             "tfcorrect.evaluation.metrics", "tfcorrect.evaluation.baselines", "tfcorrect.evaluation.report")
    for name, edges in import_graph(PACKAGE).items():
        if name.startswith(core) or name in lower:
            assert not [e for e in edges if e.startswith("tfcorrect.methods")], name


def test_no_module_is_over_300_lines():
    long = {str(p.relative_to(ROOT)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 300}
    assert long == {}


def test_the_readme_is_a_map_and_every_docs_page_is_linked():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200
    index = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    for page in (ROOT / "docs").glob("*.md"):
        assert f"docs/{page.name}" in readme, page.name
        assert page.name == "index.md" or f"({page.name}" in index, page.name
    for path in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        assert not re.search(r"\bseed 00\d", path.read_text(encoding="utf-8"), re.I), path.name
