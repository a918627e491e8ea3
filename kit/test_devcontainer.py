"""The dev target, opened the way VS Code and Codespaces open it: `devcontainer up`, then
`devcontainer exec` for what a developer does in the container's terminal."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from kit.support import (
    REPO,
    DevContainer,
    app_tests_pass,
    container_image,
    import_location,
    opened,
    readme_command,
)

VENV_PYTHON = "/opt/venv/bin/python"
SHELLS = {
    "non-login bash": ["bash", "-c"],
    "login bash": ["bash", "-lc"],
    "interactive login bash": ["bash", "-lic"],
    "sh": ["sh", "-c"],
}


def test_workspace_is_mounted_at_the_default_path(dev_container: DevContainer) -> None:
    assert dev_container.remote_workspace == f"/workspaces/{dev_container.workspace.name}"
    assert dev_container.remote_user == "vscode"
    assert dev_container.sh("id -un; pwd") == f"vscode\n{dev_container.remote_workspace}"


def test_the_image_has_the_name_the_cleanup_removes(dev_container: DevContainer) -> None:
    # The image is removed by its name when a failed `up` made no container to find it by.
    image = container_image(dev_container.container_id)
    assert image.removesuffix("-uid") == dev_container.image_name()


@pytest.mark.parametrize("shell", SHELLS.values(), ids=SHELLS.keys())
def test_python_is_the_opt_venv_interpreter_in_every_shell(
    dev_container: DevContainer, shell: list[str]
) -> None:
    found = dev_container.exec(
        *shell, 'command -v python; python -c "import sys; print(sys.prefix)"'
    )

    assert found.stdout.strip().splitlines()[-2:] == [VENV_PYTHON, "/opt/venv"]


def test_dev_tools_run_from_the_venv(dev_container: DevContainer) -> None:
    for tool in ("ruff", "pytest", "pre-commit", "debugpy"):
        assert dev_container.sh(f"command -v {tool}") == f"/opt/venv/bin/{tool}"
    versions = dev_container.sh(
        "python -m debugpy --version && ruff --version && pytest --version"
        " && pre-commit --version && poetry --version"
    )

    assert "ruff " in versions
    assert "pytest " in versions
    assert "pre-commit " in versions
    assert "Poetry (version 2." in versions


def test_pip_is_absent_and_says_to_use_poetry_add(dev_container: DevContainer) -> None:
    result = dev_container.exec("pip", "install", "six", check=False)
    module = dev_container.exec("python", "-m", "pip", "--version", check=False)

    assert result.returncode != 0
    assert "poetry add" in result.stdout
    assert module.returncode != 0
    assert (
        dev_container.sh("ls /opt/venv/lib/python*/site-packages | grep -c '^six' || true") == "0"
    )


def test_poetry_uses_opt_venv_and_lives_outside_it(dev_container: DevContainer) -> None:
    assert dev_container.sh("poetry env info --path") == "/opt/venv"
    assert dev_container.sh("readlink -f $(command -v poetry)").startswith("/opt/poetry/")


def test_poetry_is_exactly_the_pinned_set_of_poetry_requirements(
    dev_container: DevContainer,
) -> None:
    listed = dev_container.sh(
        "/opt/poetry/bin/python -c 'import importlib.metadata as m;"
        ' print("\\n".join(f"{d.name}=={d.version}" for d in m.distributions()))\''
    )
    pinned = (REPO / "poetry-requirements.txt").read_text().splitlines()
    installer = {pin for pin in normalized(pinned) if pin.startswith("uv==")}

    assert installer, "poetry-requirements.txt pins the uv that installs the rest"
    assert normalized(listed.splitlines()) == normalized(pinned) - installer


def normalized(requirements: list[str]) -> set[str]:
    """`Name==1.0` lines as PEP 503 names (`name==1.0`), without comments or blank lines."""
    pins = [line.split("==") for line in requirements if line and not line.startswith("#")]
    return {re.sub(r"[-_.]+", "-", name).lower() + "==" + version for name, version in pins}


def test_project_is_installed_editable_from_the_workspace(dev_container: DevContainer) -> None:
    location = import_location(dev_container, "minimal_py_poetry")

    assert location == f"{dev_container.remote_workspace}/src/minimal_py_poetry/__init__.py"


def test_app_tests_pass_inside_the_container(dev_container: DevContainer) -> None:
    assert app_tests_pass(dev_container)


def test_the_readmes_pytest_runs_the_apps_tests_in_the_workspace(
    dev_container: DevContainer,
) -> None:
    ran = dev_container.exec("bash", "-c", readme_command("pytest"), check=False)

    assert ran.returncode == 0, ran.stdout
    assert re.search(r"\d+ passed", ran.stdout), ran.stdout


def test_the_readmes_serve_command_serves_the_app_in_the_container(
    dev_container: DevContainer,
) -> None:
    serve = readme_command("minimal-py-poetry")
    health = "import urllib.request as r; print(r.urlopen('http://127.0.0.1:8000/health').read())"
    script = f"""{serve} >/tmp/serve.log 2>&1 & server=$!
for _ in $(seq 60); do python -c "{health}" 2>/dev/null && break; sleep 0.5; done
kill $server; cat /tmp/serve.log"""

    said = dev_container.sh(script)

    assert said.startswith('b\'{"status":"ok"}\''), said


def test_pre_commit_hooks_are_installed_and_pass_on_all_files(
    dev_container: DevContainer,
) -> None:
    hook = dev_container.workspace / ".git" / "hooks" / "pre-commit"

    assert hook.exists(), "postCreateCommand did not install the pre-commit hook"
    result = dev_container.exec("bash", "-c", readme_command("pre-commit run --all-files"))
    assert "Failed" not in result.stdout


def test_git_trusts_the_workspace(dev_container: DevContainer) -> None:
    status = dev_container.exec("git", "status", "--porcelain", check=False)

    assert status.returncode == 0, status.stdout
    assert "dubious ownership" not in status.stdout


@pytest.fixture
def own_dev_container(repo_copy: Path) -> Iterator[DevContainer]:
    """A dev container of its own, for a test that changes the workspace and the venv."""
    with opened(repo_copy) as container:
        yield container


def test_poetry_add_installs_into_opt_venv_and_locks_in_the_workspace(
    own_dev_container: DevContainer,
) -> None:
    workspace = own_dev_container.workspace

    own_dev_container.sh(readme_command("poetry add requests"))
    own_dev_container.sh(readme_command("poetry add --group dev mypy"))

    assert import_location(own_dev_container, "requests").startswith("/opt/venv/lib/python")
    assert own_dev_container.sh("command -v mypy") == "/opt/venv/bin/mypy"
    lock = (workspace / "poetry.lock").read_text()
    assert 'name = "requests"' in lock and 'name = "mypy"' in lock
    pyproject = (workspace / "pyproject.toml").read_text()
    main, dev = pyproject.split("[tool.poetry.group.dev.dependencies]")
    tables = {"[project]": main.split("\n[", 1)[0], "dev group": dev.split("\n[", 1)[0]}
    assert '"requests' in tables["[project]"] and "mypy" not in main
    assert "mypy = " in tables["dev group"]
    assert own_dev_container.sh("poetry check --lock").startswith("All set!")
    # Poetry made no virtualenv of its own.
    venvs_path = own_dev_container.sh("poetry config virtualenvs.path")
    assert venvs_path.startswith("/home/vscode/.cache/pypoetry/"), venvs_path
    assert own_dev_container.sh(f"ls -A {venvs_path} 2>/dev/null || true") == ""


def test_a_poetry_plugin_the_project_requires_is_installed_for_it_and_runs(
    repo_copy: Path,
) -> None:
    """Since Poetry 2, `poetry export` is a plugin, which a project names in
    [tool.poetry.requires-plugins]; Poetry installs it into the project's .poetry/ when it syncs
    the project (updateContentCommand's `poetry sync`), as the container's user."""
    pyproject = repo_copy / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text() + '\n[tool.poetry.requires-plugins]\npoetry-plugin-export = ">=1.8"\n'
    )

    with opened(repo_copy) as container:
        exported = container.exec("poetry", "export", "--only", "main", "--without-hashes")

    assert re.search(r"(?m)^fastapi==", exported.stdout), exported.stdout
    assert (repo_copy / ".poetry" / "plugins" / "poetry_plugin_export").is_dir()
