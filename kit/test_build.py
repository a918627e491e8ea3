"""How the Dockerfile uses the build cache: a code change re-runs no dependency step, and
changes only the prod layer that holds the project's own files; nor does an edit of
pyproject.toml that changes no dependency; and the same commit builds the same image."""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from kit.support import (
    REPO,
    Layer,
    built,
    commit_time,
    context_free_steps,
    dependency_steps,
    docker_build,
    edit_source,
    image_tag,
    labels,
    layers,
    mirror_build_args,
    on_classic_image_store,
    run,
    saved_image,
    steps_that_ran,
    unique,
    venv_distributions,
)

# What these tests say of the build cache holds while no other build of the same sample forces
# steps on the other worker: test_leaks' --no-cache-filter builds re-ran the venv step here (three
# runs of four, the two files on two workers). They share test_leaks' worker, one at a time.
pytestmark = pytest.mark.xdist_group("leaks")


def test_a_source_only_change_reruns_no_dependency_step_and_ships_one_small_layer(
    repo_copy: Path,
) -> None:
    with built(repo_copy, "prod") as tag:
        before = layers(tag)
        for _ in range(2):
            edit_source(repo_copy)
            output = docker_build(repo_copy, "prod", tag).stdout
            ran = steps_that_ran(output)
            # A step that reads nothing of the project ran: the engine had lost its cache (seen
            # in full runs, beside the other worker's builds and image removals), which no edit
            # can cause. Built once, the cache is warm again: a second edit shows what one does.
            if not context_free_steps(ran):
                break
        after = layers(tag)

    assert any(step.startswith("[app-files ") for step in ran), ran  # the change was seen...
    assert dependency_steps(ran) == [], ran  # ...and no dependency step re-ran
    # Nor did BuildKit merge the venv's files into a new snapshot for the smoke test (what
    # `COPY --link` layers below a RUN cost at every change: seconds for a large venv).
    assert " merging" not in output, output
    assert after[:-1] == before[:-1]  # the base and the dependency layers are byte-identical
    assert after[-1] != before[-1]  # only the project's own layer is new


def test_two_projects_built_on_one_machine_keep_their_own_venv_cache(repo_copy: Path) -> None:
    """The venv a dependency step syncs lives on in a cache mount, one per project (by its
    IMAGE_TITLE): building another project in between leaves this one's as it was, so its next
    sync has nothing to install or remove. (Here the other project is the sample with its dev
    group in prod too: the same lock, more packages.)"""
    projects = {"this": [], "other": ["--build-arg", "PROD_GROUPS=dev"]}
    lock = repo_copy / "poetry.lock"

    def build(project: str, tag: str) -> str:
        """Build a project's prod, its dependency step run for a lock no build has seen (a new
        comment at its end), with the venv cache as it is. (`--no-cache` would give the step
        an empty cache mount.)"""
        lock.write_text(lock.read_text() + f"# {unique('a new lock')}\n")
        title = ["--build-arg", f"IMAGE_TITLE=kit-test-{project}-project"]
        return docker_build(repo_copy, "prod", tag, *title, *projects[project]).stdout

    with image_tag() as tag:
        build("this", tag)
        assert re.search(r"Resolved \d+ packages", build("other", tag))  # its own sync ran
        again = build("this", tag)

    assert re.search(r"Checked \d+ packages", again)  # uv's words for nothing to do
    assert "Installed" not in again and "Uninstalled" not in again


# Edits to pyproject.toml that change no dependency.
NOT_DEPENDENCIES = {
    "version bump": ('version = "0.1.0"', 'version = "0.2.0"'),
    "[tool.ruff] edit": ("line-length = 100", "line-length = 99"),
}


@pytest.mark.parametrize("edit", NOT_DEPENDENCIES.values(), ids=NOT_DEPENDENCIES.keys())
def test_a_pyproject_edit_that_changes_no_dependency_keeps_the_dependency_layer(
    repo_copy: Path, edit: tuple[str, str]
) -> None:
    pyproject = repo_copy / "pyproject.toml"
    with built(repo_copy, "prod") as tag:
        before = layers(tag)
        assert edit[0] in pyproject.read_text()
        pyproject.write_text(pyproject.read_text().replace(*edit))
        ran = steps_that_ran(docker_build(repo_copy, "prod", tag).stdout)
        after = layers(tag)

    # locked re-runs (it reads pyproject.toml) and passes on the same cut-down file: venv, cached.
    assert [step for step in ran if step.startswith("[venv ")] == [], ran
    assert after[:-1] == before[:-1]  # the base and the dependency layers are byte-identical


def entries_that_differ(one: Layer, other: Layer) -> dict[str, tuple[object, object]]:
    """The first few entries that one layer has and the other has not, or not the same: each with
    its tar header in both (type, owner, mode, link, time, owner names, PAX records, size; None
    where it is missing)."""
    names = sorted(set(one.entries) | set(other.entries))
    names = [name for name in names if one.entries.get(name) != other.entries.get(name)]
    return {name: (one.headers.get(name), other.headers.get(name)) for name in names[:8]}


def readme_reproducible_build(repo: Path, tag: str, *flags: str) -> str:
    """Run docs/production.md's reproducible build (a shell command: its build args come from
    git) in a repository, with this test's tag and extra flags; its output."""
    page = (REPO / "docs" / "production.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", page, re.S)
    found = [block for block in blocks if "--build-arg SOURCE_DATE_EPOCH=" in block]
    assert len(found) == 1, "docs/production.md: no one reproducible build with SOURCE_DATE_EPOCH"
    command = found[0].replace("\\\n", " ").replace("-t minimal-py-poetry", f"-t {tag}")
    command = command.replace("docker build ", f"docker build {' '.join(flags)} ", 1)
    trusted = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "safe.directory"}  # a copy's owner
    env = {**os.environ, **trusted, "GIT_CONFIG_VALUE_0": str(repo)}
    return run(["sh", "-c", command], cwd=repo, env=env).stdout


def test_the_same_commit_builds_the_same_prod_image_from_an_empty_build_cache(
    repo_copy: Path,
) -> None:
    plain = ["--progress=plain", *mirror_build_args()]
    with image_tag() as first, image_tag() as second:
        readme_reproducible_build(repo_copy, first, *plain)
        # As a fresh CI runner builds: no step taken from the cache, and a venv cache of its own,
        # empty (a prune of the engine's cache mounts would make every other build cold), named
        # as the Dockerfile names them, so that the suite's trim counts it among throw-away ones.
        fresh = ["--no-cache", "--build-arg", f"VENV_CACHE=venv-{unique('fresh')}-linux/any"]
        ran = steps_that_ran(readme_reproducible_build(repo_copy, second, *plain, *fresh))
        one, other = saved_image(first), saved_image(second)
        created = {labels(tag)["org.opencontainers.image.created"] for tag in (first, second)}

    assert any(step.startswith("[venv ") for step in ran), ran  # nothing came from the cache
    # The docs' CREATED is the commit's time, in RFC 3339.
    committed = datetime.fromtimestamp(int(commit_time(repo_copy)), timezone.utc)
    assert created == {committed.strftime("%Y-%m-%dT%H:%M:%SZ")}
    # The same entries in every layer: the same files, to the byte, the owner and the time, in
    # the same tar headers (shown entry by entry where they differ).
    assert len(other.layers) == len(one.layers)
    for number, (a, b) in enumerate(zip(one.layers, other.layers)):
        assert entries_that_differ(a, b) == {}, f"layer {number}"
    if on_classic_image_store():
        # The classic store's engine stamps whiteouts (the base's pip, removed) with the time it
        # writes the layer: that one layer's tar differs; every other is the same to the byte.
        kept = [(a.diff_id, b.diff_id) for a, b in zip(one.layers, other.layers) if not a.whiteouts]
        assert all(a == b for a, b in kept) and len(kept) == len(one.layers) - 1
        return
    assert [layer.diff_id for layer in other.layers] == [layer.diff_id for layer in one.layers]
    assert other.config_digest == one.config_digest  # the same image, to the last byte


def test_prods_venv_from_the_lock_by_uv_is_the_one_poetry_sync_makes(repo_copy: Path) -> None:
    """The venv step's lock reader picks what `poetry sync` installs, here for the main and dev
    groups (dev has markers of its own for packages main shares): the same distributions at the
    same versions."""
    args = ["--build-arg", "PROD_GROUPS=dev", "--build-arg", "IMAGE_TITLE=kit-test-parity"]
    by_uv = venv_distributions(repo_copy, *args)
    by_poetry = venv_distributions(repo_copy, *args, "--build-arg", "PROD_INSTALLER=poetry")

    assert by_uv.pop("(said)") == ""  # no fallback: uv installed
    assert "PROD_INSTALLER is poetry" in by_poetry.pop("(said)")
    assert by_uv == by_poetry
    assert {"fastapi", "uvicorn"} <= by_uv.keys()
    assert "pytest" in by_uv
