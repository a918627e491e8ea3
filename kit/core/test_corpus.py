"""adopt on real public Poetry projects (kit/core/corpus/, see kit/core/corpus.py): what adopt
decided for each whole project, it decides for the project's skeleton; the skeleton holds no
line the decisions do not turn on (so no code of the project's beyond those); docs/adopt.md shows
the corpus as it is, each end-to-end result with its reason where it failed."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import fields
from pathlib import Path

import pytest
from adoption import check

from kit.core import corpus
from kit.core.example import Project, decisions_for

NAMES = corpus.names()
DOCS = corpus.REPO / "docs" / "adopt.md"
CHECK_LOGS = corpus.CORPUS.parent / "check-logs"


def test_the_corpus_holds_real_projects_under_licences_that_allow_it() -> None:
    assert len(NAMES) >= 25
    for name in NAMES:
        entry = corpus.source(name)
        assert re.fullmatch(r"[\w.-]+/[\w.-]+", entry["repository"]), name
        assert re.fullmatch(r"[0-9a-f]{40}", entry["commit"]), name
        assert entry["licence"] in {licence for licence, _ in corpus.LICENCES}, name
        assert entry["shape"] and entry["result"], name


def test_every_skeleton_file_is_empty_or_ends_its_last_line() -> None:
    """As the kit's own pre-commit hooks (end-of-file-fixer) ask of every file in the repository."""
    unended = []
    for path in sorted(corpus.CORPUS.rglob("*")):
        text = path.read_bytes() if path.is_file() else b""
        if text and not text.endswith(b"\n"):
            unended.append(str(path.relative_to(corpus.CORPUS)))
    assert unended == []


@pytest.mark.parametrize("name", NAMES)
def test_adopt_decides_for_the_skeleton_what_it_decided_for_the_project(name: str) -> None:
    assert corpus.decisions(name) == corpus.expected(name)


@pytest.mark.parametrize("name", NAMES)
def test_a_skeletons_facts_are_a_whole_report_of_poetrys(name: str) -> None:
    facts = json.loads((corpus.CORPUS / name / "facts.json").read_text())
    assert set(facts) == {field.name for field in fields(Project)} - {"root"}


@pytest.mark.parametrize("name", NAMES)
def test_a_skeleton_holds_only_lines_the_decisions_turn_on(name: str, tmp_path: Path) -> None:
    """Without any one of its lines (or of its files), adopt decides otherwise: a skeleton is the
    project's paths and the few lines adopt reads, not its code."""
    root = shutil.copytree(corpus.CORPUS / name / "project", tmp_path / "project")
    facts = json.loads((corpus.CORPUS / name / "facts.json").read_text())
    command = corpus.source(name).get("command", "")
    wanted = corpus.expected(name)
    needless = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        text = path.read_text()
        if path.suffix == ".json" and text == "{}\n":
            continue  # an emptied JSON file, kept valid for the kit's check-json hook
        lines = text.splitlines(keepends=True)
        for index in range(len(lines)):
            path.write_text("".join(lines[:index] + lines[index + 1 :]))
            if decisions_for(Project.from_facts(root, facts), command) == wanted:
                needless.append(f"{path.relative_to(root)}:{index + 1}")
        path.write_text(text)
    assert needless == []


def test_docs_show_the_corpus_as_it_is() -> None:
    """docs/adopt.md's table is `python3 -m kit.core.corpus table`: write it there anew after
    adding a project."""
    assert corpus.table() in DOCS.read_text()


FAILED = [name for name in NAMES if not corpus.passed(corpus.source(name)["result"])]


@pytest.mark.parametrize("name", FAILED)
def test_a_project_that_fails_end_to_end_has_its_reason_and_what_shows_it(name: str) -> None:
    """The reason in the table, and the run's own words that show it (source.json's evidence, a
    pattern the recorded result matches)."""
    entry = corpus.source(name)
    assert entry.get("reason"), f"{name}: say in source.json why it fails ({entry['result']})"
    assert entry["reason"] in corpus.table()
    assert re.search(entry["evidence"], entry["result"]), (entry["evidence"], entry["result"])


# The failed runs whose logs kit/core/check-logs/ keeps (their last lines), as NAME.log.
RECORDED = [name for name in FAILED if (CHECK_LOGS / f"{name}.log").is_file()]


@pytest.mark.parametrize("name", RECORDED)
def test_a_failed_runs_result_is_the_checks_diagnosis_of_its_log(name: str) -> None:
    said = check.diagnosis_in((CHECK_LOGS / f"{name}.log").read_text())
    assert said
    assert said in corpus.source(name)["result"]


def test_docs_list_every_start_command_rule_in_its_order() -> None:
    from adoption.rules import RULES

    rows = [f"| {rule.shape} | {rule.starts} |" for rule in RULES]
    text = DOCS.read_text()
    assert "\n".join(rows) in text


def test_docs_list_every_writer_adopt_knows() -> None:
    from adoption.writes import WRITERS

    rows = [f"  | {writer.why} | {writer.where} |" for writer in WRITERS]
    assert "\n".join(rows) in DOCS.read_text()


def test_docs_tables_of_what_adopt_knows_read_in_a_glance() -> None:
    """No cell of the tables above the corpus's is over 200 characters."""
    known = DOCS.read_text().split("<!-- the corpus table")[0]
    cells = [c.strip() for line in known.splitlines() if line.lstrip().startswith("|")
             for c in line.strip().strip("|").split(" | ")]  # fmt: skip
    assert cells
    assert [cell for cell in cells if len(cell) > 200] == []
