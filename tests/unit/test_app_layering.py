"""The app stands alone: what buildozer.spec packages imports neither the server nor its libraries.

Imports are read from the source (ast for .py, `#:import` lines for .kv), so a module that is
imported only on a rarely used path still counts. The file selection repeats buildozer's rules
(`Buildozer._copy_application_sources`: exclude patterns, then include patterns, on folders and
files, then the extensions), so the test sees what would go into the APK.
"""

import ast
import configparser
import os
import re
import sys
from fnmatch import fnmatch
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "buildozer.spec"
# The server and the libraries only it needs (pyproject's dependencies, by import name).
SERVER_LIBS = {
    "server",
    "flask",
    "flask_sqlalchemy",
    "flask_migrate",
    "flask_smorest",
    "sqlalchemy",
    "alembic",
    "marshmallow",
    "webargs",
    "werkzeug",
    "apscheduler",
    "argon2",
    "psycopg",
    "psycopg2",
    "gunicorn",
    "yaml",
}
# Modules python-for-android puts on the phone with the kivy recipe, not named in requirements.
WITH_KIVY = {"jnius", "android"}
APP_DIRS = ("mobile", "domain")
KV_IMPORT = re.compile(r"^#:import\s+\S+\s+([\w.]+)", re.MULTILINE)


def spec() -> configparser.ConfigParser:
    """Read buildozer.spec as buildozer does (keys keep their case)."""
    parser = configparser.ConfigParser(allow_no_value=True)
    parser.optionxform = str
    parser.read(SPEC)
    return parser


def spec_list(parser, token: str) -> list[str]:
    """Return a list option: a [app:token] section's keys, or the comma-separated value."""
    if parser.has_section(f"app:{token}"):
        return [key.strip() for key in parser.options(f"app:{token}")]
    value = parser.get("app", token, fallback="")
    return [item.strip() for item in value.split(",") if item.strip()]


def _matches(name: str, patterns: list[str]) -> bool:
    return any(fnmatch(name, pattern) for pattern in patterns)


def packaged_files() -> set[str]:
    """Return the paths (relative, with /) buildozer would copy into the app."""
    parser = spec()
    source = os.path.realpath(SPEC.parent / parser.get("app", "source.dir", fallback="."))
    exts, exclude, include, exclude_dirs = (
        [item.lower() for item in spec_list(parser, f"source.{token}")]
        for token in ("include_exts", "exclude_patterns", "include_patterns", "exclude_dirs")
    )
    exclude_dirs = [d.rstrip("/") + "/" for d in exclude_dirs]
    chosen = set()
    for folder, _dirs, files in os.walk(source, followlinks=True):
        relative = folder[len(source) :].lstrip(os.sep)
        if relative and any(part.startswith(".") for part in relative.split(os.sep)):
            continue
        prefix = relative.lower() + "/" if relative else ""
        if prefix:
            out = any(prefix.startswith(d) for d in exclude_dirs) or _matches(prefix, exclude)
            if out and not _matches(prefix, include):
                continue
        for name in files:
            # buildozer lower-cases a file's name only at the top level (as it does here)
            full = prefix + name if prefix else name.lower()
            if name.startswith(".") or (_matches(full, exclude) and not _matches(full, include)):
                continue
            ext = os.path.splitext(name)[1][1:].lower()
            if not ext or not exts or ext in exts:
                chosen.add(full)
    return chosen


def app_sources() -> list[Path]:
    """Return every module and kv file of the app and the domain (and the entry point)."""
    found = [ROOT / "main.py"]
    for package in APP_DIRS:
        found += [p for p in (ROOT / package).rglob("*") if p.suffix in (".py", ".kv")]
    return sorted(p for p in found if "__pycache__" not in p.parts)


def imports(path: Path) -> list[tuple[int, str]]:
    """Return (line, dotted module) of every import in a .py or .kv file."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".kv":
        return [(text[: m.start()].count("\n") + 1, m.group(1)) for m in KV_IMPORT.finditer(text)]
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(ast.parse(text, str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            found.append((node.lineno, base))
    return found


def where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


def top(module: str) -> str:
    return module.split(".")[0]


def test_no_app_module_imports_the_server_or_a_server_library():
    found = [
        f"{where(path, line)} imports {module}"
        for path in app_sources()
        for line, module in imports(path)
        if top(module) in SERVER_LIBS
    ]
    assert not found, "the app reaches into the server:\n  " + "\n  ".join(found)


def test_the_domain_imports_only_the_standard_library_and_itself():
    stdlib = sys.stdlib_module_names
    found = [
        f"{where(path, line)} imports {module}"
        for path in app_sources()
        if path.relative_to(ROOT).parts[0] == "domain"
        for line, module in imports(path)
        if top(module) != "domain" and top(module) not in stdlib
    ]
    assert not found, "domain/ must stay pure (no Kivy, no server):\n  " + "\n  ".join(found)


def test_buildozer_packages_the_app_and_nothing_else():
    packaged = packaged_files()
    wanted = {p.relative_to(ROOT).as_posix() for p in app_sources()}
    assert wanted <= packaged, f"left out of the APK: {sorted(wanted - packaged)}"
    strays = sorted(p for p in packaged if p != "main.py" and p.split("/")[0] not in APP_DIRS)
    assert not strays, f"packaged but not part of the app: {strays}"


def _module_file(module: str, packaged: set[str]) -> str | None:
    """Return the packaged file that defines a first-party module, if there is one."""
    path = module.replace(".", "/")
    for candidate in (f"{path}.py", f"{path}/__init__.py"):
        if candidate in packaged:
            return candidate
    return None


def _first_party() -> set[str]:
    """Return the top-level packages and modules of this repository."""
    packages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()}
    return packages | {p.stem for p in ROOT.glob("*.py")}


def test_the_packaged_sources_import_only_each_other_and_their_requirements():
    packaged = packaged_files()
    requirements = {re.split(r"[=<>]", r)[0] for r in spec_list(spec(), "requirements")}
    allowed = set(sys.stdlib_module_names) | requirements | WITH_KIVY
    first_party = _first_party()
    missing = []
    for path in app_sources():
        for line, module in imports(path):
            name = top(module)
            if name in first_party:
                # a kv file may import a module's attribute: `#:import f package.module.f`
                parent = module.rpartition(".")[0] if path.suffix == ".kv" else module
                if not (_module_file(module, packaged) or _module_file(parent, packaged)):
                    missing.append(f"{where(path, line)}: {module} is not packaged")
            elif name not in allowed:
                missing.append(f"{where(path, line)}: {module} is not in the requirements")
    assert not missing, "the APK would not start:\n  " + "\n  ".join(missing)


def _literal(path: Path, name: str):
    """Return the value of a module-level literal assignment `name = ...` in a file."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{path} has no {name}")


def test_screens_and_kv_files_loaded_by_name_are_packaged():
    packaged = packaged_files()
    screens = _literal(ROOT / "mobile" / "screens" / "shell.py", "SCREENS")
    missing = [
        f"screen {name}: mobile/screens/{target.split(':')[0]}.py"
        for name, target in screens.items()
        if f"mobile/screens/{target.split(':')[0]}.py" not in packaged
    ]
    load_kv = re.compile(r"""load_kv\(\s*["'](\w+)["']\s*\)""")
    for path in app_sources():
        for name in load_kv.findall(path.read_text(encoding="utf-8")):
            if f"mobile/kv/{name}.kv" not in packaged:
                missing.append(f"{path.relative_to(ROOT)} loads mobile/kv/{name}.kv")
    assert not missing, "loaded at run time but not packaged:\n  " + "\n  ".join(missing)


@pytest.mark.parametrize(
    "permission", ["INTERNET", "ACCESS_NETWORK_STATE", "VIBRATE", "POST_NOTIFICATIONS"]
)
def test_the_app_asks_for_what_it_uses(permission):
    assert permission in {p.upper() for p in spec_list(spec(), "android.permissions")}


def test_every_permission_asked_for_is_justified_in_the_docs():
    docs = (ROOT / "docs" / "mobile.md").read_text(encoding="utf-8")
    unexplained = [
        p for p in spec_list(spec(), "android.permissions") if f"`{p.upper()}`" not in docs
    ]
    assert not unexplained, f"not justified in docs/mobile.md: {unexplained}"


@pytest.mark.parametrize("option", ["icon.filename", "presplash.filename"])
def test_the_images_the_spec_names_exist(option):
    path = SPEC.parent / spec().get("app", option)
    assert path.is_file(), f"{option}: {path} is missing (python -m tools.icon draws it)"


def test_the_requirements_name_no_server_library():
    requirements = spec_list(spec(), "requirements")
    assert "kivy==2.3.1" in requirements
    assert not {re.split(r"[=<>]", r)[0] for r in requirements} & SERVER_LIBS
