"""Lint gates that run in a container: the Dockerfile (hadolint, as CI runs it) and every shell
script (shellcheck). The rest of the kit's lint needs no Docker: kit/core/test_lint.py."""

from __future__ import annotations

import re

from kit.support import REPO, repo_files, run


def shell_scripts() -> list[str]:
    scripts = []
    for name in repo_files():
        if name.startswith("kit/core/corpus/"):
            continue  # skeletons of other projects' files (a script's `exec "$@"` line), not ours
        with open(REPO / name, "rb") as handle:
            first = handle.readline()
        if name.endswith(".sh") or re.match(rb"#!.*\b(ba|da)?sh\b", first):
            scripts.append(name)
    return scripts


def test_hadolint_passes_on_the_dockerfile(validators: list[str]) -> None:
    result = run(
        [*validators, "hadolint", "--failure-threshold", "info", "Dockerfile"], check=False
    )

    assert result.returncode == 0, result.stdout


def test_shellcheck_passes_on_every_shell_script(validators: list[str]) -> None:
    scripts = shell_scripts()
    assert ".ci/run" in scripts

    result = run([*validators, "shellcheck", "--severity=style", *scripts], check=False)

    assert result.returncode == 0, result.stdout
