"""Lint gates: the Dockerfile (hadolint, as CI runs it) and every shell script
(shellcheck), with no finding silenced without a reason next to it."""

from __future__ import annotations

import re

from support import REPO, repo_files, run


def shell_scripts() -> list[str]:
    scripts = []
    for name in repo_files():
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


def test_every_hadolint_ignore_has_a_reason_above_it() -> None:
    lines = (REPO / "Dockerfile").read_text().splitlines()
    ignores = [i for i, line in enumerate(lines) if line.startswith("# hadolint ignore=")]

    assert not (REPO / ".hadolint.yaml").exists(), "ignores belong next to the line they excuse"
    for i in ignores:
        reason = lines[i - 1]
        assert reason.startswith("#") and "hadolint" not in reason, f"line {i + 1}: no reason"


def test_shellcheck_passes_on_every_shell_script(validators: list[str]) -> None:
    scripts = shell_scripts()
    assert ".ci/run" in scripts

    result = run([*validators, "shellcheck", "--severity=style", *scripts], check=False)

    assert result.returncode == 0, result.stdout
