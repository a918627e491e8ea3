"""The part of scripts/adopt that needs Poetry: run by it in the kit's `poetry` image, with
Poetry's own Python, on a copy of the project at /project (never on the project itself).

    adopt_in_container.py pick  [X.Y]   the Python version Poetry runs on, as JSON
    adopt_in_container.py adopt [X.Y]   (in the image for that version) all of the below

It reads the project's shape, adds the dev tools the kit relies on to the dev group where they
are missing (in the project's own style, with `poetry add`, which keeps every locked version),
locks for the first time where there is no lock, and prints what it found as one JSON line.
A problem ends it with exit code 2 and one line on stderr that says what to do.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import tomllib

PROJECT = Path("/project")
DEV_TOOLS = ["debugpy", "ruff", "pytest", "pre-commit", "pre-commit-hooks"]
# Official python:<version>-slim-trixie images of the Pythons still supported, newest first (3.10
# ended in October 2026; the kit's stages read TOML with tomllib, new in 3.11).
PYTHONS = ["3.14", "3.13", "3.12", "3.11"]
# Locked packages that load a system library or run a program at run time: the Debian packages
# that build them from source (besides a compiler) and that they load or run.
SYSTEM_LIBRARIES = {
    "psycopg": ("", "libpq5"),  # pure Python: libpq, unless psycopg-binary is locked too
    "psycopg-c": ("libpq-dev", "libpq5"),
    "psycopg2": ("libpq-dev", "libpq5"),
    "mysqlclient": ("default-libmysqlclient-dev pkg-config", "libmariadb3"),
    "python-magic": ("", "libmagic1t64"),
    "python-ldap": ("libldap-dev libsasl2-dev", "libldap2"),  # publishes no Linux wheel
    "opencv-python": ("", "libgl1 libglib2.0-0t64"),  # what its wheel leaves to the system
    "opencv-contrib-python": ("", "libgl1 libglib2.0-0t64"),
    "weasyprint": ("", "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"),
    "cairocffi": ("", "libcairo2"),  # cairosvg's
    "pycairo": ("libcairo2-dev pkg-config", "libcairo2"),  # Linux: no wheel
    "pygobject": ("libgirepository-2.0-dev libcairo2-dev pkg-config", "libgirepository-2.0-0"),
    "dbus-python": ("libdbus-1-dev libglib2.0-dev pkg-config", "libdbus-1-3"),  # no wheel
    "pyaudio": ("portaudio19-dev", "libportaudio2"),  # Linux: no wheel
    "pyodbc": ("unixodbc-dev", "libodbc2"),  # its wheels leave unixODBC to the system
    # and the programs that a package runs: "Unable to get page count. Is poppler installed?"
    "pdf2image": ("", "poppler-utils"),
    "pytesseract": ("", "tesseract-ocr"),  # with its English data
}
# PyGObject before 3.51 builds against GObject Introspection's first API.
PYGOBJECT_1 = ("libgirepository1.0-dev libcairo2-dev pkg-config", "libgirepository-1.0-1")
# Locked packages whose wheels bundle a system library: where the chosen Python has no wheel of
# their locked version, they build from source against its headers and load it at run time.
BUNDLED_LIBRARIES = {
    "psycopg2-binary": SYSTEM_LIBRARIES["psycopg2"],
    "cffi": ("libffi-dev", "libffi8"),
}
OTHER_TOOLS = {
    "tool.pdm": "PDM",
    "tool.uv": "uv",
    "tool.hatch": "Hatch",
    "tool.flit": "Flit",
    "tool.setuptools": "setuptools",
}


def stop(message: str) -> None:
    print(message, file=sys.stderr)
    raise SystemExit(2)


def table(data: dict, dotted: str) -> dict:
    for key in dotted.split("."):
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(spec: str) -> str:
    return normalize(re.split(r"[\s\[(<>=!~;@]", spec.strip(), maxsplit=1)[0])


def poetry(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["poetry", "--no-interaction", "--project", str(PROJECT), *args],
        cwd=PROJECT,  # from elsewhere, Poetry fails to read an sdist-only package's metadata
        capture_output=True,
        text=True,
    )


def read() -> dict:
    try:
        return tomllib.loads((PROJECT / "pyproject.toml").read_text())
    except tomllib.TOMLDecodeError as error:
        stop(f"pyproject.toml is not valid TOML ({error}): fix it, then run adopt again.")
    raise AssertionError


def check_it_is_poetry(data: dict) -> None:
    backend = table(data, "build-system").get("build-backend", "")
    is_poetry = bool(table(data, "tool.poetry")) or "poetry" in backend
    if is_poetry or (PROJECT / "poetry.lock").exists():
        return
    other = [name for key, name in OTHER_TOOLS.items() if table(data, key)]
    if "hatchling" in backend:
        other.append("Hatch")
    used = f" (it uses {', '.join(dict.fromkeys(other))})" if other else ""
    stop(
        f"this kit is for Poetry projects, and this one is not{used}: nothing in pyproject.toml "
        "is Poetry's. Move the project to Poetry first (poetry init, or a [tool.poetry] table "
        "and `poetry lock`), then run adopt again."
    )


def check_poetry_version(data: dict) -> None:
    """A project may name the Poetry versions it works with (requires-poetry); Poetry refuses any
    other, and for a project with a lock it says so where adopt would only hear a failed check."""
    from importlib.metadata import version

    from poetry.core.constraints.version import Version, parse_constraint

    wanted = table(data, "tool.poetry").get("requires-poetry")
    ours = version("poetry")
    if wanted and not parse_constraint(wanted).allows(Version.parse(ours)):
        stop(
            f"the project requires Poetry {wanted} (requires-poetry in pyproject.toml), and the "
            f"kit installs Poetry {ours}, pinned in its poetry-requirements.txt: pin a Poetry the "
            "project allows there (the command at the file's top writes the pins), or widen "
            "requires-poetry, then run adopt again."
        )


def groups(data: dict) -> dict[str, dict]:
    """Every dependency group: name -> {"optional": bool, "names": set of package names}."""
    found: dict[str, dict] = {}
    for name, group in table(data, "tool.poetry.group").items():
        deps = group.get("dependencies", {}) if isinstance(group, dict) else {}
        found[normalize(name)] = {
            "optional": bool(group.get("optional", False)),
            "names": {normalize(d) for d in deps},
        }
    legacy = table(data, "tool.poetry.dev-dependencies")
    if legacy:
        found.setdefault("dev", {"optional": False, "names": set()})["names"] |= {
            normalize(d) for d in legacy
        }
    for name, specs in table(data, "dependency-groups").items():
        entry = found.setdefault(normalize(name), {"optional": False, "names": set()})
        entry["names"] |= {requirement_name(s) for s in specs if isinstance(s, str)}
    return found


def main_dependencies(data: dict) -> set[str]:
    names = {requirement_name(s) for s in table(data, "project").get("dependencies", [])}
    names |= {normalize(d) for d in table(data, "tool.poetry.dependencies")} - {"python"}
    return names


def prod_packages() -> list[str]:
    """Every locked package of the main group, what its extras bring too (fastapi[standard]
    brings uvicorn): what prod can start its app with."""
    main = [p for p in locked_packages() if "main" in p.get("groups", [p.get("category", "main")])]
    return sorted(normalize(package["name"]) for package in main)


def python_constraint(data: dict) -> str:
    return (
        table(data, "project").get("requires-python")
        or table(data, "tool.poetry.dependencies").get("python")
        or ""
    )


def allowed_pythons(constraint: str, wanted: str) -> list[str]:
    """The image versions (or the one asked for) that the project's constraint allows, newest
    first; a version counts when every patch release of it is allowed."""
    from poetry.core.constraints.version import Version, parse_constraint

    allowed = parse_constraint(constraint or "*")
    usable = [
        version
        for version in ([wanted] if wanted else PYTHONS)
        if allowed.allows(Version.parse(f"{version}.0"))
        and allowed.allows(Version.parse(f"{version}.99"))
    ]
    if usable:
        return usable
    if wanted:
        stop(
            f"--python {wanted} is not allowed by the project's Python constraint "
            f"{constraint!r}: pick a version it allows, or change the constraint."
        )
    stop(
        f"no official python:<version>-slim-trixie image ({', '.join(PYTHONS)}) satisfies the "
        f"project's Python constraint {constraint!r}: widen it in pyproject.toml "
        "(requires-python, or python under [tool.poetry.dependencies]), then run adopt again."
    )
    raise AssertionError


def python_file(allowed: list[str]) -> tuple[str, str]:
    """The version .python-version names (pyenv's and uv's file: "3.13", "3.13.1") where it is one
    of `allowed`, else ""; and why a version it names is not used."""
    path = PROJECT / ".python-version"
    lines = path.read_text(errors="replace").split() if path.is_file() else []
    if not lines:
        return "", ""
    found = re.fullmatch(r"(?:cpython-)?(3\.\d+)(\.\d+)?", lines[0])
    if not found:
        return "", f".python-version names {lines[0]!r}, not a CPython version"
    version = found.group(1)
    if version in allowed:
        return version, ""
    if version not in PYTHONS:
        return "", f".python-version's {version} has no python:{version}-slim-trixie image"
    return "", f".python-version's {version} is not allowed by the constraint"


def locked_packages() -> list[dict]:
    """poetry.lock's packages, as the lock is now (adding the dev tools changes it), each with
    its files (a lock Poetry 1.1 wrote lists them apart, under [metadata.files])."""
    lock = tomllib.loads((PROJECT / "poetry.lock").read_text())
    apart = lock.get("metadata", {}).get("files", {})
    packages = lock.get("package", [])
    for package in packages:
        package.setdefault("files", apart.get(package["name"], []))
    return packages


def versions_of(packages: list[dict]) -> dict[str, str]:
    """Each locked package's version, by its normalized name."""
    return {normalize(package["name"]): package["version"] for package in packages}


def best_for_lock(versions: list[str]) -> tuple[str, str, list[str]]:
    """The newest of `versions` for which every compiled package in poetry.lock has a Linux
    wheel built for it, for x86_64 (CI, servers) and arm64 (Apple Silicon's dev container,
    Graviton): an older lock may predate the newest Python's wheels, and a package's pure-Python
    fallback wheel, where it has one, is no sign that its locked version works there (pydantic
    1.10.2, locked in 2022, installs on 3.14 and fails at import). And why the newer were not, and
    the packages that build from source on the one chosen. Where none has them all: the one with
    the fewest missing (the newest of those), as an old lock is closest to the Pythons of its
    time."""
    if not (PROJECT / "poetry.lock").exists():
        return versions[0], "", []
    skipped, found = [], {}
    for version in versions:
        none_at_all, fallback_only, cannot = packages_without_wheels(version)
        if not none_at_all and not fallback_only:
            return version, "; ".join(skipped), []
        found[version] = none_at_all, fallback_only, cannot
        missing = ", ".join(none_at_all + fallback_only)
        skipped.append(f"{version} has no Linux wheel locked for {missing}")
    # Fewest that cannot install at all first, then fewest missing.
    chosen = min(versions, key=lambda v: (len(found[v][2]), sum(map(len, found[v][:2]))))
    none_at_all, fallback_only, cannot = found[chosen]
    if cannot:
        stop(cannot_install(chosen, cannot))
    why = f"{chosen} has the fewest missing"
    if none_at_all:
        why += ": it builds from source those with no wheel at all"
    return chosen, "; ".join(skipped) + f": {why}", none_at_all


# Linux machines, as wheels' platform tags and people name them.
MACHINES = {"x86_64": "x86_64", "aarch64": "arm64"}


def glibc_linux(platform: str, machine: str) -> bool:
    """Whether a wheel's platform tag (manylinux_2_17_x86_64.manylinux2014_x86_64) installs on
    glibc Linux (Debian's) `machine`: a musllinux one does not."""
    return any(
        p.startswith(("manylinux", "linux_")) and p.endswith(f"_{machine}")
        for p in platform.split(".")
    )


def wheel_fits(name: str, version: str, machine: str) -> bool:
    """Whether a wheel file installs on CPython `version` on glibc Linux (Debian's) `machine`:
    a musllinux wheel does not."""
    python, abi, platform = name[:-4].split("-")[-3:]
    if platform != "any" and not glibc_linux(platform, machine):
        return False
    minor = int(version.split(".")[1])
    for tag in python.split("."):
        if tag.startswith(("py3", "py2")) and abi == "none":
            return True
        cpython = int(tag[3:]) if tag.startswith("cp3") and tag[3:].isdigit() else None
        if cpython is not None and (
            (abi == "abi3" and cpython <= minor) or (cpython == minor and abi in (tag, "none"))
        ):
            return True
    return False


def compiled_for(name: str, machine: str) -> bool:
    """Whether a wheel file is built for CPython (cp313, cp37-abi3) on glibc Linux `machine`."""
    python, _, platform = name[:-4].split("-")[-3:]
    return python.startswith("cp3") and glibc_linux(platform, machine)


def cannot_install(version: str, cannot: list[str]) -> str:
    """What to do where `version` cannot install some locked packages: no wheel fits, and the
    lock has no sdist of them to build from (psycopg-binary publishes wheels only)."""
    names = [package.split()[0] for package in cannot]
    others = [
        other
        for other in allowed_pythons(python_constraint(read()), "")
        if other != version and not packages_without_wheels(other)[2]
    ]
    them = "it" if len(names) == 1 else "them"
    instead = (
        f"Run adopt with --python {others[0]}, whose wheels the lock has, or update {them}"
        if others
        else f"No Python that the project allows has a wheel of {them} in the lock: update {them}"
    )
    return (
        f"Python {version} cannot install {', '.join(cannot)}: poetry.lock has wheels of {them} "
        f"for other Pythons only, and no sdist to build from. {instead} to a version with "
        f"Python {version} wheels: poetry update {' '.join(with_pinning_parents(names))}"
    )


def with_pinning_parents(names: list[str]) -> list[str]:
    """What `poetry update` needs to name for the packages `names` to move: each, then every
    locked package that pins one to its exact version (psycopg pins psycopg-binary, pydantic
    pins pydantic-core), which would otherwise hold it where it is."""
    packages = locked_packages()
    locked = versions_of(packages)
    wanted = [normalize(name) for name in names]
    parents = []
    for package in packages:
        for name, specs in package.get("dependencies", {}).items():
            for spec in specs if isinstance(specs, list) else [specs]:
                exact = (spec if isinstance(spec, str) else spec.get("version", "")).strip()
                pinned = normalize(name) in wanted and exact.lstrip("=") == locked[normalize(name)]
                if pinned and normalize(package["name"]) not in wanted + parents:
                    parents.append(normalize(package["name"]))
    return wanted + sorted(parents)


def packages_without_wheels(version: str) -> tuple[list[str], list[str], list[str]]:
    """Locked packages, for `version`, with wheels but none that installs on it on one of the
    Linux machines (named where it is only one: "pyyaml 6.0.2 (arm64)"); those built for other
    CPythons there, of which only a pure-Python fallback wheel would install; and those of the
    first that have no sdist either, which cannot install at all."""
    from poetry.core.version.markers import parse_marker

    environments = {
        machine: {
            "python_version": version,
            "python_full_version": f"{version}.0",
            "sys_platform": "linux",
            "platform_system": "Linux",
            "platform_machine": machine,
            "os_name": "posix",
            "implementation_name": "cpython",
            "platform_python_implementation": "CPython",
        }
        for machine in MACHINES
    }
    missing, fallback_only, cannot = [], [], []
    for package in locked_packages():
        wheels = [f["file"] for f in package.get("files", []) if f["file"].endswith(".whl")]
        if not wheels:
            continue  # an sdist alone: sdist_only() names it
        markers = package.get("markers", "")
        markers = (
            " or ".join(f"({m})" for m in markers.values())
            if isinstance(markers, dict)
            else markers
        )
        lacking, fallback = [], []
        for machine, label in MACHINES.items():
            try:
                if markers and not parse_marker(markers).validate(environments[machine]):
                    continue  # not installed there at all
            except Exception:  # a marker poetry-core cannot judge: count the package in
                pass
            compiled = [w for w in wheels if compiled_for(w, machine)]
            if not any(wheel_fits(w, version, machine) for w in wheels):
                lacking.append(label)
            elif compiled and not any(wheel_fits(w, version, machine) for w in compiled):
                fallback.append(label)
        named = f"{package['name']} {package['version']}"
        if lacking:
            missing.append(named + (f" ({lacking[0]})" if len(lacking) == 1 else ""))
            if "x86_64" in lacking and len(wheels) == len(package["files"]):
                cannot.append(missing[-1])  # where CI and servers run (arm64 alone: a warning)
        if fallback:
            where = f"{fallback[0]}: " if len(fallback) == 1 else ""
            fallback_only.append(f"{named} ({where}only a pure-Python fallback)")
    return missing, fallback_only, cannot


def scripts(data: dict) -> dict[str, str]:
    found = dict(table(data, "project").get("scripts", {}))
    for name, target in table(data, "tool.poetry.scripts").items():
        found.setdefault(name, target if isinstance(target, str) else target.get("reference", ""))
    return found


def built_wheel(data: dict) -> tuple[list[str] | None, list[str], dict[str, str]]:
    """What the project's wheel is built from: the top-level names it holds, or None where the
    project is no package (package-mode = false) or its root cannot be built (then it runs from its
    files); the project's top-level entries the build reads (wherever `packages` says the code is:
    src/, lib/, ...; the README and licence files, in docs/ too), which prod's build context must
    hold; and the folder each top-level name is in ("" for the project's root)."""
    if table(data, "tool.poetry").get("package-mode", True) is False:
        return None, [], {}
    from poetry.core.masonry.api import build_wheel

    read: set[str] = set()

    def note_reads(event: str, args: tuple) -> None:
        if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
            path = Path(os.path.abspath(os.fsdecode(args[0])))
            if recording and path.is_relative_to(PROJECT) and path.is_file():
                read.add(path.relative_to(PROJECT).as_posix())

    recording = True
    sys.addaudithook(note_reads)  # every file the build opens
    with tempfile.TemporaryDirectory() as out:
        try:
            os.chdir(PROJECT)
            name = build_wheel(out)
        except Exception:  # any failure means: not installable as it is
            return None, [], {}
        finally:
            recording = False
        with zipfile.ZipFile(Path(out) / name) as wheel:
            names = [n for n in wheel.namelist() if not n.split("/")[0].endswith(".dist-info")]
    folders = {}
    for member in names:
        for path in read:
            if path == member or path.endswith(f"/{member}"):
                folders[member.split("/")[0].removesuffix(".py")] = path[: -len(member)].strip("/")
    packages = {n.split("/")[0].removesuffix(".py") for n in names if ".data/" not in n}
    tops = {path.split("/")[0] for path in read} - {"pyproject.toml"}
    return sorted(packages), sorted(tops), folders


def add_dev_tools(data: dict, found: dict[str, dict], python: str) -> tuple[list[str], dict]:
    """Add the missing tools to the dev group; and those added at any version, by their locked
    one. Where the project supports Pythons older than the tools do (a library), they are added
    for the image's Python and newer only."""
    present = main_dependencies(data).union(*(g["names"] for g in found.values()))
    missing = [tool for tool in DEV_TOOLS if tool not in present]

    def add(*names: str) -> subprocess.CompletedProcess[str]:
        result = poetry("add", "--lock", "--group", "dev", *names)
        if result.returncode != 0:
            result = poetry("add", "--lock", "--group", "dev", "--python", f">={python}", *names)
        return result

    if not missing or add(*missing).returncode == 0:
        return missing, {}
    # Poetry adds a tool at its newest release, which the project's own pins can rule out (an
    # old langchain's packaging<24 rules out pytest 9): then each on its own, and one that still
    # fails at any version the project's dependencies allow.
    loose = []
    for tool in missing:
        if add(tool).returncode != 0:
            result = add(f"{tool}=*")
            if result.returncode != 0:
                stop(f"poetry could not add the dev tool {tool}: {reason(result)}")
            loose.append(tool)
    versions = versions_of(locked_packages())
    return missing, {tool: versions.get(tool, "") for tool in loose}


def sdist_only() -> list[str]:
    """The locked packages that publish no wheel: installing them builds them from source."""
    found = []
    for package in locked_packages():
        files = [f["file"] for f in package.get("files", [])]
        source = package.get("source", {}).get("type")
        if files and source in (None, "legacy") and not any(f.endswith(".whl") for f in files):
            found.append(package["name"])
    return sorted(found)


def system_packages(from_source: list[str]) -> tuple[list[str], list[str]]:
    """The Debian packages the locked packages need to build from source, and at run time;
    `from_source` names those that build from source on the chosen Python ("cffi 1.17.1")."""
    from poetry.core.constraints.version import Version

    locked = versions_of(locked_packages())
    names = set(locked)
    if "psycopg-binary" in names:
        names.discard("psycopg")
    libraries = dict(SYSTEM_LIBRARIES)
    if "pygobject" in names and Version.parse(locked["pygobject"]) < Version.parse("3.51"):
        libraries["pygobject"] = PYGOBJECT_1
    found = [libraries[name] for name in sorted(names & libraries.keys())]
    built = {normalize(package.split()[0]) for package in from_source}
    found += [BUNDLED_LIBRARIES[name] for name in sorted(built & BUNDLED_LIBRARIES.keys())]
    build = {debian for headers, _ in found for debian in headers.split()}
    return sorted(build), sorted({runtime for _, runtime in found})


def path_dependencies() -> list[str]:
    """The folders the lock installs path dependencies from, relative to the project: the build
    builds them from its context, which holds only the project's folder."""
    found = []
    for package in locked_packages():
        source = package.get("source", {})
        if source.get("type") == "file" and "://" not in source["url"]:
            stop(
                f"{package['name']} is installed from a file ({source['url']}), and the kit's "
                "dependency step sees only pyproject.toml and poetry.lock: publish it to an "
                "index (a private source: see the README's Mirrors and private indexes), or "
                "depend on its source folder inside the project (a path dependency), then run "
                "adopt again."
            )
        if source.get("type") != "directory":
            continue
        folder = (PROJECT / source["url"]).resolve()
        if not folder.is_relative_to(PROJECT) or folder == PROJECT:
            stop(
                f"{package['name']} is a path dependency outside the project ({source['url']}), "
                "and a build sees only the project's folder: move it into the project (for "
                f"example to libs/{package['name']}, then `poetry lock`) or publish it to an "
                "index, then run adopt again."
            )
        found.append(folder.relative_to(PROJECT).as_posix())
    return sorted(found)


def source_url(data: dict) -> str:
    urls = {k.lower(): v for k, v in table(data, "project.urls").items()}
    poetry_table = table(data, "tool.poetry")
    for key in ("source", "repository", "homepage"):
        if urls.get(key) or poetry_table.get(key):
            return urls.get(key) or poetry_table[key]
    return ""


def reason(result: subprocess.CompletedProcess[str]) -> str:
    """Poetry's own explanation, without its progress lines."""
    progress = ("Updating dependencies", "Resolving dependencies", "Using version", "Writing lock")
    lines = [line.strip() for line in (result.stdout + result.stderr).splitlines()]
    lines = [line for line in lines if line and not line.startswith(progress)]
    return " / ".join(lines[:6]) or f"exit code {result.returncode}"


def check_readmes(data: dict) -> None:
    """Each README that pyproject.toml names must be there, named exactly so: Poetry's check and
    the wheel's build need it, and where the name differs only in case (README.md, readme.md) a
    Mac's or Windows' folder finds it while Linux, where the container and CI build, does not."""
    named = [table(data, "tool.poetry").get("readme"), table(data, "project").get("readme")]
    for readme in named:
        if isinstance(readme, dict):
            readme = readme.get("file")
        for name in [readme] if isinstance(readme, str) else readme or []:
            path = PROJECT / name
            there = sorted(os.listdir(path.parent)) if path.parent.is_dir() else []
            if path.name in there:
                continue
            twins = [other for other in there if other.lower() == path.name.lower()]
            if twins:
                stop(
                    f"pyproject.toml names the readme {name}, and the project has {twins[0]}: "
                    "Linux, where the container and CI build, tells the two names apart. Rename "
                    "the file or change the readme entry so that they match, then run adopt again."
                )
            stop(
                f"pyproject.toml names the readme {name}, which the project does not have "
                "(Poetry's check and the build of its wheel need it): add the file, or take the "
                "readme entry out of pyproject.toml, then run adopt again."
            )


def check_errors(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The errors `poetry check --lock` printed (not its warnings)."""
    lines = [line.strip() for line in (result.stdout + result.stderr).splitlines()]
    return [line.removeprefix("Error: ") for line in lines if line.startswith("Error: ")]


def only_the_check_minds(data: dict, errors: list[str]) -> list[str]:
    """Which of the check's errors Poetry minds nowhere else: its strict rules (an extra naming a
    package that is no optional dependency) and classifiers that its pinned trove-classifiers does
    not know (PyPI's concern). Poetry installs, locks and builds the project regardless; all of
    them, or none: an error Poetry minds (a stale lock, an unknown source) stops adopt."""
    from copy import deepcopy

    from poetry.core.factory import Factory

    lax = set(Factory.validate(deepcopy(data), strict=False)["errors"])
    strict = set(Factory.validate(deepcopy(data), strict=True)["errors"]) - lax
    tolerated = [e for e in errors if e in strict or e.startswith("Unrecognized classifiers")]
    return tolerated if len(tolerated) == len(errors) else []


def what_check_found(result: subprocess.CompletedProcess[str]) -> str:
    """`poetry check --lock` failed: the errors it found, each with what to do. The kit's
    pre-commit hook runs the same check."""
    errors = check_errors(result)
    if any("poetry.lock" in error for error in errors):
        return (
            "poetry.lock does not match pyproject.toml (it is stale): run `poetry lock`, commit "
            f"poetry.lock, then run adopt again. Poetry says: {' / '.join(errors)}"
        )
    return (
        "Poetry's check of pyproject.toml fails: "
        f"{' / '.join(error.rstrip('.') for error in errors) or reason(result)}. Fix "
        "pyproject.toml as that says (the kit's pre-commit hook runs the same check: poetry "
        "check --lock), then run adopt again."
    )


def main() -> None:
    mode, wanted = sys.argv[1], sys.argv[2]
    data = read()
    check_it_is_poetry(data)
    check_poetry_version(data)
    versions = allowed_pythons(python_constraint(data), wanted)
    pinned, unpinned = python_file(versions) if not wanted else ("", "")
    versions = [pinned] if pinned else versions
    if mode == "pick":
        print(json.dumps({"python": best_for_lock(versions)[0]}))
        return
    check_readmes(data)
    locked_first = not (PROJECT / "poetry.lock").exists()
    if locked_first:
        result = poetry("lock")
        if result.returncode != 0:
            stop(f"poetry could not lock the project: {reason(result)}")
    check = poetry("check", "--lock")
    findings = only_the_check_minds(data, check_errors(check)) if check.returncode else []
    if check.returncode and not findings:
        stop(what_check_found(check))
    packages, build_reads, package_folders = built_wheel(data)
    path_deps = path_dependencies()
    found = groups(data)
    python, why, from_source = best_for_lock(versions)  # the lock as it is now
    added, loose = add_dev_tools(data, found, python)
    data = read()  # as poetry add left it
    print(
        json.dumps(
            {
                "name": table(data, "project").get("name")
                or table(data, "tool.poetry").get("name")
                or PROJECT.name,
                "style": "project" if table(data, "project") else "tool.poetry",
                "description": table(data, "project").get("description")
                or table(data, "tool.poetry").get("description", ""),
                "source": source_url(data),
                "python": python,
                "why": why,
                "pinned": pinned,
                "unpinned": unpinned,
                "from_source": from_source,
                "update": with_pinning_parents([package.split()[0] for package in from_source]),
                "constraint": python_constraint(data),
                "packages": packages,
                "build_reads": build_reads,
                "package_folders": package_folders,
                "scripts": scripts(data),
                "dependencies": sorted(main_dependencies(data)),
                "prod_packages": prod_packages(),
                "groups": {name: group["optional"] for name, group in sorted(groups(data).items())},
                "extras": sorted(
                    set(table(data, "project").get("optional-dependencies", {}))
                    | set(table(data, "tool.poetry.extras"))
                ),
                "added": added,
                "loose_tools": loose,
                "sdist_only": sdist_only(),
                "system_packages": system_packages(from_source),
                "path_dependencies": path_deps,
                "locked_first": locked_first,
                "check_findings": findings,
            }
        )
    )


if __name__ == "__main__":
    main()
