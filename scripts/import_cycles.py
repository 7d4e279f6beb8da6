"""Fail when modules of `registry` import each other in a loop (make lint).

    python scripts/import_cycles.py

Builds the import graph with grimp (every import counts, also one inside a function or under
TYPE_CHECKING) and prints each set of modules that reach each other, with the imports that
close the loop. Break a loop by moving the piece both sides need one layer down, never by
hiding an import in a function.

`KNOWN` lists imports that close a loop and may not be changed yet, each with its reason; an
entry that no longer exists fails the check too, so the list only shrinks.
"""

from __future__ import annotations

import sys

import grimp

PACKAGE = "registry"

# importer -> imported: loops left in place on purpose (see the reason).
KNOWN: dict[tuple[str, str], str] = {}


def strongly_connected(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively: the groups of two or more modules in a loop."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0
    edges = {
        m: sorted(
            t
            for t in graph.find_modules_directly_imported_by(m)
            if t in modules and (m, t) not in KNOWN
        )
        for m in modules
    }
    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
    return groups


def main() -> int:
    graph = grimp.build_graph(PACKAGE, cache_dir=None)
    modules = {m for m in graph.modules if m == PACKAGE or m.startswith(PACKAGE + ".")}
    failed = False
    for importer, imported in sorted(KNOWN):
        if (
            importer not in modules
            or imported not in modules
            or not graph.direct_import_exists(importer=importer, imported=imported)
        ):
            print(f"import cycles: known import {importer} -> {imported} is gone: remove it")
            failed = True
    groups = strongly_connected(graph, modules)
    for group in groups:
        failed = True
        print("import cycle among: " + ", ".join(group))
        members = set(group)
        for module in group:
            for target in sorted(graph.find_modules_directly_imported_by(module)):
                if target in members and (module, target) not in KNOWN:
                    details = graph.get_import_details(importer=module, imported=target)
                    lines = ", ".join(str(d["line_number"]) for d in details)
                    print(f"    {module} -> {target} (line {lines})")
    print(f"import cycles: {len(groups)} among {len(modules)} modules")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
