"""The server's layers point one way: the API edge validates and serializes, services do not.

Modules under server/services/ take and return plain data: they import neither the API schemas
(server.schemas) nor marshmallow; the schemas, for their part, never reach into the services
(constants both need live in domain/ or server/models/). Imports are read from the source with
ast, every one of them (`import x`, `from x import y`, relative, inside a function), so an
import on a rarely used path counts as much as one at the top.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Each layer, and the modules it must not import (a name and everything below it).
FORBIDDEN = {
    "server/services": ("server.schemas", "marshmallow"),
    "server/schemas": ("server.services",),
}


def imported(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """Return (line, dotted name) of everything a module imports.

    `from x import y` gives both x and x.y (y may be a module: `from server import schemas`);
    a relative import is resolved against the module's package.
    """
    package = path.relative_to(root).with_suffix("").parts[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package[: len(package) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def _is_within(name: str, module: str) -> bool:
    return name == module or name.startswith(f"{module}.")


def crossings(layer: str, root: Path = ROOT) -> list[str]:
    """Return "module:line imports name" for each forbidden import of a layer's modules.

    An import statement is named once, by the shortest forbidden name it imports
    (`from server.schemas.logs import A, B` is "server.schemas.logs").
    """
    found = []
    for path in sorted((root / layer).rglob("*.py")):
        module = ".".join(path.relative_to(root).with_suffix("").parts)
        banned = [
            (line, name)
            for line, name in imported(path, root)
            if any(_is_within(name, m) for m in FORBIDDEN[layer])
        ]
        for line, name in sorted(set(banned)):
            if not any(n != name and _is_within(name, n) for at, n in banned if at == line):
                found.append(f"{module}:{line} imports {name}")
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_no_module_imports_across_its_layer(layer):
    found = crossings(layer)
    banned = ", ".join(FORBIDDEN[layer])
    assert not found, f"{layer}/ must not import {banned}:\n  " + "\n  ".join(found)


def test_the_check_sees_every_way_of_importing(tmp_path):
    services = tmp_path / "server" / "services"
    services.mkdir(parents=True)
    (services / "sneaky.py").write_text(
        "from server import schemas\n"
        "from ..schemas.logs import DETAIL_SCHEMAS\n"
        "\n"
        "def later():\n"
        "    import marshmallow.fields\n"
        "    from marshmallow import ValidationError\n",
        encoding="utf-8",
    )
    (services / "fine.py").write_text(
        "import marshmallowish\nfrom server.schemasx import y\nfrom server.services import z\n",
        encoding="utf-8",
    )
    assert crossings("server/services", tmp_path) == [
        "server.services.sneaky:1 imports server.schemas",
        "server.services.sneaky:2 imports server.schemas.logs",
        "server.services.sneaky:5 imports marshmallow.fields",
        "server.services.sneaky:6 imports marshmallow",
    ]


def test_the_sync_use_case_loads_without_marshmallow_or_the_schemas():
    probe = (
        "import sys\n"
        "import server.services.sync\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'marshmallow'"
        " or m.startswith('server.schemas')))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert run.stdout.strip() == "[]", f"import server.services.sync loaded {run.stdout}"
