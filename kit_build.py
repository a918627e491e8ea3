"""The kit's build steps that are Python: the Dockerfile's stages run them from the build context
(`python kit_build.py STEP`, bind-mounted, never copied into a layer), and prod keeps this file
for its health check. Standard library only, but for `reduce`, which runs on Poetry's Python.

    reduce        pyproject.toml cut down to what decides the dependencies
    wheel         build a Poetry project's folder as a wheel
    main-group    exit 0 where pyproject.toml declares main dependencies
    path-deps     the path dependencies' folders that prod installs
    stage-files   copy the app's files to a folder, as APP_INSTALL=files|both ships them
    compile       bytecode for the venv's files that have none, or stale
    smoke         import the project's modules as prod has them
    sbom-subject  the project's name, version and description, as cyclonedx-py reads them
    health        ask the app at $HEALTHCHECK_URL: exit 0 for an answer below 500
"""

from __future__ import annotations

import errno
import http.client
import importlib
import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import traceback
import urllib.parse
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11: only the kit's tests run it there
    import tomli as tomllib

# What decides the dependencies (what the lock's own hash covers): a version bump or a
# [tool.ruff] edit leaves the dependency layer as it is.
PROJECT_KEYS = ("name", "requires-python", "dependencies", "optional-dependencies")
POETRY_KEYS = ("name", "package-mode", "dependencies", "dev-dependencies", "group", "extras",
               "source")  # fmt: skip
# Poetry's and the kit's files: never the app's.
NOT_APP_FILES = {"pyproject.toml", "poetry.lock", "poetry-requirements.txt",
                 "sbom-requirements.txt", "kit_build.py"}  # fmt: skip


class BuildError(Exception):
    """A build step that must stop the build, with what to do."""


def load(path: str | Path) -> dict:
    with open(path, "rb") as file:
        return tomllib.load(file)


# ---- the dependencies --------------------------------------------------------------------------


def reduced(full: dict) -> dict:
    """pyproject.toml with only what decides the dependencies, and a fixed version."""
    out: dict = {}
    project = full.get("project", {})
    if project:
        out["project"] = {k: v for k, v in project.items() if k in PROJECT_KEYS} | {"version": "0"}
        dynamic = [d for d in project.get("dynamic", []) if d in PROJECT_KEYS]
        if dynamic:
            out["project"]["dynamic"] = dynamic
    poetry = full.get("tool", {}).get("poetry", {})
    if poetry:
        out["tool"] = {"poetry": {k: v for k, v in poetry.items() if k in POETRY_KEYS}}
        if not project:
            out["tool"]["poetry"]["version"] = "0"
    if "dependency-groups" in full:
        out["dependency-groups"] = full["dependency-groups"]
    return out


def reduce(folder: str = ".") -> None:
    import tomlkit  # Poetry's

    if not Path(folder, "poetry.lock").is_file():
        raise BuildError("poetry.lock was not found: run 'poetry lock' and commit poetry.lock.")
    path = Path(folder, "pyproject.toml")
    try:
        full = load(path)
    except tomllib.TOMLDecodeError as error:
        said = f"pyproject.toml is not valid TOML (TOMLDecodeError: {error})"
        raise BuildError(f"{said}: fix it where it says.") from None
    path.write_text(tomlkit.dumps(reduced(full)), encoding="utf-8")


def wheel(folder: str, out: str) -> None:
    """A wheel of a Poetry project's folder into `out`, with poetry-core (Poetry's Python)."""
    import poetry.core.masonry.api as api

    out = os.path.abspath(out)
    os.chdir(folder)
    api.build_wheel(out)


def declares_main(pyproject: dict) -> bool:
    """Whether the project declares main dependencies (a library may have none: then Poetry has
    no `main` group to give). Not from the lock: Poetry 1.5 to 1.8 name no groups there."""
    poetry = pyproject.get("tool", {}).get("poetry", {}).get("dependencies", {})
    return bool(pyproject.get("project", {}).get("dependencies") or set(poetry) - {"python"})


def main_group(path: str = "pyproject.toml") -> int:
    return 0 if declares_main(load(path)) else 1


def path_dependencies(lock: dict, groups: set[str], extras: list[str]) -> list[str]:
    """The folders of the path dependencies prod installs: those in the main group or `groups`,
    or, where optional, named by one of `extras`."""
    named = lock.get("extras", {})
    chosen = {re.split(r"[^\w.-]", n)[0] for e in extras for n in named.get(e, [])}
    found = []
    for package in lock.get("package", []):
        source = package.get("source", {})
        in_groups = groups & set(package.get("groups") or [package.get("category", "main")])
        wanted = not package.get("optional") or package["name"] in chosen
        if source.get("type") == "directory" and in_groups and wanted:
            found.append(source["url"])
    return found


def path_deps(lock: str = "poetry.lock") -> None:
    groups = {"main", *os.environ.get("PROD_GROUPS", "").replace(",", " ").split()}
    extras = os.environ.get("PROD_EXTRAS", "").split()
    for folder in path_dependencies(load(lock), groups, extras):
        print(folder)


# ---- the app's files ---------------------------------------------------------------------------


def app_entries(root: Path, wheels: list[Path], folders: list[str]) -> list[Path]:
    """The project's top-level entries that prod gets in /app: all but Poetry's and the kit's
    files, the path dependencies' `folders`, and what the `wheels` (the project's own) hold,
    with the folder each was built from (src/, lib/)."""
    skip = set(NOT_APP_FILES) | {folder.split("/")[0] for folder in folders}
    for wheel in map(zipfile.ZipFile, wheels):
        tops = {name.split("/")[0] for name in wheel.namelist()}
        skip |= tops | {top + ".py" for top in tops}
        code = [name for name in wheel.namelist() if name.endswith(".py")]
        for path in root.iterdir():
            if any((path / n).is_file() and (path / n).read_bytes() == wheel.read(n) for n in code):
                skip.add(path.name)
    return [path for path in sorted(root.iterdir()) if path.name not in skip]


def stage_files(dest: str, dist: str = "/tmp/dist", deps: str = "/tmp/path-deps") -> None:
    folders = Path(deps).read_text().split() if Path(deps).exists() else []
    for path in app_entries(Path("."), sorted(Path(dist).glob("*.whl")), folders):
        copy = shutil.copytree if path.is_dir() else shutil.copy2
        copy(path, Path(dest) / path.name)


def stale_bytecode(lib: Path) -> list[Path]:
    """The .py files under `lib` whose hash-checked .pyc is missing or stale."""
    unchecked = importlib.util.MAGIC_NUMBER + b"\x01\0\0\0"
    stale = []
    for source in sorted(lib.rglob("*.py")):
        try:
            with open(importlib.util.cache_from_source(str(source)), "rb") as pyc:
                header = pyc.read(16)
        except OSError:
            header = b""
        if header != unchecked + importlib.util.source_hash(source.read_bytes()):
            stale.append(source)
    return stale


def compile_venv(lib: str = "/opt/venv/lib") -> None:
    """Bytecode, checked by hash, for only what changed. A file that does not compile (Python 2
    code kept beside a package's own) stays without bytecode, as pip leaves it."""
    stale = stale_bytecode(Path(lib))
    if not stale:  # given no file at all, compileall would compile every folder on sys.path
        return
    command = [sys.executable, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode",
               "unchecked-hash", "-i", "-"]  # fmt: skip
    listed = "".join(f"{path}\n" for path in stale)
    if subprocess.run(command, input=listed, text=True).returncode:
        print("warning: the files above do not compile: they stay without bytecode, as pip"
              " leaves them.")  # fmt: skip


# ---- prod --------------------------------------------------------------------------------------


def top_modules(pyproject: dict) -> list[str]:
    """The top-level modules the project's installed distribution holds (none where it is not
    installed as a package: APP_INSTALL=files)."""
    poetry = pyproject.get("tool", {}).get("poetry", {})
    name = pyproject.get("project", {}).get("name") or poetry.get("name")
    try:
        files = importlib.metadata.distribution(name).files if name else []
    except importlib.metadata.PackageNotFoundError:
        files = []
    found = {f.parts[0].removesuffix(".py") for f in files or [] if f.suffix == ".py"}
    return sorted(found - {".."})


def diagnosis(module: str, error: BaseException) -> str:
    """What a failed import in prod means: an error that stops the build, or a warning. A write
    the app's user may not make (prod's files are read-only to it) fails at start too. A shared
    library that does not load is an OSError, or an error that names it ("libGL.so.1: cannot open
    shared object file", psycopg's "libpq library not found")."""
    said = str(error)
    if isinstance(error, PermissionError) or getattr(error, "errno", None) == errno.EROFS:
        return (
            f"error: importing {module} writes where the app's user cannot (above): prod's files"
            " are read-only to it; have it write under /tmp (a tmpfs when prod runs read-only)"
            " or to a volume."
        )
    if type(error) is OSError or "librar" in said or ".so" in said:
        return (
            f"error: prod cannot import {module}: a system library it loads is missing (above):"
            " add its Debian package to RUNTIME_PACKAGES."
        )
    if isinstance(error, ImportError):
        return (
            f"error: prod cannot import {module} (above): is what it imports in the main"
            " dependencies (or PROD_GROUPS), and does it import with only them?"
        )
    return (
        f"warning: importing {module} ran code that failed here (above), as code that needs"
        " prod's running environment does at import: its imports before it were checked."
    )


@contextmanager
def writes_undone(folders: list[str]) -> Iterator[None]:
    """What imports write into the app's writable folders (WRITABLE_PATHS) removed after them,
    and the folders' times as they were: the smoke test adds nothing to the image."""
    before = {f: (set(os.listdir(f)), os.stat(f)) for f in folders if os.path.isdir(f)}
    try:
        yield
    finally:
        for folder, (names, stat) in before.items():
            for name in set(os.listdir(folder)) - names:
                path = os.path.join(folder, name)
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path)
                else:
                    os.unlink(path)
            os.utime(folder, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def smoke(pyproject: str = "/tmp/pyproject.toml", app: str = "/app", serves: str = "") -> None:
    """The project's own top-level modules import, as the app's user with prod's paths (an
    application's files are only found: importing a script may start it), and so does the module
    the start command serves (APP_MODULE), where one is named: a module that is not there stops
    the build, as it would stop the app at its start. What they write is undone."""
    with writes_undone(os.environ.get("WRITABLE_PATHS", "").split()):
        imports(pyproject, app, serves)


def imports(pyproject: str, app: str, serves: str) -> None:
    """The imports of smoke(), each checked."""
    for module in top_modules(load(pyproject)):
        try:
            importlib.import_module(module)
        except Exception as error:
            traceback.print_exc()
            said = diagnosis(module, error)
            if said.startswith("error:"):
                raise BuildError(said.removeprefix("error: ")) from None
            print(said)
    for path in Path(app).iterdir():
        module = path.name.removesuffix(".py")  # main.py is a module; gunicorn.conf.py is not one
        is_module = path.suffix == ".py" or (path / "__init__.py").exists()
        if module.isidentifier() and is_module and not importlib.util.find_spec(module):
            raise BuildError(f"{app}/{path.name} is not importable")
    if serves:
        try:
            importlib.import_module(serves)
        except Exception as error:
            traceback.print_exc()
            name = getattr(error, "name", None) or ""
            if isinstance(error, ModuleNotFoundError) and f"{serves}.".startswith(f"{name}."):
                raise BuildError(
                    f"prod cannot import {serves}, the module the start command (CMD) serves: "
                    "name it as prod imports it (from /app, or from the wheel in /opt/venv, as "
                    "the package's own imports do), and set APP_MODULE to match"
                ) from None
            said = diagnosis(serves, error)
            if said.startswith("error:") and not isinstance(error, ImportError):
                raise BuildError(said.removeprefix("error: ")) from None  # a write, a library
            print(
                f"warning: importing {serves}, which the start command serves, failed here "
                "(above) on what it imports with the build's settings and environment, which "
                "prod's start may not share (Django's settings module, say)."
            )


def sbom_subject(pyproject: dict) -> str:
    """The project as the SBOM's subject: its name, version and description, from [project] or
    [tool.poetry] (cyclonedx-py reads only the latter when it exists, so it gets them alone)."""
    about = pyproject.get("project") or pyproject.get("tool", {}).get("poetry", {})
    keys = [key for key in ("name", "version", "description") if key in about]
    return "[project]\n" + "".join(f"{key} = {json.dumps(about[key])}\n" for key in keys)


def subject(pyproject: str, out: str) -> None:
    Path(out).write_text(sbom_subject(load(pyproject)))


def healthy(url: str, timeout: float = 2) -> bool:
    """Any HTTP answer below 500 means the app serves, a redirect too (not followed: an app that
    sends every request to https:// is up). No URL: nothing to ask."""
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname:
        return True
    app = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    app.request("GET", (parts.path or "/") + ("?" + parts.query if parts.query else ""))
    return app.getresponse().status < 500


STEPS = {
    "reduce": reduce,
    "wheel": wheel,
    "main-group": main_group,
    "path-deps": path_deps,
    "stage-files": stage_files,
    "compile": compile_venv,
    "smoke": smoke,
    "sbom-subject": subject,
    "health": lambda: 0 if healthy(os.environ.get("HEALTHCHECK_URL", "")) else 1,
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in STEPS:
        print(f"usage: kit_build.py {{{','.join(STEPS)}}} [ARGS]", file=sys.stderr)
        return 2
    try:
        return STEPS[argv[0]](*argv[1:]) or 0
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
