"""How the Dockerfile uses the build cache: code changes never re-run the dependency steps."""

from __future__ import annotations

from pathlib import Path

from support import docker_build, remove_image, steps_that_ran, unique

# The stages that install Poetry and the dependencies (see the Dockerfile).
DEPENDENCY_STAGES = ("poetry", "locked", "deps")


def stage(step: str) -> str:
    """`[deps 2/2] RUN ...` -> `deps`"""
    return step.lstrip("[").split(" ", 1)[0]


def test_a_source_only_change_reruns_no_dependency_step(repo_copy: Path) -> None:
    tag = unique("kit-test-cache")
    try:
        docker_build(repo_copy, "prod", tag)
        app = repo_copy / "src" / "minimal_py_poetry" / "app.py"
        # Unique, so that no earlier run's build cache already holds this content.
        app.write_text(app.read_text() + f"\n\n# a source-only change: {unique('edit')}\n")

        ran = steps_that_ran(docker_build(repo_copy, "prod", tag).stdout)
    finally:
        remove_image(tag)

    assert any("COPY src" in step for step in ran), ran  # the change was seen...
    assert [step for step in ran if stage(step) in DEPENDENCY_STAGES] == [], ran  # ...deps were not
