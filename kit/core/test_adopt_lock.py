"""What adopt reads from poetry.lock: the newest Python every locked wheel supports, on x86_64
and arm64; what builds from source, and the Debian packages that takes; path dependencies. On
locks written here, file names and all, as Poetry writes them."""

from __future__ import annotations

from pathlib import Path

import pytest
from adoption import lock
from adoption.common import Stop

LINUX = "manylinux_2_17_{0}.manylinux2014_{0}"


def wheels(name: str, version: str, tags: list[str], sdist: bool = True) -> list[dict]:
    """A locked package's files: a wheel for each tag ("cp313-cp313-{x86_64}"), and its sdist."""
    files = []
    for tag in tags:
        for machine in ("x86_64", "aarch64"):
            platform = tag.format(x86_64=LINUX.format("x86_64"), aarch64=LINUX.format("aarch64"))
            if "{" not in tag and machine == "aarch64":
                continue  # a tag for one machine only, or none
            if machine == "aarch64" and "x86_64" in platform:
                platform = platform.replace("x86_64", "aarch64")
            files.append({"file": f"{name}-{version}-{platform}.whl", "hash": "sha256:0"})
    files = list({f["file"]: f for f in files}.values())
    if sdist:
        files.append({"file": f"{name}-{version}.tar.gz", "hash": "sha256:0"})
    return files


def package(name: str, version: str, files: list[dict], **more: object) -> dict:
    return {"name": name, "version": version, "groups": ["main"], "files": files, **more}


def cpython(*minors: int) -> list[str]:
    return [f"cp3{m}-cp3{m}-{{x86_64}}" for m in minors]


PYYAML = package("PyYAML", "6.0.2", wheels("PyYAML", "6.0.2", cpython(11, 12, 13)))
PYDANTIC_1 = package(
    "pydantic", "1.10.24",
    wheels("pydantic", "1.10.24", ["cp313-cp313-" + LINUX.format("x86_64"), "py3-none-any"]),
)  # fmt: skip
PSYCOPG_BINARY = package(
    "psycopg-binary", "3.2.1", wheels("psycopg_binary", "3.2.1", cpython(11, 12), sdist=False)
)
PSYCOPG = package(
    "psycopg", "3.2.1", wheels("psycopg", "3.2.1", ["py3-none-any"]),
    dependencies={"psycopg-binary": {"version": "3.2.1", "optional": True}},
)  # fmt: skip
PYDANTIC_CORE = package(
    "pydantic-core", "2.50.4", wheels("pydantic_core", "2.50.4", cpython(13, 14))
)
PURE = package("six", "1.17.0", wheels("six", "1.17.0", ["py2.py3-none-any"]))


def without(locked: dict, needle: str) -> dict:
    return {**locked, "files": [f for f in locked["files"] if needle not in f["file"]]}


@pytest.mark.parametrize(
    ("name", "version", "machine", "fits"),
    [
        ("a-1-cp314-cp314-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "3.14", "x86_64", True),
        ("a-1-cp313-cp313-manylinux_2_17_x86_64.whl", "3.14", "x86_64", False),
        ("a-1-cp314-cp314-manylinux_2_17_x86_64.whl", "3.14", "aarch64", False),
        ("a-1-cp314-cp314-musllinux_1_2_x86_64.whl", "3.14", "x86_64", False),
        ("a-1-cp39-abi3-manylinux_2_28_aarch64.whl", "3.13", "aarch64", True),
        ("a-1-cp314-abi3-manylinux_2_28_x86_64.whl", "3.13", "x86_64", False),
        ("a-1-py3-none-any.whl", "3.11", "aarch64", True),
        ("a-1-py2.py3-none-any.whl", "3.14", "x86_64", True),
        ("a-1-cp313-cp313t-manylinux_2_17_x86_64.whl", "3.13", "x86_64", False),
        ("a-1-cp313-none-linux_x86_64.whl", "3.13", "x86_64", True),
    ],
    ids=["cpython", "older-cpython", "other-machine", "musl", "abi3", "abi3-newer",
         "pure", "py2-py3", "free-threaded", "linux-tag"],
)  # fmt: skip
def test_a_wheel_fits_the_cpython_and_machine_its_tags_name(
    name: str, version: str, machine: str, fits: bool
) -> None:
    assert lock.wheel_fits(name, version, machine) is fits


def test_adopt_picks_the_newest_python_that_every_locked_wheel_supports() -> None:
    python, why, from_source = lock.best_for_lock([PYYAML, PURE], lock.PYTHONS, ">=3.12")

    assert python == "3.13"
    assert why == "3.14 has no Linux wheel locked for PyYAML 6.0.2"
    assert from_source == []


def test_a_pure_python_fallback_wheel_is_no_sign_that_an_old_lock_works_there() -> None:
    python, why, _ = lock.best_for_lock([PYDANTIC_1], lock.PYTHONS, ">=3.12")

    assert python == "3.13"
    fallback = "pydantic 1.10.24 (x86_64: only a pure-Python fallback)"
    assert why == f"3.14 has no Linux wheel locked for {fallback}"


def test_a_lock_without_arm64_wheels_for_the_newest_python_picks_the_one_before() -> None:
    locked = [without(PYDANTIC_CORE, "cp314-cp314-manylinux_2_17_aarch64")]

    python, why, from_source = lock.best_for_lock(locked, ["3.14", "3.13"], ">=3.13")

    assert (python, from_source) == ("3.13", [])
    assert why == "3.14 has no Linux wheel locked for pydantic-core 2.50.4 (arm64)"


def test_a_lock_without_arm64_wheels_at_all_builds_them_from_source_on_the_newest() -> None:
    locked = [without(PYDANTIC_CORE, "aarch64")]

    python, why, from_source = lock.best_for_lock(locked, ["3.14", "3.13"], ">=3.13")

    assert python == "3.14"
    assert from_source == ["pydantic-core 2.50.4 (arm64)"]
    assert why.endswith(
        "3.14 has the fewest missing: it builds from source those with no wheel at all"
    )


def test_a_package_that_only_installs_elsewhere_does_not_count() -> None:
    marked = {**PYYAML, "markers": 'sys_platform == "win32"'}

    assert lock.best_for_lock([marked], lock.PYTHONS, "")[0] == "3.14"


def test_a_package_wanted_only_elsewhere_by_what_depends_on_it_does_not_count() -> None:
    """Poetry 1.2 to 1.8 write the marker on the dependency (docker wants pywin32 on Windows)."""
    pywin32 = package("pywin32", "306", wheels("pywin32", "306", ["cp312-cp312-win_amd64"]))
    docker = package("docker", "7.1.0", [], dependencies={
        "pywin32": {"version": ">=304", "markers": 'sys_platform == "win32"'}})  # fmt: skip
    standard = {"version": ">=5.1", "optional": True, "markers": 'extra == "standard"'}
    extra = package("uvicorn", "0.30.0", [], dependencies={"pyyaml": standard})
    locked = lock.packages({"package": [docker, pywin32, extra, {**PYYAML, "files": []}]})

    assert lock.best_for_lock(locked[:2], ["3.13"], ">=3.12")[0] == "3.13"
    assert lock.markers_of(locked[1]) == '(sys_platform == "win32")'
    assert "markers" not in locked[3]  # an extra the project may ask for: counted in


def test_a_python_that_cannot_install_a_wheel_only_package_stops_adopt_saying_what_to_do() -> None:
    with pytest.raises(Stop) as stopped:
        lock.best_for_lock([PSYCOPG, PSYCOPG_BINARY], ["3.13"], ">=3.12")

    said = str(stopped.value)
    assert said.startswith("Python 3.13 cannot install psycopg-binary 3.2.1: ")
    assert "Run adopt with --python 3.12" in said
    assert said.endswith("poetry update psycopg-binary psycopg")


def test_poetry_update_names_the_package_that_pins_the_one_without_wheels() -> None:
    pydantic = package("pydantic", "2.9.2", wheels("pydantic", "2.9.2", ["py3-none-any"]),
                       dependencies={"pydantic-core": "2.23.4"})  # fmt: skip
    core = package("pydantic-core", "2.23.4", wheels("pydantic_core", "2.23.4", cpython(13)))

    assert lock.with_pinning_parents([pydantic, core], ["pydantic_core"]) == [
        "pydantic-core", "pydantic"
    ]  # fmt: skip


def test_a_lock_that_poetry_1_1_wrote_has_its_files_apart() -> None:
    written = {
        "package": [{"name": "PyYAML", "version": "6.0.2", "category": "main"}],
        "metadata": {"lock-version": "1.1", "files": {"PyYAML": PYYAML["files"]}},
    }

    locked = lock.packages(written)

    assert lock.best_for_lock(locked, lock.PYTHONS, "")[0] == "3.13"
    assert lock.prod_packages(locked) == ["pyyaml"]


def test_prod_has_the_main_groups_packages_and_what_they_bring() -> None:
    locked = [
        package("FastAPI", "1", []),
        package("uvicorn", "1", [], groups=["main", "dev"]),
        package("pytest", "1", [], groups=["dev"]),
        {"name": "six", "version": "1", "category": "main"},
        {"name": "ruff", "version": "1", "category": "dev"},
    ]

    assert lock.prod_packages(locked) == ["fastapi", "six", "uvicorn"]


def test_each_other_group_has_the_packages_the_lock_puts_in_it() -> None:
    locked = [
        package("Flask", "1", []),
        package("gunicorn", "1", [], groups=["Production"]),
        package("packaging", "1", [], groups=["production", "dev"]),
        package("pytest", "1", [], groups=["dev"]),
        {"name": "ruff", "version": "1", "category": "dev"},  # Poetry 1.4 and older
        {"name": "six", "version": "1"},  # Poetry 1.5 to 1.8: no group named
    ]

    assert lock.group_packages(locked) == {
        "dev": ["packaging", "pytest", "ruff"],
        "production": ["gunicorn", "packaging"],
    }


@pytest.mark.parametrize(
    ("constraint", "wanted", "versions"),
    [
        (">=3.12", "", ["3.14", "3.13", "3.12"]),
        (">=3.11,<3.14", "", ["3.13", "3.12", "3.11"]),
        ("^3.12", "", ["3.14", "3.13", "3.12"]),
        ("~3.13.2", "", []),
        ("", "3.13", ["3.13"]),
        (">=3.14,<4", "", ["3.14"]),
    ],
    ids=["at-least", "below", "caret", "a-patch-range", "asked-for", "upper-bound"],
)
def test_the_pythons_a_constraint_allows_are_those_it_allows_every_patch_of(
    constraint: str, wanted: str, versions: list[str]
) -> None:
    if not versions:
        with pytest.raises(Stop, match="no official python:<version>-slim-trixie image"):
            lock.allowed_pythons(constraint, wanted)
        return
    assert lock.allowed_pythons(constraint, wanted) == versions


def test_a_python_asked_for_that_the_constraint_rules_out_stops_adopt() -> None:
    with pytest.raises(Stop, match=r"--python 3.11 is not allowed by the project's Python"):
        lock.allowed_pythons(">=3.12", "3.11")


@pytest.mark.parametrize(
    ("text", "taken", "why"),
    [
        ("3.13.1\n", "3.13", ""),
        ("cpython-3.13\n", "3.13", ""),
        ("3.9\n", "", ".python-version's 3.9 has no python:3.9-slim-trixie image"),
        ("3.11\n", "", ".python-version's 3.11 is not allowed by the constraint"),
        ("pypy3.10\n", "", ".python-version names 'pypy3.10', not a CPython version"),
        ("", "", ""),
    ],
    ids=["patch", "uv-style", "no-image", "not-allowed", "pypy", "empty"],
)
def test_python_version_names_the_version_where_the_constraint_allows_it(
    text: str, taken: str, why: str
) -> None:
    assert lock.python_file(text, ["3.14", "3.13", "3.12"]) == (taken, why)


# ---- system packages, sdists, path dependencies ------------------------------------------------


@pytest.mark.parametrize(
    ("locked", "from_source", "build", "runtime"),
    [
        (["psycopg"], [], [], ["libpq5"]),
        (["psycopg", "psycopg-binary"], [], [], []),
        (["psycopg2"], [], ["libpq-dev"], ["libpq5"]),
        (["opencv-python", "pdf2image"], [], [], ["libgl1", "libglib2.0-0t64", "poppler-utils"]),
        (["cffi"], ["cffi 1.17.1"], ["libffi-dev"], ["libffi8"]),
        (["cffi"], [], [], []),
        (["pygobject==3.50.0"], [], ["libcairo2-dev", "libgirepository1.0-dev", "pkg-config"],
         ["libgirepository-1.0-1"]),
        (["pygobject==3.52.0"], [], ["libcairo2-dev", "libgirepository-2.0-dev", "pkg-config"],
         ["libgirepository-2.0-0"]),
    ],
    ids=["psycopg", "psycopg-binary", "psycopg2", "opencv-and-poppler", "cffi-from-source",
         "cffi-wheel", "pygobject-1", "pygobject-2"],
)  # fmt: skip
def test_locked_packages_get_the_debian_packages_they_build_with_and_load(
    locked: list[str], from_source: list[str], build: list[str], runtime: list[str]
) -> None:
    packages = [package(*[*name.split("=="), "1.0"][:2], []) for name in locked]

    assert lock.system_packages(packages, from_source) == (build, runtime)


def test_packages_that_publish_no_wheel_build_from_their_sdist() -> None:
    locked = [
        package("crcmod", "1.7", [{"file": "crcmod-1.7.tar.gz"}]),
        package("lib", "0.1", [], source={"type": "git", "url": "https://example.invalid/l"}),
        PYYAML,
    ]

    assert lock.sdist_only(locked) == ["crcmod"]


def test_path_dependencies_are_the_projects_folders(tmp_path: Path) -> None:
    locked = [package("greeting", "1", [], source={"type": "directory", "url": "libs/greeting"})]

    assert lock.path_dependencies(locked, tmp_path) == ["libs/greeting"]


@pytest.mark.parametrize(
    ("source", "said"),
    [
        ({"type": "directory", "url": "../shared"}, "is a path dependency outside the project"),
        ({"type": "file", "url": "wheels/lib-1-py3-none-any.whl"}, "is installed from a file"),
    ],
    ids=["outside", "a-file"],
)
def test_a_dependency_the_build_cannot_see_stops_adopt(
    tmp_path: Path, source: dict, said: str
) -> None:
    with pytest.raises(Stop, match=said):
        lock.path_dependencies([package("lib", "1", [], source=source)], tmp_path)


@pytest.mark.parametrize(
    ("markers", "groups", "installs"),
    [
        ('python_version < "3.11"', ["main"], 'python_version < "3.11"'),
        ({"main": 'extra == "s3"'}, ["main"], '(extra == "s3")'),
        ({"test": 'python_version < "3.11"'}, ["main", "test"], ""),  # main: always
    ],
    ids=["one-for-all", "by-group", "a-group-without"],
)
def test_a_packages_markers_are_those_of_its_groups_and_none_where_one_has_none(
    markers: object, groups: list[str], installs: str
) -> None:
    """Poetry 2 writes markers by group and leaves out a group for which it installs always."""
    assert (
        lock.markers_of(package("exceptiongroup", "1.3.0", [], groups=groups, markers=markers))
        == installs
    )


def test_a_dry_run_names_what_poetry_installs_and_not_what_it_skips() -> None:
    """What adopt reads of `poetry sync --only main --dry-run` (Poetry 2's words), where a package
    has several constraints: here, as for a real project whose four overlap, no pydantic."""
    from adoption.facts import dry_run_installs

    output = (
        "Installing dependencies from lock file\n\n"
        "Package operations: 3 installs, 0 updates, 0 removals, 1 skipped\n\n"
        "  - Installing annotated-types (0.7.0)\n"
        "  - Installing email-validator (2.2.0)\n"
        "  - Installing graphql-core (3.2.5): Skipped for the following reason: Not required\n"
        "  - Installing PyYAML (6.0.2)\n"
    )

    assert dry_run_installs(output) == {"annotated-types", "email-validator", "pyyaml"}
