"""Every mistake a user can make ends in a clear message that says what to do, with nothing lost."""

from __future__ import annotations

import hashlib
import os
import pwd
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import IN_CI, DevContainer, copy_repo, docker_build, run, unique

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


def test_a_python_version_without_a_base_image_names_the_build_arg(repo_copy: Path) -> None:
    output = build_fails(repo_copy, "--build-arg", "PYTHON_VERSION=3.99")

    assert "python:3.99-slim-trixie" in output
    assert "The build arg PYTHON_VERSION must be a version that has" in output, output[-3000:]


def test_a_host_venv_in_the_workspace_is_ignored_by_the_dev_container(repo_copy: Path) -> None:
    fake = repo_copy / ".venv" / "bin" / "python"
    fake.parent.mkdir(parents=True)
    fake.write_text("#!/bin/sh\necho 'the host .venv was used'\nexit 1\n")
    fake.chmod(0o755)
    (repo_copy / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    if os.geteuid() == 0:
        run(["chown", "-R", "1000:1000", str(repo_copy / ".venv")])
    container = DevContainer(repo_copy)
    try:
        container.up()
        paths = container.sh(
            "command -v python; poetry env info --path; cd /tmp && poetry --version"
        )
        tests = container.exec("pytest", "-q", "-p", "no:cacheprovider")
    finally:
        container.remove()

    assert paths.splitlines()[:2] == ["/opt/venv/bin/python", "/opt/venv"]
    assert " passed" in tests.stdout
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
    container = DevContainer(clone)
    try:
        container.up()
        tests = container.exec("pytest", "-q", "-p", "no:cacheprovider")
        hooks = container.exec("pre-commit", "run", "--all-files")
    finally:
        container.remove()

    assert " passed" in tests.stdout
    assert "Failed" not in hooks.stdout


# --- a host user whose UID is not 1000 -----------------------------------------------------------

OTHER_UID = 2345


@pytest.fixture(scope="module")
def other_user() -> Iterator[list[str]]:
    """Yields the prefix that runs a command as a host user whose UID is not 1000 and who may use
    Docker: a user made for the test when running as root, else the current user if its UID is
    not 1000."""
    if os.geteuid() != 0:
        if os.getuid() == 1000 and not IN_CI:
            pytest.skip("needs root (to add a host user) or a UID other than 1000")
        yield []
        return
    name = unique("kituser")[:30]
    try:
        pwd.getpwuid(OTHER_UID)
        pytest.fail(f"UID {OTHER_UID} is taken on this host; the test needs it free")
    except KeyError:
        pass
    run(["useradd", "--create-home", "--uid", str(OTHER_UID), "--groups", "docker", name])
    path = os.environ.get("PATH", "")
    try:
        yield ["runuser", "-u", name, "--", "env", f"HOME=/home/{name}", f"PATH={path}"]
    finally:
        run(["userdel", "--remove", name], check=False)


def test_a_host_uid_other_than_1000_gets_a_writable_venv_and_owns_its_files(
    other_user: list[str],
) -> None:
    uid = OTHER_UID if other_user else os.getuid()
    # Outside pytest's private temp folder, so that the other user can reach it.
    top = Path(tempfile.mkdtemp(prefix="kit-uid-"))
    top.chmod(0o755)
    container = DevContainer(copy_repo(top / unique("ws"), owner=uid), as_user=other_user)
    try:
        container.up()
        ids = container.sh("id -u; id -un")
        container.exec("poetry", "add", "six")
        container.exec("touch", "made-in-container.txt")
        git = container.exec("git", "status", "--porcelain", check=False)
        imported = container.sh("python -c 'import six; print(six.__file__)'")
        owner = (container.workspace / "made-in-container.txt").stat().st_uid
    finally:
        container.remove()
        shutil.rmtree(top, ignore_errors=True)

    assert ids.splitlines() == [str(uid), "vscode"]
    assert imported.startswith("/opt/venv/lib/python")
    assert owner == uid
    assert git.returncode == 0 and "dubious ownership" not in git.stdout, git.stdout
