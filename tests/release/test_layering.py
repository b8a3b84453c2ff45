"""The packages of release/ keep to their layers, read from the import statements (ast) of every
module: neither engine imports the other, neither imports the CLI, and the shared core and the
diagnosis (which both engines use) import neither engine nor the CLI. A shared type belongs in
release/core, not in one engine."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RELEASE = ROOT / "release"

FORBIDDEN = {
    "codedeploy": ("release.ecs", "release.cli"),
    "ecs": ("release.codedeploy", "release.cli"),
    "core": ("release.codedeploy", "release.ecs", "release.cli"),
    "diagnosis": ("release.codedeploy", "release.ecs", "release.cli"),
}
"""Package of release/ -> the packages its modules must not import."""


def _module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, root: Path = ROOT) -> set[str]:
    """Every module an import statement in the file names (``from a import b`` gives a and a.b,
    since b may be a module), relative imports resolved against the file's package."""
    name = _module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(f"{package}.")


def test_every_layered_package_exists() -> None:
    for package in FORBIDDEN:
        assert (RELEASE / package / "__init__.py").is_file(), f"release/{package} is not a package"


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_import_what_it_must_not(package: str) -> None:
    offending = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in sorted((RELEASE / package).rglob("*.py"))
        for module in sorted(imported_modules(path))
        if any(_within(module, forbidden) for forbidden in FORBIDDEN[package])
    ]
    assert offending == []


def test_the_check_sees_each_form_of_import(tmp_path: Path) -> None:
    """A module with each import form names them all (so the test above cannot pass vacuously)."""
    planted = tmp_path / "release" / "codedeploy" / "planted.py"
    planted.parent.mkdir(parents=True)
    planted.write_text(
        "import release.ecs.watch\nfrom release import ecs\nfrom ..ecs.deployments import short_name\n",
        encoding="utf-8",
    )
    found = imported_modules(planted, tmp_path)
    assert {"release.ecs.watch", "release.ecs", "release.ecs.deployments"} <= found
    assert any(_within(module, "release.ecs") for module in found)
