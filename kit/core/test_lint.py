"""The kit's own files read as they should: its Python is ruff-clean and formatted, its
Dockerfile holds no Python program and reads one command a line, every silenced hadolint finding
says why, and no module of adopt's or script grows past what reads in one sitting."""

from __future__ import annotations

import re
import subprocess
import sys

from kit.support import REPO, readme_commands, repo_files

LONGEST = 500  # lines: a module read in one sitting


def python_files() -> list[str]:
    """The kit's Python: its .py files and its scripts that start with a Python shebang."""
    found = []
    for name in repo_files():
        if name.startswith(("kit/core/examples/", "kit/core/corpus/")):
            continue  # the users' code, as they wrote it (or a skeleton of it)
        with open(REPO / name, "rb") as handle:
            first = handle.readline()
        if name.endswith(".py") or first.startswith(b"#!/usr/bin/env python"):
            found.append(name)
    return found


def ruff(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "ruff", *args, *python_files()]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True)


def test_the_kits_python_passes_ruff() -> None:
    checked = ruff("check", "--no-cache")

    assert "scripts/adopt" in python_files() and "kit_build.py" in python_files()
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_kits_python_is_formatted_as_ruff_formats_it() -> None:
    formatted = ruff("format", "--check", "--no-cache")

    assert formatted.returncode == 0, formatted.stdout + formatted.stderr


def test_no_module_of_adopts_or_script_is_longer_than_one_sitting() -> None:
    scripts = [name for name in python_files() if name.startswith("scripts/")]
    long = {
        name: n for name in scripts if (n := len((REPO / name).read_text().splitlines())) > LONGEST
    }

    assert "scripts/adoption/rules.py" in scripts
    assert long == {}


def test_the_dockerfile_holds_no_python_program() -> None:
    text = (REPO / "Dockerfile").read_text()

    assert not re.search(r"python3? - <<", text)
    assert not re.search(r'python3?[^\n]* -c "[^"\n]*\\n', text)  # a program in one string
    assert not re.search(r"python3? -c '[^'\n]*$", text, re.M)  # one continued on the next line


def test_every_hadolint_ignore_has_a_reason_above_it() -> None:
    lines = (REPO / "Dockerfile").read_text().splitlines()
    ignores = [i for i, line in enumerate(lines) if line.startswith("# hadolint ignore=")]

    assert not (REPO / ".hadolint.yaml").exists(), "ignores belong next to the line they excuse"
    for i in ignores:
        reason = lines[i - 1]
        assert reason.startswith("#") and "hadolint" not in reason, f"line {i + 1}: no reason"


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


def comment_blocks(lines: list[str]) -> list[int]:
    """The length of each run of comment lines (a hadolint directive is one too)."""
    blocks, run = [], 0
    for line in [*lines, ""]:
        if line.startswith("#"):
            run += 1
        elif run:
            blocks, run = [*blocks, run], 0
    return blocks


def test_the_dockerfile_reads_as_a_recipe_in_minutes() -> None:
    lines = (REPO / "Dockerfile").read_text().splitlines()

    assert len(lines) <= 250, "the why of a step goes to docs/how-it-works.md, its how to kit_build"
    assert max(comment_blocks(lines)) <= 3


def test_the_readme_is_a_front_door_and_each_docs_page_one_sitting() -> None:
    pages = {name: len((REPO / name).read_text().splitlines()) for name in repo_files()}
    docs = {name: n for name, n in pages.items() if name.startswith("docs/") and n > 300}

    assert pages["README.md"] <= 150
    assert docs == {}


def claimed_readme_commands() -> set[str]:
    """The README commands a test runs as written: named through readme_command("...") (its
    string literals joined), or a line of .ci/run (the whole suite: what CI runs)."""
    sources = "".join(
        (REPO / name).read_text()
        for name in repo_files()
        if name.startswith("kit/") and name.endswith(".py")
    )
    calls = re.findall(r'readme_command\(\s*((?:"[^"]*"\s*)+)\)', sources)
    claimed = {"".join(re.findall(r'"([^"]*)"', call)) for call in calls}
    return claimed | set((REPO / ".ci" / "run").read_text().splitlines())


def test_every_readme_command_is_one_a_test_runs_as_written() -> None:
    commands = set(readme_commands())

    assert "python3 scripts/test" in commands
    assert commands - claimed_readme_commands() == set()
