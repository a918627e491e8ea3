"""Every mistake a user can make ends in a clear message that says what to do, with nothing lost."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from kit.support import (
    DevContainer,
    app_tests_pass,
    copy_repo,
    docker_build,
    image_tag,
    opened,
    run,
    unique,
)

LOCK_HINT = "run 'poetry lock' and commit poetry.lock"


def build_fails(workspace: Path, *extra: str) -> str:
    build = docker_build(workspace, "prod", unique("kit-test-bad"), *extra, check=False)
    assert build.returncode != 0, "the build should have failed"
    return build.stdout


def test_a_stale_lock_fails_the_build_and_says_run_poetry_lock(repo_copy: Path) -> None:
    pyproject = repo_copy / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace("dependencies = [\n", 'dependencies = [\n    "six",\n', 1)
    )

    output = build_fails(repo_copy)

    assert "changed significantly since poetry.lock was last generated" in output, output[-3000:]
    assert LOCK_HINT in output


def test_a_missing_lock_fails_the_build_and_says_run_poetry_lock(repo_copy: Path) -> None:
    (repo_copy / "poetry.lock").unlink()

    output = build_fails(repo_copy)

    assert "poetry.lock was not found" in output, output[-3000:]
    assert LOCK_HINT in output


def test_a_malformed_pyproject_fails_the_build_and_points_at_it(repo_copy: Path) -> None:
    pyproject = repo_copy / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('version = "0.1.0"', 'version = "0.1.0'))

    output = build_fails(repo_copy)

    assert "pyproject.toml is not valid TOML" in output, output[-3000:]
    assert re.search(r"TOMLDecodeError: .* \(at line 3, column \d+\)", output)  # names the line
    assert "Traceback" not in output


def test_an_app_that_imports_a_dev_only_package_fails_the_prod_build_and_says_why(
    repo_copy: Path,
) -> None:
    init = repo_copy / "src" / "minimal_py_poetry" / "__init__.py"
    init.write_text(init.read_text() + "import pytest  # in the dev group only\n")

    output = build_fails(repo_copy)

    assert "No module named 'pytest'" in output, output[-3000:]
    assert "error: prod cannot import minimal_py_poetry (above)" in output


def test_an_app_that_reads_its_environment_at_import_builds_and_the_build_warns(
    repo_copy: Path,
) -> None:
    """A setting read from the environment at import (os.environ["DATABASE_URL"], a pydantic
    Settings()) is there when prod runs, not while it builds: the smoke test warns, and stops
    only for a module or library that prod lacks."""
    init = repo_copy / "src" / "minimal_py_poetry" / "__init__.py"
    init.write_text(init.read_text() + 'import os\n\nDATABASE_URL = os.environ["DATABASE_URL"]\n')

    with image_tag() as tag:
        build = docker_build(repo_copy, "prod", tag, "--no-cache-filter", "app")  # its output
        started = run(["docker", "run", "--rm", "-e", "DATABASE_URL=sqlite://", tag, "python",
                       "-c", "import minimal_py_poetry as m; print(m.DATABASE_URL)"])  # fmt: skip

    assert "KeyError: 'DATABASE_URL'" in build.stdout
    assert "warning: importing minimal_py_poetry ran code that failed here" in build.stdout
    assert started.stdout.strip() == "sqlite://"


def test_a_python_version_without_a_base_image_names_the_build_arg(repo_copy: Path) -> None:
    output = build_fails(repo_copy, "--build-arg", "PYTHON_VERSION=3.99")

    assert "python:3.99-slim-trixie" in output
    assert "Not found? Give PYTHON_VERSION a version with an image." in output, output[-3000:]


def test_a_host_venv_in_the_workspace_is_ignored_by_the_dev_container(repo_copy: Path) -> None:
    fake = repo_copy / ".venv" / "bin" / "python"
    fake.parent.mkdir(parents=True)
    fake.write_text("#!/bin/sh\necho 'the host .venv was used'\nexit 1\n")
    fake.chmod(0o755)
    (repo_copy / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    if os.geteuid() == 0:
        run(["chown", "-R", "1000:1000", str(repo_copy / ".venv")])
    with opened(repo_copy) as container:
        paths = container.sh(
            "command -v python; poetry env info --path; cd /tmp && poetry --version"
        )
        passed = app_tests_pass(container)

    assert paths.splitlines()[:2] == ["/opt/venv/bin/python", "/opt/venv"]
    assert passed
    assert (repo_copy / ".venv" / "bin" / "python").read_text().startswith("#!/bin/sh")


def test_poetry_add_of_a_missing_package_fails_and_changes_nothing(
    dev_container: DevContainer,
) -> None:
    files = [dev_container.workspace / "pyproject.toml", dev_container.workspace / "poetry.lock"]
    before = [hashlib.sha256(f.read_bytes()).hexdigest() for f in files]

    result = dev_container.exec("poetry", "add", "kit-no-such-package-zz9", check=False)

    assert result.returncode != 0
    assert "Could not find a matching version of package kit-no-such-package-zz9" in result.stdout
    assert [hashlib.sha256(f.read_bytes()).hexdigest() for f in files] == before


def test_a_windows_clone_keeps_lf_and_the_dev_container_works(tmp_path: Path) -> None:
    # The clone's origin stays ours: git refuses to clone from a repository another user owns.
    origin = copy_repo(tmp_path / unique("origin"), owner=os.geteuid())
    clone = tmp_path / unique("crlf")
    run(["git", "clone", "-q", "-c", "core.autocrlf=true", str(origin), str(clone)])
    for name in (
        "Dockerfile",
        ".ci/run",
        "scripts/test",
        ".devcontainer/devcontainer.json",
        ".pre-commit-config.yaml",
        "pyproject.toml",
    ):
        assert b"\r\n" not in (clone / name).read_bytes(), f"{name} has CRLF line endings"
    if os.geteuid() == 0:
        run(["chown", "-R", "1000:1000", str(clone)])
    with opened(clone) as container:
        passed = app_tests_pass(container)
        hooks = container.exec("pre-commit", "run", "--all-files")

    assert passed
    assert "Failed" not in hooks.stdout
