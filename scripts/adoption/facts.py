"""The part of adopt that needs Poetry: run by scripts/adopt in the kit's `poetry` image, with
Poetry's own Python, on a copy of the project at /project (never on the project itself).

    python -m adoption.facts pick  [X.Y]   the Python version Poetry runs on, as JSON
    python -m adoption.facts adopt [X.Y]   (in the image for that version) all of the below

It reads the project, adds the dev tools the kit relies on to the dev group where they are
missing (in the project's own style, with `poetry add`, which keeps every locked version), locks
for the first time where there is no lock, and prints what Poetry reports (Project's facts) as
one JSON line. A problem ends it with exit code 2 and one line on stderr that says what to do.
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

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11: the kit's tests on an older host
    import tomli as tomllib

from . import lock
from .common import Stop, normalize_name, requirement_name, table
from .django import test_settings
from .project import Project

PROJECT = Path("/project")
DEV_TOOLS = ["debugpy", "ruff", "pytest", "pre-commit", "pre-commit-hooks"]
OTHER_TOOLS = {
    "tool.pdm": "PDM",
    "tool.uv": "uv",
    "tool.hatch": "Hatch",
    "tool.flit": "Flit",
    "tool.setuptools": "setuptools",
}


def poetry(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["poetry", "--no-interaction", "--project", str(PROJECT), *args],
        cwd=PROJECT,  # from elsewhere, Poetry fails to read an sdist-only package's metadata
        capture_output=True,
        text=True,
        env=env,
    )


def read() -> dict:
    try:
        return tomllib.loads((PROJECT / "pyproject.toml").read_text())
    except tomllib.TOMLDecodeError as error:
        raise Stop(
            f"pyproject.toml is not valid TOML ({error}): fix it, then run adopt again."
        ) from None


def locked() -> list[dict] | None:
    """poetry.lock's packages, as the lock is now (adding the dev tools changes it); None where
    there is no lock."""
    path = PROJECT / "poetry.lock"
    return lock.packages(tomllib.loads(path.read_text())) if path.exists() else None


def check_it_is_poetry(data: dict) -> None:
    backend = table(data, "build-system").get("build-backend", "")
    is_poetry = bool(table(data, "tool.poetry")) or "poetry" in backend
    if is_poetry or (PROJECT / "poetry.lock").exists():
        return
    other = [name for key, name in OTHER_TOOLS.items() if table(data, key)]
    if "hatchling" in backend:
        other.append("Hatch")
    used = f" (it uses {', '.join(dict.fromkeys(other))})" if other else ""
    raise Stop(
        f"this kit is for Poetry projects, and this one is not{used}: nothing in pyproject.toml "
        "is Poetry's. Move the project to Poetry first (poetry init, or a [tool.poetry] table "
        "and `poetry lock`), then run adopt again."
    )


def check_poetry_version(data: dict, ours: str = "") -> None:
    """A project may name the Poetry versions it works with (requires-poetry); Poetry refuses any
    other, and for a project with a lock it says so where adopt would only hear a failed check.
    `ours`: the kit's Poetry (the one running here, unless named)."""
    from importlib.metadata import version

    from poetry.core.constraints.version import Version, parse_constraint

    wanted = table(data, "tool.poetry").get("requires-poetry")
    ours = ours or version("poetry")
    if wanted and not parse_constraint(wanted).allows(Version.parse(ours)):
        raise Stop(
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
        found[normalize_name(name)] = {
            "optional": bool(group.get("optional", False)),
            "names": {normalize_name(d) for d in deps},
        }
    legacy = table(data, "tool.poetry.dev-dependencies")
    if legacy:
        found.setdefault("dev", {"optional": False, "names": set()})["names"] |= {
            normalize_name(d) for d in legacy
        }
    for name, specs in table(data, "dependency-groups").items():
        entry = found.setdefault(normalize_name(name), {"optional": False, "names": set()})
        entry["names"] |= {requirement_name(s) for s in specs if isinstance(s, str)}
    return found


def main_dependencies(data: dict) -> set[str]:
    names = {requirement_name(s) for s in table(data, "project").get("dependencies", [])}
    names |= {normalize_name(d) for d in table(data, "tool.poetry.dependencies")} - {"python"}
    return names


def extra_packages(data: dict) -> dict[str, list[str]]:
    """Each extra's packages, by their normal names, as pyproject.toml declares them."""
    found = {
        extra: sorted({requirement_name(spec) for spec in specs})
        for extra, specs in table(data, "project").get("optional-dependencies", {}).items()
    }
    for extra, names in table(data, "tool.poetry.extras").items():
        found.setdefault(extra, sorted({normalize_name(name) for name in names}))
    return dict(sorted(found.items()))


def python_constraint(data: dict) -> str:
    return (
        table(data, "project").get("requires-python")
        or table(data, "tool.poetry.dependencies").get("python")
        or ""
    )


def scripts(data: dict) -> dict[str, str]:
    found = dict(table(data, "project").get("scripts", {}))
    for name, target in table(data, "tool.poetry.scripts").items():
        found.setdefault(name, target if isinstance(target, str) else target.get("reference", ""))
    return found


def built_wheel(data: dict) -> tuple[list[str] | None, list[str], dict[str, list[str]]]:
    """What the project's wheel is built from: the top-level names it holds, or None where the
    project is no package (package-mode = false) or its root cannot be built (then it runs from its
    files); the project's top-level entries the build reads (wherever `packages` says the code is:
    src/, lib/, ...; the README and licence files, in docs/ too), which prod's build context must
    hold; and the folders each top-level name is in ("" for the project's root; a namespace
    package assembled from several source folders is in each of them)."""
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
    folders: dict[str, set[str]] = {}
    for member in names:
        for path in read:
            if path == member or path.endswith(f"/{member}"):
                top = member.split("/")[0].removesuffix(".py")
                folders.setdefault(top, set()).add(path[: -len(member)].strip("/"))
    packages = {n.split("/")[0].removesuffix(".py") for n in names if ".data/" not in n}
    tops = {path.split("/")[0] for path in read} - {"pyproject.toml"}
    return sorted(packages), sorted(tops), {top: sorted(found) for top, found in folders.items()}


def django_site(data: dict) -> str:
    """The folder of a Django site's manage.py ("." for the root), where Django is among the main
    dependencies; "" for none."""
    folder = Project(root=PROJECT, name="").django_folder()
    return folder if folder and "django" in main_dependencies(data) else ""


# The files pytest reads its configuration from, besides pyproject.toml.
PYTEST_FILES = ["pytest.ini", ".pytest.ini", "tox.ini", "setup.cfg"]


def django_tests(data: dict) -> dict[str, str]:
    """A Django site's tests are written for Django's runner (manage.py test), which the Testing
    view's pytest runs with pytest-django (added with the dev tools) and a settings module: the
    one for tests. It goes into pyproject.toml's [tool.pytest.ini_options] (with Django's test
    file names, and the site's folder on the path), where the project has no pytest configuration
    of its own. Returns the module and where it is set ("yours": already; "": not set, as the
    project's own configuration file is where it belongs); {} for no Django site."""
    folder = django_site(data)
    if not folder:
        return {}
    options = table(data, "tool.pytest.ini_options")
    texts = [read_text(PROJECT / name) for name in PYTEST_FILES]
    others = [text for text in texts if "pytest" in text]
    if "DJANGO_SETTINGS_MODULE" in options or any("DJANGO_SETTINGS_MODULE" in t for t in others):
        return {"settings": str(options.get("DJANGO_SETTINGS_MODULE", "")), "set_in": "yours"}
    module = test_settings(Project(root=PROJECT, name=""), folder)
    if others or not module:
        return {"settings": module, "set_in": ""}
    import tomlkit  # Poetry's own

    path = PROJECT / "pyproject.toml"
    document = tomlkit.parse(path.read_text())
    tool = document.setdefault("tool", tomlkit.table(is_super_table=True))
    pytest = tool.setdefault("pytest", tomlkit.table(is_super_table=True))
    pytest_options = pytest.setdefault("ini_options", tomlkit.table())
    pytest_options["DJANGO_SETTINGS_MODULE"] = module
    pytest_options.setdefault("python_files", ["test*.py", "*_test.py"])
    if folder != ".":
        pytest_options.setdefault("pythonpath", [folder])
    path.write_text(tomlkit.dumps(document))
    return {"settings": module, "set_in": "pyproject.toml"}


def read_text(path: Path) -> str:
    return path.read_text(errors="replace") if path.is_file() else ""


def add_dev_tools(data: dict, found: dict[str, dict], python: str) -> tuple[list[str], dict]:
    """Add the missing tools to the dev group; and those added at any version, by their locked
    one. Where the project supports Pythons older than the tools do (a library), they are added
    for the image's Python and newer only. A Django site's tests need pytest-django too."""
    present = main_dependencies(data).union(*(g["names"] for g in found.values()))
    wanted = DEV_TOOLS + (["pytest-django"] if django_site(data) else [])
    missing = [tool for tool in wanted if tool not in present]

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
                raise Stop(f"poetry could not add the dev tool {tool}: {reason(result)}")
            loose.append(tool)
    versions = lock.versions_of(locked() or [])
    return missing, {tool: versions.get(tool, "") for tool in loose}


def check_installs_what_it_declares(data: dict, python: str) -> None:
    """Where pyproject.toml gives a package several constraints (by Python version), Poetry 2's
    installer can read them as none, overlapping ranges (`^3.11`, `^3.12`) in particular, and
    install nothing of it, in prod and the dev container alike: asked, in a dry run, what it
    installs from the main group, it must name each package declared for the chosen Python."""
    listed = table(data, "tool.poetry.dependencies")
    several = {normalize_name(name) for name, spec in listed.items() if isinstance(spec, list)}
    if not several:
        return
    env = {**os.environ, "POETRY_VIRTUALENVS_PATH": "/tmp/adopt-venvs"}  # a throw-away venv
    result = poetry("sync", "--only", "main", "--dry-run", "--no-root", env=env)
    missing = sorted(several & declared_for(python) - dry_run_installs(result.stdout))
    if result.returncode == 0 and missing:
        names = ", ".join(missing)
        raise Stop(
            f"Poetry would install no {names} on Python {python}, which pyproject.toml asks for "
            f"there with several constraints whose `python` ranges overlap (^3.11 and ^3.12 both "
            f"hold 3.12): Poetry 2 then reads them as none. Make the ranges not overlap (^3.11 "
            f'becomes ">=3.11,<3.12"), run `poetry lock`, then adopt again.'
        )


def dry_run_installs(output: str) -> set[str]:
    """The packages (normal names) a `poetry sync --dry-run` says it installs, not skips."""
    lines = re.findall(r"(?m)^\s*- Installing (\S+) \(([^)]*)\)(.*)$", output)
    return {normalize_name(name) for name, _, rest in lines if "Skipped" not in rest}


def declared_for(python: str) -> set[str]:
    """The main group's dependencies (not an extra's) that pyproject.toml declares for CPython
    `python` on Linux, by their `python` ranges and markers; none where poetry-core cannot read
    the project as a package."""
    from poetry.core.factory import Factory

    try:
        requires = Factory().create_poetry(PROJECT).package.requires
    except Exception:  # adopt goes on: prod's build still imports what the app needs
        return set()
    linux = lock.environment(python, "x86_64")
    return {
        normalize_name(d.name) for d in requires if not d.is_optional() and d.marker.validate(linux)
    }


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
                raise Stop(
                    f"pyproject.toml names the readme {name}, and the project has {twins[0]}: "
                    "Linux, where the container and CI build, tells the two names apart. Rename "
                    "the file or change the readme entry so that they match, then run adopt again."
                )
            raise Stop(
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


def pick(data: dict, wanted: str) -> tuple[list[str], str, str]:
    """The Python versions to choose from: the one .python-version names where allowed, else
    every one the constraint allows; and that file's version, and why it was not taken."""
    versions = lock.allowed_pythons(python_constraint(data), wanted)
    if wanted:
        return versions, "", ""
    path = PROJECT / ".python-version"
    text = path.read_text(errors="replace") if path.is_file() else ""
    pinned, unpinned = lock.python_file(text, versions)
    return ([pinned] if pinned else versions), pinned, unpinned


def report(mode: str, wanted: str) -> dict:
    data = read()
    check_it_is_poetry(data)
    check_poetry_version(data)
    constraint = python_constraint(data)
    versions, pinned, unpinned = pick(data, wanted)
    if mode == "pick":
        return {"python": lock.best_for_lock(locked(), versions, constraint)[0]}
    check_readmes(data)
    locked_first = not (PROJECT / "poetry.lock").exists()
    if locked_first:
        result = poetry("lock")
        if result.returncode != 0:
            raise Stop(f"poetry could not lock the project: {reason(result)}")
    check = poetry("check", "--lock")
    findings = only_the_check_minds(data, check_errors(check)) if check.returncode else []
    if check.returncode and not findings:
        raise Stop(what_check_found(check))
    packages, build_reads, package_folders = built_wheel(data)
    path_deps = lock.path_dependencies(locked() or [], PROJECT)
    found = groups(data)
    python, why, from_source = lock.best_for_lock(locked(), versions, constraint)
    added, loose = add_dev_tools(data, found, python)
    check_installs_what_it_declares(data, python)
    data = read()  # as poetry add left it
    tests = django_tests(data)
    extras = extra_packages(data)
    packages_now = locked() or []
    names = [package.split()[0] for package in from_source]
    return {
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
        "update": lock.with_pinning_parents(packages_now, names),
        "constraint": python_constraint(data),
        "packages": packages,
        "build_reads": build_reads,
        "package_folders": package_folders,
        "scripts": scripts(data),
        "dependencies": sorted(main_dependencies(data)),
        "prod_packages": lock.prod_packages(packages_now),
        "group_packages": lock.group_packages(packages_now),
        "groups": {name: group["optional"] for name, group in sorted(groups(data).items())},
        "extras": sorted(extras),
        "extra_packages": extras,
        "django_tests": tests,
        "added": added,
        "loose_tools": loose,
        "sdist_only": lock.sdist_only(packages_now),
        "system_packages": lock.system_packages(packages_now, from_source),
        "path_dependencies": path_deps,
        "locked_first": locked_first,
        "check_findings": findings,
    }


def main() -> None:
    try:
        print(json.dumps(report(sys.argv[1], sys.argv[2])))
    except Stop as problem:
        print(problem, file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
