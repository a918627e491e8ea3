"""Workspaces as users have them: any folder path, no git, git worktrees, any host UID and GID.
Each is opened by the real Dev Containers CLI, as VS Code's "Reopen in Container" opens it."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from kit.support import (
    GIT_IDENTITY,
    HOST_UID,
    IN_CI,
    DevContainer,
    app_tests_pass,
    commit_everything,
    container_image,
    copy_repo,
    host_user,
    import_location,
    opened,
    run,
    unique,
)

PACKAGE = "minimal_py_poetry"

# Folder names users have: spaces ("My Projects"), letters beyond ASCII, capitals, and the
# characters a shell treats specially, in the parent folder and in the workspace's own name.
AWKWARD_PATHS = {
    "space": "My Projects/Minimal Py Poetry",
    "non-ascii and shell-special": "Données (copie)/l'app & $HOME (v2)",
}


def installed_from_the_workspace(container: DevContainer) -> bool:
    expected = f"{container.remote_workspace}/src/{PACKAGE}/__init__.py"
    return import_location(container, PACKAGE) == expected


def git_works(container: DevContainer) -> bool:
    return container.exec("git", "status", "--porcelain", check=False).returncode == 0


@pytest.mark.parametrize("path", AWKWARD_PATHS.values(), ids=AWKWARD_PATHS.keys())
def test_a_workspace_at_any_path_opens_installs_the_project_and_passes_its_tests(
    tmp_path: Path, path: str
) -> None:
    workspace = copy_repo(tmp_path / path)
    hook = workspace / ".git" / "hooks" / "pre-commit"

    with opened(workspace) as container:
        assert container.remote_workspace == f"/workspaces/{workspace.name}"
        assert installed_from_the_workspace(container)
        assert app_tests_pass(container)
        assert git_works(container)
        assert hook.exists(), "postCreateCommand did not install the pre-commit hook"
        hooks = container.exec("pre-commit", "run", "--all-files", check=False)
        assert hooks.returncode == 0, hooks.stdout


def test_a_workspace_without_git_opens_and_says_how_to_add_the_hook(tmp_path: Path) -> None:
    # What a downloaded archive of the project looks like: the files, no .git.
    clone = copy_repo(tmp_path / unique("clone"), owner=os.geteuid())
    archive = tmp_path / "project.tar"
    run(
        ["git", "archive", "--format=tar", "--prefix=project/", "-o", str(archive), "HEAD"],
        cwd=clone,
    )
    run(["tar", "-xf", str(archive), "-C", str(tmp_path)])
    workspace = tmp_path / "project"
    if os.geteuid() == 0:
        run(["chown", "-R", f"{HOST_UID}:{HOST_UID}", str(workspace)])
    assert not (workspace / ".git").exists()

    with opened(workspace) as container:
        assert installed_from_the_workspace(container)
        assert app_tests_pass(container)
        assert "after 'git init'" in container.up_log
        assert "run: pre-commit install" in container.up_log
        # The README's two commands, once the user wants git.
        container.exec("git", "init", "-q")
        container.exec("pre-commit", "install")

    assert (workspace / ".git" / "hooks" / "pre-commit").exists()


def test_a_project_in_a_subfolder_of_a_repository_opens_with_git_and_its_hook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A service in a monorepo: the CLI, like VS Code, mounts the repository's root and opens the
    project's folder in it. The files belong to a UID other than the container user's, as on
    Docker Desktop, so git trusts the repository only if told to."""
    top = tmp_path / unique("monorepo")
    project = copy_repo(top / "services" / "api", owner=os.geteuid())
    shutil.move(project / ".git", top / ".git")
    (top / "README.md").write_text("Many services.\n")
    commit_everything(top, "the api, in services/")
    if os.geteuid() == 0:  # the CLI as root maps no UID: vscode (1000) is not the owner
        run(["chown", "-R", "2345:2345", str(top)])
        run(["chmod", "-R", "a+rwX", str(top)])
    for key, value in {"COUNT": "1", "KEY_0": "safe.directory", "VALUE_0": "*"}.items():
        monkeypatch.setenv(f"GIT_CONFIG_{key}", value)  # the host user's git owns the repository

    with opened(project) as container:
        assert container.remote_workspace == f"/workspaces/{top.name}/services/api"
        assert installed_from_the_workspace(container)
        assert app_tests_pass(container)
        assert git_works(container), container.up_log

    assert (top / ".git" / "hooks" / "pre-commit").exists()


# --- git worktrees ---------------------------------------------------------------------------


@pytest.fixture
def worktree(tmp_path: Path, dev_container: DevContainer) -> Path:
    """A worktree of a copy of the kit, made with `git worktree add --relative-paths` (git 2.48
    or newer: the dev image's git, as the host's may be older), both owned by a typical user."""
    top = tmp_path / unique("repo")
    main = copy_repo(top / "main")
    if os.geteuid() == 0:
        os.chown(top, HOST_UID, HOST_UID)  # the worktree is made beside main, by that user
    image = container_image(dev_container.container_id)
    assert image, "the dev container's image is not known"
    run(
        [
            "docker", "run", "--rm", "--user", f"{HOST_UID}:{HOST_UID}", "-v", f"{top}:/top",
            "-w", "/top/main", image,
            "git", *GIT_IDENTITY, "worktree", "add", "-q", "--relative-paths", "-b", "feature",
            "../feature",
        ]
    )  # fmt: skip
    assert (top / "feature" / ".git").read_text().startswith("gitdir: ../main/.git/worktrees/")
    assert (main / ".git").is_dir()
    return top / "feature"


def test_a_worktree_opens_and_works_with_git_when_its_common_dir_is_mounted(
    worktree: Path,
) -> None:
    with opened(worktree, "--mount-git-worktree-common-dir") as container:
        assert installed_from_the_workspace(container)
        assert app_tests_pass(container)
        assert container.sh("git branch --show-current") == "feature"
        assert git_works(container)

    # pre-commit installs its hook where git keeps the hooks of every worktree: the common dir.
    assert (worktree.parent / "main" / ".git" / "hooks" / "pre-commit").exists()


def test_a_worktree_opens_without_the_mount_and_git_says_why_it_cannot_work(
    worktree: Path,
) -> None:
    with opened(worktree) as container:
        assert installed_from_the_workspace(container)
        assert app_tests_pass(container)
        status = container.exec("git", "status", check=False)
        assert status.returncode != 0
        assert "not a git repository" in status.stdout
        assert "../main/.git/worktrees/feature" in status.stdout
        assert "no pre-commit hook, because git says" in container.up_log


# --- host users: any UID, and a GID the image already has under another name -------------------

HOST_USERS = {
    "uid 2345, own group": (2345, None),
    "uid 2468, gid 100 (users)": (2468, 100),
    "uid 2469, gid 20 (dialout)": (2469, 20),
}


@pytest.fixture(params=HOST_USERS.values(), ids=HOST_USERS.keys())
def other_user(request: pytest.FixtureRequest) -> Iterator[tuple[int, int, list[str]]]:
    """(UID, GID, the prefix that runs a command as that host user)."""
    uid, gid = request.param
    if os.geteuid() != 0:
        if IN_CI:
            pytest.fail("CI=true: this test makes host users, so it runs as root")
        pytest.skip("needs root, to make the host user")
    with host_user(uid, gid) as as_user:
        yield uid, gid if gid is not None else uid, as_user


def test_a_host_user_of_any_uid_and_gid_can_poetry_add_and_owns_what_it_writes(
    other_user: tuple[int, int, list[str]],
) -> None:
    uid, gid, as_user = other_user
    # Outside pytest's private temp folder, so that the other user can reach it.
    top = Path(tempfile.mkdtemp(prefix="kit-uid-"))
    top.chmod(0o755)
    try:
        workspace = copy_repo(top / unique("ws"), owner=uid)
        run(["chown", "-R", f"{uid}:{gid}", str(workspace)])
        with opened(workspace, as_user=as_user) as container:
            ids = container.sh("id -u; id -g; id -un")
            container.exec("poetry", "add", "six")
            container.exec("touch", "made-in-container.txt")
            imported = import_location(container, "six")
            assert git_works(container)
        written = [workspace / name for name in ("poetry.lock", "made-in-container.txt")]
        owners = {(path.stat().st_uid, path.stat().st_gid) for path in written}
    finally:
        shutil.rmtree(top, ignore_errors=True)

    assert ids.splitlines() == [str(uid), str(gid), "vscode"]
    assert imported.startswith("/opt/venv/lib/python")
    assert owners == {(uid, gid)}
