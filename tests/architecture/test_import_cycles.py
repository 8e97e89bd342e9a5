"""No import cycles anywhere in the product (docs/architecture.md, "Layers").

The layer contracts (`lint-imports`) keep packages pointing one way; this test keeps the modules
inside each package acyclic too, counting imports made inside functions; a second test counts
those made only for type checking as well, so a module's names never point back at its importer
even in type hints (the field-type registry takes a protocol, not the form model that names it).
"""

from __future__ import annotations

import grimp

PRODUCT = ("common", "kiosk", "printer", "screens", "gateway", "launcher")


def strongly_connected(graph: grimp.ImportGraph) -> list[list[str]]:
    """Tarjan's algorithm over the module graph; components of more than one module are cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:
        nonlocal counter
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_the_product_has_no_import_cycles() -> None:
    graph = grimp.build_graph(*PRODUCT, exclude_type_checking_imports=True)
    cycles = strongly_connected(graph)
    assert cycles == [], "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_not_even_type_hints_import_in_a_circle() -> None:
    graph = grimp.build_graph(*PRODUCT, exclude_type_checking_imports=False)
    cycles = strongly_connected(graph)
    assert cycles == [], "import cycles through type hints:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_the_cycle_finder_sees_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for name in ("a", "a.x", "a.y", "a.z"):
        graph.add_module(name)
    graph.add_import(importer="a.x", imported="a.y")
    graph.add_import(importer="a.y", imported="a.x")
    graph.add_import(importer="a.z", imported="a.x")
    assert strongly_connected(graph) == [["a.x", "a.y"]]
