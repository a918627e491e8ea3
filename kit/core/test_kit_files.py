"""The kit's own files, read: devcontainer.json sizes the codespace, the lock ties nothing to
x86, the Dockerfile's dependency stages read no source, the workflow's actions are pinned, the
docs show the multi-platform build, and the kit's commands refuse bad input (scripts/rename)
or take any selection (scripts/test); and the suite's trim of the build cache. No Docker."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from kit.support import (
    REPO,
    WORKFLOWS,
    copy_repo,
    dependency_stages,
    rename,
    run,
    snapshot,
    stages,
    storage_to_keep,
    unique,
)


def test_devcontainer_json_sizes_the_codespace() -> None:
    config = (REPO / ".devcontainer" / "devcontainer.json").read_text()

    assert '"hostRequirements"' in config
    assert re.search(r'"cpus":\s*[2-9]', config)


@pytest.mark.parametrize("bad", ["Acme", "acme_widgets", "1acme", "acme--widgets", "class", ""])
def test_rename_refuses_an_invalid_name_and_changes_nothing(tmp_path: Path, bad: str) -> None:
    workspace = copy_repo(tmp_path / unique("ws"), owner=os.geteuid())
    before = snapshot(workspace)

    result = rename(workspace, bad)

    assert result.returncode == 2
    assert "not a valid project name" in result.stdout
    assert snapshot(workspace) == before


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


def test_the_docs_show_the_multi_platform_build() -> None:
    page = (REPO / "docs" / "changing.md").read_text()

    assert "docker buildx build --platform linux/amd64,linux/arm64" in page
    assert not re.search(r"(amd64|x86_64)", (REPO / "Dockerfile").read_text())


def test_the_dependency_stages_in_the_dockerfile_install_the_lock_and_read_no_source() -> None:
    """What the cache tests below call a dependency step: a renamed or reordered stage keeps them
    honest, and one that reads the project's files there would fail here."""
    found = {name: stage for name, stage in stages().items() if name in dependency_stages()}

    # kit_build.py's venv step: Poetry's sync of the lock (the dev stage runs its own).
    assert any("kit_build.py venv" in stage.text for stage in found.values()), found
    sync = r'bin/poetry", "--project", "/project", "sync"'
    assert re.search(sync, (REPO / "kit_build.py").read_text())
    assert any("COPY pyproject.toml poetry.lock" in stage.text for stage in found.values())
    assert [name for name, stage in found.items() if re.search(r"(?m)^COPY \. ", stage.text)] == []


def test_the_test_command_takes_a_selection_longer_than_a_file_name() -> None:
    # scripts/test tells test files from other arguments; a long -k expression is not a path.
    selection = " or ".join(f"no_test_is_named_{i:03d}_like_this" for i in range(30))
    assert len(selection) > 255

    result = run(
        ["python3", "scripts/test", "--fast", "--collect-only", "-q", "-k", selection],
        cwd=REPO,
        check=False,
    )

    assert "File name too long" not in result.stdout
    assert "deselected" in result.stdout, result.stdout[-3000:]


def test_workflow_actions_are_pinned_to_full_commit_shas() -> None:
    uses = re.findall(r"uses:\s*(\S+)", "".join((REPO / w).read_text() for w in WORKFLOWS))

    assert uses
    for action in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action), action


GB = 1e9


@pytest.mark.parametrize(
    ("total", "private", "bound", "asked"),
    [
        (40 * GB, 1 * GB, 60 * GB, None),  # within the bound: no prune at all
        (60 * GB, 1 * GB, 60 * GB, None),
        (65 * GB, 8 * GB, 60 * GB, 3 * GB),  # the private part, less the 5 GB over
        (65 * GB, 2 * GB, 60 * GB, 0.0),  # more over than unshared: everything it can
        (90 * GB, 80 * GB, 60 * GB, 50 * GB),
    ],
)
def test_the_build_cache_is_pruned_only_past_its_bound_and_down_to_it(
    total: float, private: float, bound: float, asked: float | None
) -> None:
    assert storage_to_keep(total, private, bound) == asked


def test_the_kits_manifest_holds_its_files_as_they_are() -> None:
    """.devcontainer/kit-manifest.json is what adopt writes for the kit's own files: after an edit
    of one (the Dockerfile, kit_build.py), run adopt's manifest again, or adopt run on the kit
    takes the edited file for the user's and stops."""
    from adoption.write import manifest

    path = REPO / ".devcontainer" / "kit-manifest.json"
    names = json.loads(path.read_text())["files"]
    assert path.read_text() == manifest({name: (REPO / name).read_text() for name in names})


@pytest.mark.parametrize("script", ["adopt", "new", "rename", "test"])
def test_each_scripts_help_exits_0_and_says_what_it_does_first(script: str) -> None:
    """Its own help, not an error or pytest's: no tool installed, nothing changed."""
    helped = run(["python3", f"scripts/{script}", "--help"], cwd=REPO, check=False)

    paragraphs = [part.strip() for part in helped.stdout.split("\n\n") if part.strip()]
    first = next(part for part in paragraphs if not part.startswith("usage:"))

    assert helped.returncode == 0, helped.stdout
    assert re.match(r"[A-Z][a-z]+ .*[.:]$", first, re.S), first  # "Run the kit's test suite: ..."
