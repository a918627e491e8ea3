"""Making the kit yours and using it everywhere: Codespaces prebuilds, a rename in one command,
another Python version, other CPU architectures."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kit.support import (
    PYTHON_VERSIONS,
    REPO,
    app_tests_pass,
    built,
    copy_repo,
    http_get,
    import_location,
    opened,
    run,
    serving,
    unique,
)

NEW_NAME = "acme-widgets"


def test_a_codespaces_prebuild_completes_the_venv_and_leaves_user_steps_for_later(
    repo_copy: Path,
) -> None:
    hook = repo_copy / ".git" / "hooks" / "pre-commit"
    with opened(repo_copy, "--prebuild") as container:
        after_prebuild = [import_location(container, m) for m in ("minimal_py_poetry", "debugpy")]
        hook_after_prebuild = hook.exists()
        container.up()
        passed = app_tests_pass(container)

    assert after_prebuild[0] == f"{container.remote_workspace}/src/minimal_py_poetry/__init__.py"
    assert after_prebuild[1].startswith("/opt/venv/"), after_prebuild
    assert not hook_after_prebuild, "postCreateCommand ran during the prebuild"
    assert hook.exists(), "postCreateCommand did not run after the prebuild"
    assert passed


def test_devcontainer_json_sizes_the_codespace() -> None:
    config = (REPO / ".devcontainer" / "devcontainer.json").read_text()

    assert '"hostRequirements"' in config
    assert re.search(r'"cpus":\s*[2-9]', config)


def snapshot(workspace: Path) -> dict[str, str]:
    return {
        str(path.relative_to(workspace)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(workspace.rglob("*"))
        if path.is_file() and ".git" not in path.parts
    }


def rename(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "scripts/rename", *args], cwd=workspace, check=False)


def test_rename_makes_a_project_that_builds_serves_and_passes_its_tests(tmp_path: Path) -> None:
    # Owned by us until renamed: git refuses to list a repository another user owns.
    workspace = copy_repo(tmp_path / unique("ws"), owner=os.geteuid())

    first = rename(workspace, NEW_NAME)
    renamed = snapshot(workspace)
    second = rename(workspace, NEW_NAME)

    assert first.returncode == 0, first.stdout
    assert second.returncode != 0
    assert f"already called '{NEW_NAME}'" in second.stdout
    assert snapshot(workspace) == renamed
    assert (workspace / "src" / "acme_widgets" / "app.py").is_file()
    leftovers = run(
        ["git", "grep", "-l", "-i", "-E", "minimal[-_]py[-_]poetry"], cwd=workspace, check=False
    )
    assert leftovers.stdout == "", leftovers.stdout

    if os.geteuid() == 0:
        run(["chown", "-R", "1000:1000", str(workspace)])
    with built(workspace, "prod") as tag:
        with serving(tag) as (_, url):
            status, _ = http_get(f"{url}/health")
        command = run(["docker", "inspect", "--format", "{{json .Config.Cmd}}", tag]).stdout
    with opened(workspace) as container:
        passed = app_tests_pass(container)
        location = import_location(container, "acme_widgets")

    assert status == 200
    assert command.strip() == '["acme-widgets"]'
    assert passed
    assert location == f"{container.remote_workspace}/src/acme_widgets/__init__.py"


@pytest.mark.parametrize("bad", ["Acme", "acme_widgets", "1acme", "acme--widgets", "class", ""])
def test_rename_refuses_an_invalid_name_and_changes_nothing(tmp_path: Path, bad: str) -> None:
    workspace = copy_repo(tmp_path / unique("ws"), owner=os.geteuid())
    before = snapshot(workspace)

    result = rename(workspace, bad)

    assert result.returncode == 2
    assert "not a valid project name" in result.stdout
    assert snapshot(workspace) == before


def test_dev_builds_and_runs_with_the_other_python_version(repo_copy: Path) -> None:
    other = PYTHON_VERSIONS[1]
    with built(repo_copy, "dev", "--build-arg", f"PYTHON_VERSION={other}") as tag:
        report = run(
            [
                "docker",
                "run",
                "--rm",
                tag,
                "bash",
                "-lc",
                "python -c 'import sys; print(sys.prefix, *sys.version_info[:2])';"
                " poetry --version; ruff --version; pytest --version",
            ]
        ).stdout

    assert report.splitlines()[0] == f"/opt/venv {other.replace('.', ' ')}"
    assert "Poetry (version 2." in report


def test_every_locked_binary_package_has_arm64_and_x86_64_wheels() -> None:
    # Nothing may tie the images to x86: each package is pure Python or ships wheels for both.
    lock = (REPO / "poetry.lock").read_text()
    for block in lock.split("[[package]]")[1:]:
        name = re.search(r'name = "([^"]+)"', block).group(1)
        wheels = re.findall(r'file = "([^"]+\.whl)"', block)
        assert wheels, f"{name}: no wheel at all, so every build compiles it"
        if any(w.endswith("-none-any.whl") for w in wheels):
            continue
        linux = [w for w in wheels if "linux" in w]
        assert any("x86_64" in w for w in linux), f"{name}: no Linux x86_64 wheel"
        assert any("aarch64" in w for w in linux), f"{name}: no Linux arm64 wheel"


def test_the_readme_shows_the_multi_platform_build() -> None:
    readme = (REPO / "README.md").read_text()

    assert "docker buildx build --platform linux/amd64,linux/arm64" in readme
    assert not re.search(r"(amd64|x86_64)", (REPO / "Dockerfile").read_text())
