"""The kit's build steps that are Python: the Dockerfile's stages run them from the build context
(`python kit_build.py STEP`, bind-mounted, never copied into a layer), and prod keeps this file
for its health check. Standard library only.

    reduce        pyproject.toml cut down to what decides the dependencies
    uv            get uv's binary at its pin (poetry-requirements.txt) from the index
    poetry        install Poetry's pinned set (poetry-requirements.txt) into a venv of its own
    wheel         build a Poetry project's folder as a wheel
    app-files     stage the project's own code as prod holds it (APP_INSTALL)
    venv          stage the venv of the locked dependencies prod installs (uv, from the lock)
    assets        run ASSETS_COMMAND and make WRITABLE_PATHS the app user's
    smoke         import the project's modules as prod has them
    sbom          a CycloneDX document of prod's venv, with the project as its subject
    health        ask the app at $HEALTHCHECK_URL: exit 0 for an answer below 500
"""

from __future__ import annotations

import base64
import errno
import hashlib
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
import time
import traceback
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
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
# One fixed time, 1980-01-01, on every file prod gets from a build: its layers are a function of
# the project's files alone, the same on any machine and any day.
FIXED_TIME = 315532800
APP_USER = 10001


class BuildError(Exception):
    """A build step that must stop the build, with what to do."""


def load(path: str | Path) -> dict:
    with open(path, "rb") as file:
        return tomllib.load(file)


def run(*command: str, env: dict[str, str] | None = None) -> None:
    subprocess.run(command, check=True, env=env)


def everything(root: str | Path) -> Iterator[Path]:
    """`root` and every path under it, symbolic links as themselves."""
    yield Path(root)
    for folder, folders, files in os.walk(root):
        for name in folders + files:
            yield Path(folder, name)


def settle(root: str | Path) -> None:
    """Every mode under `root` rw-r--r-- (rwxr-xr-x where executable or a folder: nobody but root
    writes there) and every time the fixed one."""
    for path in everything(root):
        if not path.is_symlink():
            executable = path.is_dir() or path.lstat().st_mode & 0o111
            path.chmod(0o755 if executable else 0o644)
        os.utime(path, (FIXED_TIME, FIXED_TIME), follow_symlinks=False)


def settle_since(root: str | Path, start: float) -> None:
    """The fixed time on what under `root` changed since `start` (its modes as they are)."""
    for path in everything(root):
        if path.lstat().st_ctime > start:
            os.utime(path, (FIXED_TIME, FIXED_TIME), follow_symlinks=False)


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


def toml_value(value: object) -> str:
    """`value` as TOML, inline: what pyproject.toml holds (strings, numbers, booleans, arrays,
    tables) reads back as it was."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace(
            "\x7f", "\\u007f"
        )  # JSON's escapes are TOML's
    if isinstance(value, list):
        return "[" + ", ".join(map(toml_value, value)) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise BuildError(f"pyproject.toml holds a value kit_build.py cannot write: {value!r}")


def toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def toml_text(data: dict) -> str:
    """A TOML document of `data` (tables of tables): a [table] for each top-level key."""
    return "".join(
        f"[{toml_key(name)}]\n"
        + "".join(f"{toml_key(k)} = {toml_value(v)}\n" for k, v in t.items())
        for name, t in data.items()
    )


def reduce(folder: str = ".") -> None:
    if not Path(folder, "poetry.lock").is_file():
        raise BuildError("poetry.lock was not found: run 'poetry lock' and commit poetry.lock.")
    path = Path(folder, "pyproject.toml")
    try:
        full = load(path)
    except tomllib.TOMLDecodeError as error:
        said = f"pyproject.toml is not valid TOML (TOMLDecodeError: {error})"
        raise BuildError(f"{said}: fix it where it says.") from None
    path.write_text(toml_text(reduced(full)), encoding="utf-8")


def fetch(url: str) -> bytes:
    """A URL's body; credentials in it (https://user:token@host/) go as basic auth."""
    parts = urllib.parse.urlsplit(url)
    request = urllib.request.Request(
        parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
    )
    if parts.username:
        login = (
            f"{urllib.parse.unquote(parts.username)}:{urllib.parse.unquote(parts.password or '')}"
        )
        request.add_header("Authorization", "Basic " + base64.b64encode(login.encode()).decode())
    with urllib.request.urlopen(request, timeout=60) as answer:
        return answer.read()


def uv_wheel(version: str, machine: str, page: str) -> tuple[str, str]:
    """The link and sha256 of uv's manylinux wheel for this machine on an index's page for uv."""
    for href in sorted(re.findall(r'href="([^"]+)"', page), key=lambda h: h.split("/")[-1]):
        link, _, digest = href.partition("#sha256=")
        name = urllib.parse.unquote(link.split("/")[-1])
        if name.startswith(f"uv-{version}-") and re.search(rf"manylinux\w*_{machine}\b", name):
            return link, digest
    raise LookupError(f"the index has no uv {version} wheel for {machine}")


def default_index() -> str:
    """The index pip uses by default (PyPI's simple index), from the base image's pip."""
    from pip._internal.models.index import PyPI

    return PyPI.simple_url


def uv(
    dest: str = "/opt/uv",
    pins: str = "/tmp/poetry-requirements.txt",
    cache: str = "/root/.cache/kit-uv",
) -> None:
    """uv's binary, at the `uv==` pin of poetry-requirements.txt, from its wheel on the index
    (POETRY_PYPI_MIRROR_URL, else PyPI), checked by the index's sha256 and kept in a cache mount:
    one file, where pip takes seconds to install the wheel. pip does it where this cannot."""
    import platform

    version = re.search(r"(?m)^uv==(\S+)", Path(pins).read_text()).group(1)
    cached = Path(cache, f"uv-{version}-{platform.machine()}.whl")
    index = (os.environ.get("POETRY_PYPI_MIRROR_URL") or default_index()).rstrip("/")
    try:
        if not cached.is_file():
            link, digest = uv_wheel(version, platform.machine(), fetch(f"{index}/uv/").decode())
            wheel = fetch(urllib.parse.urljoin(f"{index}/uv/", link))
            if digest and hashlib.sha256(wheel).hexdigest() != digest:
                raise BuildError(f"uv's wheel from {index} does not match the index's sha256")
            cached.parent.mkdir(parents=True, exist_ok=True)
            cached.with_suffix(".part").write_bytes(wheel)
            cached.with_suffix(".part").rename(cached)
        os.makedirs(f"{dest}/bin", exist_ok=True)
        with zipfile.ZipFile(cached) as wheel, open(f"{dest}/bin/uv", "wb") as binary:
            binary.write(wheel.read(f"uv-{version}.data/scripts/uv"))
        os.chmod(f"{dest}/bin/uv", 0o755)
    except (OSError, LookupError, zipfile.BadZipFile) as error:  # a hash mismatch stops
        print(f"kit: pip installs uv ({error})", flush=True)
        run(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", dest,
            "--root-user-action=ignore", "--disable-pip-version-check",
            "--index-url", index, f"uv=={version}")  # fmt: skip


def poetry(venv: str = "/opt/poetry", pins: str = "/tmp/poetry-requirements.txt") -> None:
    """Poetry's pinned set (all of poetry-requirements.txt but uv), in a venv of its own, with uv
    (mounted at /opt/uv), checked whole and compiled: nothing compiles where it is mounted."""
    wanted = [line for line in Path(pins).read_text().splitlines() if not line.startswith("uv==")]
    Path("/tmp/poetry-only.txt").write_text("\n".join(wanted) + "\n")
    index = os.environ.get("POETRY_PYPI_MIRROR_URL")
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    run("/opt/uv/bin/uv", "pip", "install", "--quiet", "--python", f"{venv}/bin/python",
        "--no-deps", "--compile-bytecode", "--link-mode", "copy",
        *(["--index-url", index] if index else []), "-r", "/tmp/poetry-only.txt")  # fmt: skip
    run("/opt/uv/bin/uv", "pip", "check", "--quiet", "--python", f"{venv}/bin/python")


def wheel(folder: str, out: str) -> None:
    """A wheel of a Poetry project's folder into `out`, with poetry-core (on PYTHONPATH)."""
    import poetry.core.masonry.api as api

    out = os.path.abspath(out)
    os.chdir(folder)
    api.build_wheel(out)


def declares_main(pyproject: dict) -> bool:
    """Whether the project declares main dependencies (a library may have none: then Poetry has
    no `main` group to give). Not from the lock: Poetry 1.5 to 1.8 name no groups there."""
    poetry = pyproject.get("tool", {}).get("poetry", {}).get("dependencies", {})
    return bool(pyproject.get("project", {}).get("dependencies") or set(poetry) - {"python"})


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


def prod_groups(pyproject: dict, named: str) -> str:
    """The groups prod installs, as Poetry's --only takes them: the main group, where the project
    declares main dependencies, then those PROD_GROUPS names."""
    groups = [g.strip() for g in named.split(",") if g.strip()]
    return ",".join((["main"] if declares_main(pyproject) else []) + groups)


# ---- the lock, read as Poetry 2 reads it (format 2.1 and later, installer.re-resolve off) ------


class Unreadable(Exception):
    """Why the lock reader cannot match Poetry here: the venv step lets Poetry install."""


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def content_hash(pyproject: dict) -> str:
    """Poetry's hash of what decides the dependencies: a lock with another content-hash is stale
    (Poetry's Locker: [tool.poetry]'s legacy keys, null where missing, but beside [project])."""
    project = pyproject.get("project", {})
    groups = pyproject.get("dependency-groups", {})
    poetry = pyproject.get("tool", {}).get("poetry", {})
    keys = ("requires-python", "dependencies", "optional-dependencies")
    relevant = {k: project[k] for k in keys if project.get(k) is not None}
    legacy = ("dependencies", "source", "extras", "dev-dependencies")
    kept = [k for k in legacy if not relevant and not groups]
    tool = {k: poetry.get(k) for k in (*legacy, "group") if k in poetry or k in kept}
    content: dict = {"project": relevant} if relevant else {}
    if groups:
        content["dependency-groups"] = groups
    content = content | {"tool": {"poetry": tool}} if content else tool
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def marker_environment() -> dict[str, str]:
    """PEP 508's marker variables for this interpreter: the build runs on prod's own."""
    import platform

    version = sys.implementation.version
    return {
        "implementation_name": sys.implementation.name,
        "implementation_version": f"{version.major}.{version.minor}.{version.micro}",
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_python_implementation": platform.python_implementation(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    }


MARKER_TOKEN = re.compile(
    r"""\s*(?:(?P<paren>[()])|"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<op>===|==|!=|<=|>=|~=|<|>"""
    r"""|not\s+in\b|in\b)|(?P<logic>and\b|or\b)|(?P<name>[a-z_]+))"""
)


def marker_tokens(marker: str) -> list[tuple[str, str]]:
    tokens, at = [], 0
    while marker[at:].strip():
        found = MARKER_TOKEN.match(marker, at)
        if not found:
            raise Unreadable(f"a marker kit_build.py cannot read: {marker}")
        kind = found.lastgroup or ""
        value = found.group(kind)
        tokens.append(("str", value) if kind in ("dq", "sq") else (kind, " ".join(value.split())))
        at = found.end()
    return tokens


def version_key(text: str) -> tuple[int, ...] | None:
    if not re.fullmatch(r"\d+(\.\d+)*", text):
        return None
    parts = [int(part) for part in text.split(".")]
    return tuple(parts + [0] * (6 - len(parts)))


def compare(left: str, op: str, right: str) -> bool:
    """One comparison of a marker: as versions where both sides are plain versions (PEP 440's
    padding: 3.10 == 3.10.0), else as strings."""
    if op in ("in", "not in"):
        return (left in right) == (op == "in")
    if op == "===":
        return left == right
    mine, theirs = version_key(left), version_key(right)
    if mine is None or theirs is None:
        if op in ("==", "!="):
            return (left == right) == (op == "==")
        raise Unreadable(f"a marker compares {left!r} {op} {right!r}, which are not versions")
    if op == "~=":
        prefix = right.split(".")[:-1]
        return mine >= theirs and left.split(".")[: len(prefix)] == prefix
    return {"==": mine == theirs, "!=": mine != theirs, "<": mine < theirs,
            "<=": mine <= theirs, ">": mine > theirs, ">=": mine >= theirs}[op]  # fmt: skip


def marker_holds(marker: str, env: dict[str, str], extras: set[str]) -> bool:
    """Whether a PEP 508 marker holds in `env`, with `extra` the set of extras asked for, as
    Poetry evaluates a lock's markers: `extra == "x"` holds where x is one of them."""
    tokens = marker_tokens(marker)

    def take(kind: str) -> str:
        if not tokens or tokens[0][0] != kind:
            raise Unreadable(f"a marker kit_build.py cannot read: {marker}")
        return tokens.pop(0)[1]

    def value() -> tuple[str, str]:
        if tokens and tokens[0][0] == "name":
            name = tokens.pop(0)[1]
            if name != "extra" and name not in env:
                raise Unreadable(f"a marker names {name}, which PEP 508 does not define")
            return "var", name
        return "str", take("str")

    def comparison() -> bool:
        if tokens and tokens[0] == ("paren", "("):
            tokens.pop(0)
            held = either()
            take("paren")
            return held
        (left_kind, left), op, (right_kind, right) = value(), take("op"), value()
        if "extra" in (left, right) and "var" in (left_kind, right_kind):
            asked = canonical(right if left_kind == "var" else left)
            if op not in ("==", "!="):
                raise Unreadable(f"a marker compares extra with {op}")
            return (asked in extras) == (op == "==")
        left = env[left] if left_kind == "var" else left
        right = env[right] if right_kind == "var" else right
        return compare(left, op, right)

    def joined(word: str, operand: Callable[[], bool]) -> bool:
        """Operands joined by `word` (and, or), each read: every token is taken."""
        held = [operand()]
        while tokens and tokens[0] == ("logic", word):
            tokens.pop(0)
            held.append(operand())
        return all(held) if word == "and" else any(held)

    def either() -> bool:  # `and` binds tighter than `or`
        return joined("or", lambda: joined("and", comparison))

    held = either()
    if tokens:
        raise Unreadable(f"a marker kit_build.py cannot read: {marker}")
    return held


def known_groups(pyproject: dict) -> set[str]:
    poetry = pyproject.get("tool", {}).get("poetry", {})
    named = {"main", *poetry.get("group", {}), *pyproject.get("dependency-groups", {})}
    return {canonical(group) for group in named} | (
        {"dev"} if "dev-dependencies" in poetry else set()
    )


def locked_requirements(
    pyproject: dict, lock: dict, groups: list[str], extras: list[str], env: dict[str, str]
) -> list[str]:
    """What `poetry sync --only GROUPS --extras EXTRAS --no-root --no-directory` installs from
    this lock, as hash-pinned requirements, or Unreadable where the reader cannot match Poetry:
    a lock older than format 2.1, a stale lock, a source other than the index (git, a URL, a
    private index), a group or an extra the project does not name."""
    metadata = lock.get("metadata", {})
    version = version_key(str(metadata.get("lock-version", "0")))
    if version is None or version < version_key("2.1"):
        raise Unreadable(f"poetry.lock is format {metadata.get('lock-version')}, before 2.1")
    if metadata.get("content-hash") != content_hash(pyproject):
        raise Unreadable("poetry.lock's content-hash is not pyproject.toml's")
    chosen = {canonical(group) for group in groups}
    asked = {canonical(extra) for extra in extras}
    unknown = sorted(chosen - known_groups(pyproject)) + sorted(
        asked - {canonical(extra) for extra in lock.get("extras", {})}
    )
    if unknown:
        raise Unreadable(f"the project names no group or extra {', '.join(unknown)}")
    wanted = []
    for package in lock.get("package", []):
        mine = {canonical(group) for group in package.get("groups", [])} & chosen
        markers = package.get("markers", "")
        if isinstance(markers, dict):
            markers = {canonical(group): marker for group, marker in markers.items()}
            said = [markers.get(group, "") for group in sorted(mine)]
        else:
            said = [markers] * len(mine)
        if not any(not m or marker_holds(m, env, asked) for m in said):
            continue
        source = package.get("source", {}).get("type")
        if source == "directory":
            continue  # --no-directory: the app-files step builds it
        if source:
            raise Unreadable(f"{package['name']} comes from a {source} source")
        hashes = [f"--hash={file['hash']}" for file in package.get("files", []) if "hash" in file]
        if not hashes:
            raise Unreadable(f"poetry.lock has no file hashes for {package['name']}")
        wanted.append(" ".join([f"{package['name']}=={package['version']}", *hashes]))
    return wanted


def unused_clones(venv: Path) -> list[Path]:
    """The git clones Poetry left in the venv's src/ to build a git dependency's wheel: its
    history and remote, never used again. Not one that an editable install (develop = true) runs
    from, which its direct_url.json names."""
    named = "".join(p.read_text() for p in venv.glob("lib/*/site-packages/*/direct_url.json"))
    clones = sorted(p for p in venv.glob("src/*") if p.is_dir())
    return [c for c in clones if f'"file://{c}"' not in named]


def venv(cache: str = "/root/.cache/venv", out: str = "/venv-root") -> None:
    """The venv of the locked dependencies prod installs, kept in a cache mount (a changed lock
    installs only what changed), staged under `out` with hash-checked bytecode and the fixed
    time: the layer is a function of the lock alone. uv installs what the lock reader picks, as
    Poetry would; where the reader cannot match Poetry (PROD_INSTALLER=poetry too), Poetry does.
    Each installer keeps a venv of its own in the cache: their metadata files differ."""
    os.environ["SOURCE_DATE_EPOCH"] = str(FIXED_TIME)  # a wheel built from an sdist too
    pyproject = load("/project/pyproject.toml")
    groups = prod_groups(pyproject, os.environ.get("PROD_GROUPS", ""))
    extras = os.environ.get("PROD_EXTRAS", "").split()
    try:
        if os.environ.get("PROD_INSTALLER", "uv") == "poetry":
            raise Unreadable("PROD_INSTALLER is poetry")
        wanted = locked_requirements(
            pyproject, load("/project/poetry.lock"), groups.split(","), extras,
            marker_environment(),
        ) if groups else []  # fmt: skip
        installer = "uv"
    except Unreadable as why:
        print(f"kit: Poetry installs prod's dependencies ({why}).", flush=True)
        installer = "poetry"
    kept = Path(cache, installer)
    for path in Path(cache).iterdir():  # the other installer's venv, and an older kit's
        if path.name != installer or not groups:
            shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    if not os.access(kept / "bin/python", os.X_OK):
        run("python", "-m", "venv", "--without-pip", "/opt/venv")
        run("cp", "-a", "/opt/venv/.", str(kept))
        shutil.rmtree("/opt/venv")
    os.symlink(kept, "/opt/venv")
    if installer == "uv":
        uv_sync(wanted)
    elif groups:
        poetry_sync(groups, extras)
    for clone in unused_clones(Path("/opt/venv")):
        shutil.rmtree(clone)
    with suppress(OSError):
        os.rmdir("/opt/venv/src")
    compile_venv("/opt/venv/lib")
    settle(kept)
    os.unlink("/opt/venv")
    os.makedirs(f"{out}/opt")
    run("cp", "-a", str(kept), f"{out}/opt/venv")
    for path in (f"{out}/opt", out):
        os.utime(path, (FIXED_TIME, FIXED_TIME))


def uv_sync(wanted: list[str]) -> None:
    """Exactly `wanted` in /opt/venv, each file checked against the lock's hashes."""
    Path("/tmp/prod-requirements.txt").write_text("".join(f"{line}\n" for line in wanted))
    index = os.environ.get("POETRY_PYPI_MIRROR_URL")
    run("/opt/uv/bin/uv", "pip", "sync", "--python", "/opt/venv/bin/python",
        "--require-hashes", "--link-mode", "copy", "--no-config",
        *(["--index-url", index] if index else []), "/tmp/prod-requirements.txt")  # fmt: skip
    with suppress(FileNotFoundError):
        os.unlink("/opt/venv/.lock")  # uv's lock of the venv while it installs


def poetry_sync(groups: str, extras: list[str]) -> None:
    """Poetry's own install, with Poetry's pinned set installed first, into /tmp/poetry."""
    poetry("/tmp/poetry")
    sync = ["/tmp/poetry/bin/poetry", "--project", "/project", "sync", "--no-root",
            "--no-directory", "--only", groups]  # fmt: skip
    sync += ["--extras", " ".join(extras)] if extras else []
    env = os.environ | {
        "POETRY_VIRTUALENVS_CREATE": "false",
        "VIRTUALENV_OVERRIDE_APP_DATA": "/root/.cache/pypoetry/virtualenv",
    }
    if subprocess.run(sync, env=env).returncode:
        raise BuildError(
            "Poetry's message above says what is wrong; "
            "if poetry.lock is stale, run 'poetry lock' and commit poetry.lock."
        )


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


def stage_files(dest: str, wheels: list[Path], folders: list[str]) -> None:
    for path in app_entries(Path("."), wheels, folders):
        copy = shutil.copytree if path.is_dir() else shutil.copy2
        copy(path, Path(dest) / path.name)


def build_wheel(folder: str, out: str, own: bool = False) -> None:
    """The project's own folder, or a Poetry project's, with poetry-core; any other with uv,
    which gets its build backend from the index."""
    if not os.path.isdir(folder):
        raise BuildError(
            f"path dependency {folder}: not in the build context. It must be a folder of the"
            " project that .dockerignore lets through (scripts/adopt writes it so)."
        )
    pyproject = Path(folder, "pyproject.toml")
    if own or (pyproject.is_file() and "poetry.core.masonry.api" in pyproject.read_text()):
        run(sys.executable, __file__, "wheel", folder, out, env=os.environ | HELPERS_PATH)
    else:
        index = os.environ.get("POETRY_PYPI_MIRROR_URL")
        default = ["--default-index", index] if index else []
        run("/opt/uv/bin/uv", "build", "--quiet", "--wheel", "--out-dir", out, *default, folder)


HELPERS = ("poetry-core", "installer")  # what app-files builds and installs wheels with
HELPERS_PATH = {"PYTHONPATH": "/tmp/helpers"}


def helpers(pins: str) -> None:
    """Poetry's own poetry-core and installer, at their pins in poetry-requirements.txt, in
    /tmp/helpers (for PYTHONPATH): all of Poetry is not needed to build and install a wheel."""
    wanted = [
        line for line in Path(pins).read_text().splitlines() if line.split("==")[0] in HELPERS
    ]
    Path("/tmp/helpers.txt").write_text("\n".join(wanted) + "\n")
    index = os.environ.get("POETRY_PYPI_MIRROR_URL")
    run("/opt/uv/bin/uv", "pip", "install", "--quiet", "--no-deps", "--link-mode", "copy",
        "--target", HELPERS_PATH["PYTHONPATH"], *(["--index-url", index] if index else []),
        "-r", "/tmp/helpers.txt")  # fmt: skip


def app_files(dest: str = "/app-root") -> None:
    """The project's own code staged under `dest` as prod holds it: for
    APP_INSTALL=package or both, the project as a wheel in the venv; for files or both, its files
    in /app; its path dependencies (those prod installs) as wheels in the venv. Bytecode checked
    by hash (prod is read-only: nothing recompiles), modes a checkout has under any umask, and
    the fixed time: the layer is a function of the project's files alone."""
    install = os.environ.get("APP_INSTALL", "")
    if install not in ("package", "files", "both"):
        raise BuildError(f"APP_INSTALL is '{install}': use package, files or both.")
    helpers("poetry-requirements.txt")
    run("python", "-m", "venv", "--without-pip", "/opt/venv")
    for folder in (f"{dest}/app", "/tmp/dist", "/tmp/deps"):
        os.makedirs(folder, exist_ok=True)
    groups = {"main", *os.environ.get("PROD_GROUPS", "").replace(",", " ").split()}
    extras = os.environ.get("PROD_EXTRAS", "").split()
    folders = path_dependencies(load("poetry.lock"), groups, extras)
    for folder in folders:
        build_wheel(folder, "/tmp/deps")
    if install in ("package", "both"):
        build_wheel(".", "/tmp/dist", own=True)
    own = sorted(Path("/tmp/dist").glob("*.whl"))
    for wheel in sorted(Path("/tmp/deps").glob("*.whl")) + own:
        run("/opt/venv/bin/python", "-m", "installer", "--destdir", dest,
            "--no-compile-bytecode", str(wheel), env=os.environ | HELPERS_PATH)  # fmt: skip
    if install in ("files", "both"):
        stage_files(f"{dest}/app", own, folders)
    run("/opt/venv/bin/python", "-m", "compileall", "-q", "--invalidation-mode",
        "unchecked-hash", "-s", dest, "-p", "/", dest)  # fmt: skip
    os.makedirs(f"{dest}/usr/local/lib", exist_ok=True)
    shutil.copyfile(__file__, f"{dest}/usr/local/lib/kit_build.py")  # prod's health check
    settle(dest)


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


def assets() -> None:
    """ASSETS_COMMAND, run as root (what it writes is the app user's to read, never to change),
    then WRITABLE_PATHS made the app user's; what either changed gets the fixed time."""
    command = os.environ.get("ASSETS_COMMAND", "")
    writable = os.environ.get("WRITABLE_PATHS", "").split()
    if not command and not writable:
        return
    start = time.time()
    time.sleep(0.05)  # files get their times from the kernel's clock tick, up to one behind
    if command and subprocess.run(["sh", "-c", command]).returncode:
        raise BuildError(
            "ASSETS_COMMAND failed (above). Where the settings need environment variables, give"
            f' it build-time values: ASSETS_COMMAND="SECRET_KEY=build {command}".'
        )
    for folder in writable:
        os.makedirs(folder, exist_ok=True)
        for path in everything(folder):
            os.chown(path, APP_USER, APP_USER, follow_symlinks=False)
    for root in ("/app", "/opt", "/root", "/tmp"):
        settle_since(root, start)


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


def sbom(out: str = "/sbom.cdx.json", tool: str = "/opt/sbom") -> None:
    """A CycloneDX document of prod's /opt/venv, by cyclonedx-py (sbom-requirements.txt's pins,
    in a venv of its own, never in prod), with the project as its subject."""
    index = os.environ.get("POETRY_PYPI_MIRROR_URL")
    run(sys.executable, "-m", "venv", "--without-pip", tool)
    run(sys.executable, "-m", "pip", "--python", f"{tool}/bin/python", "install", "--no-deps",
        "--root-user-action=ignore", "--disable-pip-version-check",
        *(["--index-url", index] if index else []), "-r", "/tmp/sbom-requirements.txt")  # fmt: skip
    run(sys.executable, "-m", "pip", "--python", f"{tool}/bin/python", "check")
    Path("/tmp/subject.toml").write_text(sbom_subject(load("/project/pyproject.toml")))
    run(f"{tool}/bin/cyclonedx-py", "environment", "--pyproject", "/tmp/subject.toml",
        "--output-reproducible", "--output-format", "JSON", "--output-file", out,
        "/opt/venv")  # fmt: skip


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
    "uv": uv,
    "poetry": poetry,
    "wheel": wheel,
    "app-files": app_files,
    "venv": venv,
    "assets": assets,
    "smoke": smoke,
    "sbom": sbom,
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
    except subprocess.CalledProcessError as error:
        print(f"error: {' '.join(map(str, error.cmd))} failed (above)", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
