"""Lint gates: the Dockerfile (hadolint, as CI runs it) and every shell script
(shellcheck), with no finding silenced without a reason next to it."""

from __future__ import annotations

import re

from kit.support import REPO, repo_files, run


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


def test_the_dockerfile_reads_one_command_a_line_within_100_columns() -> None:
    lines = (REPO / "Dockerfile").read_text().splitlines()
    long = [f"line {i}" for i, line in enumerate(lines, 1) if len(line) > 100]
    # Outside heredocs (RUN <<EOF ... EOF, where `set -eu` stops at a failure), no && chains.
    chained, heredoc_end = [], None
    for i, line in enumerate(lines, 1):
        if heredoc_end:
            heredoc_end = None if line == heredoc_end else heredoc_end
        elif started := re.search(r"<<-?'?(\w+)'?\s*\\?$", line):
            heredoc_end = started.group(1)
        elif "&&" in line:
            chained.append(f"line {i}")

    assert not long, f"Dockerfile lines over 100 characters: {long}"
    assert not chained, f"Dockerfile && chains outside a heredoc: {chained}"
