"""Making the kit yours and using it everywhere: Codespaces prebuilds, a new project or a rename
in one command, another Python version, other CPU architectures."""

from __future__ import annotations

import os
from pathlib import Path

from kit.support import (
    PYTHON_VERSIONS,
    app_tests_pass,
    as_written,
    built,
    copy_repo,
    http_get,
    import_location,
    opened,
    readme_command,
    rename,
    run,
    serving,
    snapshot,
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


def test_rename_makes_a_project_that_builds_serves_and_passes_its_tests(tmp_path: Path) -> None:
    # Owned by us until renamed: git refuses to list a repository another user owns.
    workspace = copy_repo(tmp_path / unique("ws"), owner=os.geteuid())

    first = as_written(workspace, readme_command("python3 scripts/rename acme-widgets"))
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


def test_new_makes_a_project_without_the_kits_tooling_that_opens_builds_and_serves(
    tmp_path: Path,
) -> None:
    kit = copy_repo(tmp_path / unique("new") / "kit", owner=os.geteuid())  # git's: the user's
    # The README's command as written, from a clone of the kit: the project lands beside it.
    made = as_written(kit, readme_command("python3 scripts/new ../acme-widgets"))
    assert made.returncode == 0, made.stdout
    target = kit.parent / NEW_NAME

    kit_only = ["kit", "bench", "docs", "scripts", ".ci", ".github/workflows/ci.yml"]
    assert [name for name in kit_only if (target / name).exists()] == [], made.stdout
    assert (target / ".github/workflows/container.yml").is_file()  # the image's CI and release
    assert (target / ".git").is_dir()
    assert (target / "src" / "acme_widgets" / "app.py").is_file()
    leftovers = run(["grep", "-rlEi", "minimal[-_]py[-_]poetry", str(target), "--exclude-dir=.git",
                     "--exclude=README.md"], check=False)  # fmt: skip
    assert leftovers.stdout == ""

    if os.geteuid() == 0:
        run(["chown", "-R", "1000:1000", str(target)])
    with built(target, "prod") as tag, serving(tag) as (_, url):
        status, _ = http_get(f"{url}/health")
    with opened(target) as container:
        interpreter = container.sh("command -v python")
        passed = app_tests_pass(container)

    assert status == 200
    assert interpreter == "/opt/venv/bin/python"
    assert passed


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
