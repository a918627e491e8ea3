"""How the Dockerfile uses the build cache: a code change re-runs no dependency step, and
changes only the prod layer that holds the project's own files."""

from __future__ import annotations

from pathlib import Path

from support import (
    dependency_steps,
    docker_build,
    edit_source,
    layers,
    remove_image,
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
