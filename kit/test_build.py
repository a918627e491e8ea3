"""How the Dockerfile uses the build cache: a code change re-runs no dependency step, and
changes only the prod layer that holds the project's own files; nor does an edit of
pyproject.toml that changes no dependency."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import (
    dependency_steps,
    docker_build,
    edit_source,
    layers,
    remove_image,
    saved_image,
    steps_that_ran,
    unique,
)


def test_a_source_only_change_reruns_no_dependency_step_and_ships_one_small_layer(
    repo_copy: Path,
) -> None:
    tag = unique("kit-test-cache")
    try:
        docker_build(repo_copy, "prod", tag)
        before = layers(tag)
        edit_source(repo_copy)

        ran = steps_that_ran(docker_build(repo_copy, "prod", tag).stdout)
        after = layers(tag)
    finally:
        remove_image(tag)

    assert any(step.startswith("[app ") for step in ran), ran  # the change was seen...
    assert dependency_steps(ran) == [], ran  # ...and no dependency step re-ran
    assert after[:-1] == before[:-1]  # the base and the dependency layers are byte-identical
    assert after[-1] != before[-1]  # only the project's own layer is new


# Edits to pyproject.toml that change no dependency.
NOT_DEPENDENCIES = {
    "version bump": ('version = "0.1.0"', 'version = "0.2.0"'),
    "[tool.ruff] edit": ("line-length = 100", "line-length = 99"),
}


@pytest.mark.parametrize("edit", NOT_DEPENDENCIES.values(), ids=NOT_DEPENDENCIES.keys())
def test_a_pyproject_edit_that_changes_no_dependency_keeps_the_dependency_layer(
    repo_copy: Path, edit: tuple[str, str]
) -> None:
    tag = unique("kit-test-pyproject-edit")
    pyproject = repo_copy / "pyproject.toml"
    try:
        docker_build(repo_copy, "prod", tag)
        before = [layer.files for layer in saved_image(tag)]
        assert edit[0] in pyproject.read_text()
        pyproject.write_text(pyproject.read_text().replace(*edit))
        ran = steps_that_ran(docker_build(repo_copy, "prod", tag).stdout)
        after = [layer.files for layer in saved_image(tag)]
    finally:
        remove_image(tag)

    assert [step for step in ran if step.startswith("[deps ")] == [], ran
    # The same files below the project's own layer. (Their digests can differ where BuildKit
    # holds two cache records of the step: the dependency layer's file times are not yet fixed.)
    assert after[:-1] == before[:-1]
