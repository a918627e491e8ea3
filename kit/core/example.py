"""Example projects with what adopt decides for them: each folder of kit/core/examples/ holds a
project's files (project/), what Poetry reported of it (facts.json: recorded in a container, so
the table tests need no Docker and test the decisions, not Poetry) and what adopt decides
(expected.json). The table test compares adopt's decisions with expected.json.

    python3 -m kit.core.example                 # write every expected.json anew (review the diff)
    python3 -m kit.core.example --facts NAME    # record NAME's facts.json with Poetry (Docker)
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

from adoption import render
from adoption.cli import plan
from adoption.common import Stop, dumps
from adoption.decide import decide
from adoption.project import Project
from adoption.report import found_lines

REPO = Path(__file__).resolve().parent.parent.parent
EXAMPLES = Path(__file__).resolve().parent / "examples"


def names() -> list[str]:
    return sorted(path.name for path in EXAMPLES.iterdir() if (path / "project").is_dir())


def options(name: str) -> dict:
    """What the example's adopt is run with (options.json: command, python), if anything."""
    path = EXAMPLES / name / "options.json"
    return json.loads(path.read_text()) if path.exists() else {}


def project(name: str, root: Path | None = None) -> Project:
    """The example as adopt sees it: its facts, and its files (or a copy's, at `root`)."""
    facts = json.loads((EXAMPLES / name / "facts.json").read_text())
    return Project.from_facts(root or EXAMPLES / name / "project", facts)


def copy(name: str, dest: Path, into: str = "") -> Path:
    """The example's project copied to `dest` (its files but pyproject.toml moved into the folder
    `into`, where given: a site beside a front end, say): the copy's root."""
    shutil.copytree(EXAMPLES / name / "project", dest)
    if into:
        (dest / into).mkdir()
        for path in sorted(dest.iterdir()):
            if path.name not in ("pyproject.toml", into):
                path.rename(dest / into / path.name)
    return dest


def decisions(name: str) -> dict:
    """What adopt decides for the example, as expected.json holds it; or where it stops, why."""
    return decisions_for(project(name), options(name).get("command", ""))


def decisions_for(found: Project, command: str = "") -> dict:
    """What adopt decides for a project (its files, and Poetry's facts), as expected.json holds
    it; or where it stops, why."""
    try:
        decided = decide(found, command)
    except Stop as stopped:
        return {"stop": str(stopped)}
    files, merged = plan(found, decided, found.root / "no-lock-here")
    allowed = [line for line in files[".dockerignore"].splitlines() if line.startswith("!")]
    return {
        "section": {**render.section_values(found, decided), "CMD": decided.command},
        "dockerignore": allowed,
        "forwarded": json.loads(files[".devcontainer/devcontainer.json"])["forwardPorts"],
        "report": found_lines(found, decided, merged),
    }


def expected(name: str) -> dict:
    return json.loads((EXAMPLES / name / "expected.json").read_text())


def record_facts(name: str) -> None:
    """What Poetry reports of the example's project (adopt's container step, on a copy)."""
    from adoption.docker import inspect_with_poetry

    with tempfile.TemporaryDirectory(prefix="kit-example-") as temporary:
        work = Path(temporary) / "project"
        shutil.copytree(EXAMPLES / name / "project", work)
        facts = inspect_with_poetry(work, options(name).get("python", ""))
    (EXAMPLES / name / "facts.json").write_text(dumps(facts))


def main(argv: list[str]) -> int:
    record = "--facts" in argv
    chosen = [arg for arg in argv if not arg.startswith("--")] or names()
    for name in chosen:
        if record:
            record_facts(name)
        (EXAMPLES / name / "expected.json").write_text(dumps(decisions(name)))
        print(f"kit.core.example: {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
