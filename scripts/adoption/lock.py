"""What poetry.lock says for the image: which Python every locked wheel supports, what builds from
source, which Debian packages the locked packages need, where path dependencies are. Functions of
the lock's packages (as `packages()` reads them) and the project's Python constraint; they need
poetry-core (constraints, markers), so adopt runs them in the container, and the tests on the
host."""

from __future__ import annotations

import re
from pathlib import Path

from .common import Stop, normalize_name

# Official python:<version>-slim-trixie images of the Pythons still supported, newest first (3.10
# ended in October 2026; the kit's stages read TOML with tomllib, new in 3.11).
PYTHONS = ["3.14", "3.13", "3.12", "3.11"]
# Linux machines, as wheels' platform tags and people name them.
MACHINES = {"x86_64": "x86_64", "aarch64": "arm64"}
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


def packages(lock: dict) -> list[dict]:
    """A parsed poetry.lock's packages, each with its files (a lock Poetry 1.1 wrote lists them
    apart, under [metadata.files])."""
    apart = lock.get("metadata", {}).get("files", {})
    found = lock.get("package", [])
    for package in found:
        package.setdefault("files", apart.get(package["name"], []))
    wanted_under = markers_of_edges(found)
    for package in found:
        if "markers" not in package and wanted_under.get(normalize_name(package["name"])):
            package["markers"] = wanted_under[normalize_name(package["name"])]
    return found


def markers_of_edges(locked: list[dict]) -> dict[str, str]:
    """The markers under which each package is wanted, by its normalized name, where every
    locked package that depends on it does so under a marker (docker wants pywin32 on Windows
    only): a lock of Poetry 1.2 to 1.8 writes them on those dependencies, not on the package.
    A package no other depends on is one of the project's own: wanted always."""
    edges: dict[str, list[str]] = {}
    for package in locked:
        for name, specs in package.get("dependencies", {}).items():
            for spec in specs if isinstance(specs, list) else [specs]:
                # An optional one is an extra's, which the project may ask for: counted in.
                wanted = isinstance(spec, dict) and not spec.get("optional")
                marker = spec.get("markers", "") if wanted else ""
                edges.setdefault(normalize_name(name), []).append(marker)
    return {
        name: " or ".join(f"({m})" for m in dict.fromkeys(markers))
        for name, markers in edges.items()
        if all(markers)
    }


def versions_of(locked: list[dict]) -> dict[str, str]:
    """Each locked package's version, by its normalized name."""
    return {normalize_name(package["name"]): package["version"] for package in locked}


def prod_packages(locked: list[dict]) -> list[str]:
    """Every locked package of the main group, what its extras bring too (fastapi[standard]
    brings uvicorn): what prod can start its app with."""
    main = [p for p in locked if "main" in p.get("groups", [p.get("category", "main")])]
    return sorted(normalize_name(package["name"]) for package in main)


def group_packages(locked: list[dict]) -> dict[str, list[str]]:
    """Every group's locked packages but main's: what its dependencies bring (a lock of Poetry
    1.4 or older names `dev` as a category; one of 1.5 to 1.8 names no group at all)."""
    found: dict[str, set[str]] = {}
    for package in locked:
        for group in package.get("groups", [package.get("category", "main")]):
            if group != "main":
                found.setdefault(normalize_name(group), set()).add(normalize_name(package["name"]))
    return {group: sorted(names) for group, names in sorted(found.items())}


# ---- the Python version -----------------------------------------------------------------------


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
        raise Stop(
            f"--python {wanted} is not allowed by the project's Python constraint "
            f"{constraint!r}: pick a version it allows, or change the constraint."
        )
    raise Stop(
        f"no official python:<version>-slim-trixie image ({', '.join(PYTHONS)}) satisfies the "
        f"project's Python constraint {constraint!r}: widen it in pyproject.toml "
        "(requires-python, or python under [tool.poetry.dependencies]), then run adopt again."
    )


def python_file(text: str, allowed: list[str]) -> tuple[str, str]:
    """The version a .python-version's text names (pyenv's and uv's file: "3.13", "3.13.1") where
    it is one of `allowed`, else ""; and why a version it names is not used."""
    lines = text.split()
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


def best_for_lock(
    locked: list[dict] | None, versions: list[str], constraint: str
) -> tuple[str, str, list[str]]:
    """The newest of `versions` for which every compiled package in the lock (None: no lock) has
    a Linux wheel built for it, for x86_64 (CI, servers) and arm64 (Apple Silicon's dev container,
    Graviton): an older lock may predate the newest Python's wheels, and a package's pure-Python
    fallback wheel, where it has one, is no sign that its locked version works there (pydantic
    1.10.2, locked in 2022, installs on 3.14 and fails at import). And why the newer were not, and
    the packages that build from source on the one chosen. Where none has them all: the one with
    the fewest missing (the newest of those), as an old lock is closest to the Pythons of its
    time."""
    if locked is None:
        return versions[0], "", []
    skipped, found = [], {}
    for version in versions:
        none_at_all, fallback_only, cannot = packages_without_wheels(locked, version)
        if not none_at_all and not fallback_only:
            return version, "; ".join(skipped), []
        found[version] = none_at_all, fallback_only, cannot
        missing = ", ".join(none_at_all + fallback_only)
        skipped.append(f"{version} has no Linux wheel locked for {missing}")
    # Fewest that cannot install at all first, then fewest missing.
    chosen = min(versions, key=lambda v: (len(found[v][2]), sum(map(len, found[v][:2]))))
    none_at_all, fallback_only, cannot = found[chosen]
    if cannot:
        raise Stop(cannot_install(locked, chosen, cannot, constraint))
    why = f"{chosen} has the fewest missing"
    if none_at_all:
        why += ": it builds from source those with no wheel at all"
    return chosen, "; ".join(skipped) + f": {why}", none_at_all


def glibc_linux(platform: str, machine: str) -> bool:
    """Whether a wheel's platform tag (manylinux_2_17_x86_64.manylinux2014_x86_64) installs on
    glibc Linux (Debian's) `machine`: a musllinux one does not."""
    return any(
        p.startswith(("manylinux", "linux_")) and p.endswith(f"_{machine}")
        for p in platform.split(".")
    )


def wheel_fits(name: str, version: str, machine: str) -> bool:
    """Whether a wheel file installs on CPython `version` on glibc Linux (Debian's) `machine`."""
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


def cannot_install(locked: list[dict], version: str, cannot: list[str], constraint: str) -> str:
    """What to do where `version` cannot install some locked packages: no wheel fits, and the
    lock has no sdist of them to build from (psycopg-binary publishes wheels only)."""
    names = [package.split()[0] for package in cannot]
    others = [
        other
        for other in allowed_pythons(constraint, "")
        if other != version and not packages_without_wheels(locked, other)[2]
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
        f"Python {version} wheels: poetry update {' '.join(with_pinning_parents(locked, names))}"
    )


def with_pinning_parents(locked: list[dict], names: list[str]) -> list[str]:
    """What `poetry update` needs to name for the packages `names` to move: each, then every
    locked package that pins one to its exact version (psycopg pins psycopg-binary, pydantic
    pins pydantic-core), which would otherwise hold it where it is."""
    versions = versions_of(locked)
    wanted = [normalize_name(name) for name in names]
    parents = []
    for package in locked:
        for name, specs in package.get("dependencies", {}).items():
            for spec in specs if isinstance(specs, list) else [specs]:
                exact = (spec if isinstance(spec, str) else spec.get("version", "")).strip()
                pinned = normalize_name(name) in wanted and exact.lstrip("=") == versions.get(
                    normalize_name(name)
                )
                if pinned and normalize_name(package["name"]) not in wanted + parents:
                    parents.append(normalize_name(package["name"]))
    return wanted + sorted(parents)


def environment(version: str, machine: str) -> dict[str, str]:
    """The marker environment of CPython `version` on Linux `machine`."""
    return {
        "python_version": version,
        "python_full_version": f"{version}.0",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "platform_machine": machine,
        "os_name": "posix",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
    }


def markers_of(package: dict) -> str:
    """The markers under which a locked package installs in any of its groups ("": always).
    Poetry 2 writes them by group, `{main = "extra == \"s3\""}`, and leaves out a group for
    which it installs always."""
    markers = package.get("markers", "")
    if not isinstance(markers, dict):
        return markers
    if set(package.get("groups", [])) - set(markers):
        return ""
    return " or ".join(f"({m})" for m in markers.values())


def packages_without_wheels(locked: list[dict], version: str) -> tuple[list[str], ...]:
    """Locked packages, for `version`, with wheels but none that installs on it on one of the
    Linux machines (named where it is only one: "pyyaml 6.0.2 (arm64)"); those built for other
    CPythons there, of which only a pure-Python fallback wheel would install; and those of the
    first that have no sdist either, which cannot install at all."""
    from poetry.core.version.markers import parse_marker

    missing, fallback_only, cannot = [], [], []
    for package in locked:
        wheels = [f["file"] for f in package.get("files", []) if f["file"].endswith(".whl")]
        if not wheels:
            continue  # an sdist alone: sdist_only() names it
        markers = markers_of(package)
        lacking, fallback = [], []
        for machine, label in MACHINES.items():
            try:
                if markers and not parse_marker(markers).validate(environment(version, machine)):
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


# ---- what else the lock needs -----------------------------------------------------------------


def sdist_only(locked: list[dict]) -> list[str]:
    """The locked packages that publish no wheel: installing them builds them from source."""
    found = []
    for package in locked:
        files = [f["file"] for f in package.get("files", [])]
        source = package.get("source", {}).get("type")
        if files and source in (None, "legacy") and not any(f.endswith(".whl") for f in files):
            found.append(package["name"])
    return sorted(found)


def system_packages(locked: list[dict], from_source: list[str]) -> tuple[list[str], list[str]]:
    """The Debian packages the locked packages need to build from source, and at run time;
    `from_source` names those that build from source on the chosen Python ("cffi 1.17.1")."""
    from poetry.core.constraints.version import Version

    versions = versions_of(locked)
    names = set(versions)
    if "psycopg-binary" in names:
        names.discard("psycopg")
    libraries = dict(SYSTEM_LIBRARIES)
    if "pygobject" in names and Version.parse(versions["pygobject"]) < Version.parse("3.51"):
        libraries["pygobject"] = PYGOBJECT_1
    found = [libraries[name] for name in sorted(names & libraries.keys())]
    built = {normalize_name(package.split()[0]) for package in from_source}
    found += [BUNDLED_LIBRARIES[name] for name in sorted(built & BUNDLED_LIBRARIES.keys())]
    build = {debian for headers, _ in found for debian in headers.split()}
    runtime = {debian for _, libraries in found for debian in libraries.split()}
    return sorted(build), sorted(runtime)


def path_dependencies(locked: list[dict], root: Path) -> list[str]:
    """The folders the lock installs path dependencies from, relative to the project at `root`:
    the build builds them from its context, which holds only the project's folder."""
    found = []
    for package in locked:
        source = package.get("source", {})
        if source.get("type") == "file" and "://" not in source["url"]:
            raise Stop(
                f"{package['name']} is installed from a file ({source['url']}), and the kit's "
                "dependency step sees only pyproject.toml and poetry.lock: publish it to an "
                "index (a private source: see docs/production.md, Mirrors and private indexes), or "
                "depend on its source folder inside the project (a path dependency), then run "
                "adopt again."
            )
        if source.get("type") != "directory":
            continue
        folder = (root / source["url"]).resolve()
        if not folder.is_relative_to(root.resolve()) or folder == root.resolve():
            raise Stop(
                f"{package['name']} is a path dependency outside the project ({source['url']}), "
                "and a build sees only the project's folder: move it into the project (for "
                f"example to libs/{package['name']}, then `poetry lock`) or publish it to an "
                "index, then run adopt again."
            )
        found.append(folder.relative_to(root.resolve()).as_posix())
    return sorted(found)
