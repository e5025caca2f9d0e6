"""The import rule of the package, checked on the source (no import is executed):

    cli (cli, cli_text) → steps → (session, answering, reviewing, facts, store, mail, paper, workbook,
                   files, campaign, settings, templates) → core → errors

- a step (``invite/steps/*``) never imports another step: the CLI alone strings commands
  together, and what several steps share lives one layer lower;
- nothing below the steps imports a step or the CLI;
- the pure core imports only the core and ``invite.errors`` (the few data types it still
  takes from adapters are listed below, each a known debt, so no new one creeps in);
- all imports of the package together — module level and inside functions — form no cycle, so
  no function-local import is there to dodge one (those that remain load heavy libraries only
  when needed).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import invite

ROOT = Path(invite.__file__).resolve().parent

# The core still reads these adapter data types (plain dataclasses); moving them into the core
# is open work. Listed so that the test fails on any new dependency of the core.
CORE_DEBTS = {
    ("invite.core.answers", "invite.mail.mailparse"),
    ("invite.core.answers", "invite.paper.evidence"),
    ("invite.core.contacts", "invite.workbook.spreadsheet"),
    ("invite.core.layout", "invite.settings"),
    ("invite.core.matching", "invite.mail.mailparse"),
    ("invite.core.matching", "invite.paper.evidence"),
    ("invite.core.message", "invite.settings"),
    ("invite.core.message", "invite.templates"),
    ("invite.core.reports", "invite.mail.mailparse"),
}


def _name(path: Path) -> str:
    parts = ["invite", *path.relative_to(ROOT).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _target(module: str, name: str | None = None) -> str | None:
    """The module an import statement loads, if it is one of ours."""
    if name is not None and f"{module}.{name}" in MODULES:
        return f"{module}.{name}"
    return module if module in MODULES and module != "invite" else None


def imports(module: str) -> Iterator[tuple[str, int]]:
    """(imported module of the package, line) for every import in ``module``."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if (target := _target(alias.name)) is not None:
                    yield target, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if not node.module.startswith("invite"):
                continue
            for alias in node.names:
                if (target := _target(node.module, alias.name)) is not None:
                    yield target, node.lineno


def _layer(module: str) -> str:
    if module in ("invite.cli", "invite.cli_text", "invite.__main__"):  # parsing and printing
        return "cli"
    if module.startswith("invite.steps.") or module == "invite.steps":
        return "step"
    if module.startswith("invite.core.") or module == "invite.core":
        return "core"
    if module == "invite.errors":
        return "errors"
    return "lower"


def test_no_step_imports_another_step() -> None:
    found = [
        f"{module}:{line} imports {target}"
        for module in MODULES
        if _layer(module) == "step"
        for target, line in imports(module)
        if _layer(target) == "step" and target != module
    ]
    assert found == []


def test_nothing_below_the_steps_imports_a_step_or_the_cli() -> None:
    found = [
        f"{module}:{line} imports {target}"
        for module in MODULES
        if _layer(module) in ("lower", "core", "errors")
        for target, line in imports(module)
        if _layer(target) in ("step", "cli")
    ]
    assert found == []


def test_the_core_imports_only_the_core_and_errors() -> None:
    found = {
        (module, target)
        for module in MODULES
        if _layer(module) == "core"
        for target, _ in imports(module)
        if _layer(target) not in ("core", "errors")
    }
    assert found <= CORE_DEBTS, sorted(found - CORE_DEBTS)


def test_imports_form_no_cycle_even_counting_function_local_ones() -> None:
    graph = {module: {target for target, _ in imports(module)} for module in MODULES}
    done: set[str] = set()
    path: list[str] = []

    def visit(module: str) -> None:
        if module in done:
            return
        assert module not in path, " → ".join([*path[path.index(module) :], module])
        path.append(module)
        for target in sorted(graph[module]):
            visit(target)
        path.pop()
        done.add(module)

    for module in sorted(graph):
        visit(module)


def test_the_rule_sees_the_imports_it_forbids() -> None:
    """The parser finds module-level, function-local and ``from package import module``
    imports (else the tests above would pass by seeing nothing)."""
    assert any(t == "invite.paper.production" for t, _ in imports("invite.steps.letters"))
    assert any(t == "invite.reviewing" for t, _ in imports("invite.steps.status"))
    assert any(t == "invite.paper.production" for t, _ in imports("invite.steps.send"))
    assert _layer("invite.steps.send") == "step" and _layer("invite.core.rsvp") == "core"
