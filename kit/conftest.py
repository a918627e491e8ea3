"""Fixtures for the kit's tests. Each works on a temporary copy of the repository, never on the
working tree, and removes the containers and images it creates."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import IN_CI, DevContainer, copy_repo, docker_build, remove_image, run, unique


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


@pytest.fixture(scope="session", autouse=True)
def engine_and_cli() -> None:
    """Every kit test needs Docker and the Dev Containers CLI. In CI their absence is a failure;
    elsewhere the tests are skipped with the reason."""
    problems = missing_tools()
    if not problems:
        return
    message = "; ".join(problems) + " (python3 scripts/test installs the CLI; start Docker)"
    if IN_CI:
        pytest.fail("CI=true and " + message, pytrace=False)
    pytest.skip(message)


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """A fresh copy of the repository for one test."""
    return copy_repo(tmp_path / unique("ws"))


@pytest.fixture(scope="session")
def prod_image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The prod target, built once from a copy of the repository."""
    tag = unique("kit-test-prod")
    docker_build(copy_repo(tmp_path_factory.mktemp("prod") / unique("ws")), "prod", tag)
    yield tag
    remove_image(tag)


@pytest.fixture(scope="session")
def dev_container(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevContainer]:
    """One dev container, brought up by `devcontainer up` on a copy of the repository."""
    container = DevContainer(copy_repo(tmp_path_factory.mktemp("dev") / unique("ws")))
    try:
        yield container.up()
    finally:
        container.remove()


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
    return lines
