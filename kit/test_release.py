"""Release, as the workflow's release job does it, against the registry at 127.0.0.1:5000: prod
pushed by digest with BuildKit's provenance, its SBOM (the `sbom` target's CycloneDX) attested
and the digest signed, with cosign and a key pair made for the test (keyless signing needs
GitHub's OIDC token; .github/workflows/ci.yml signs keyless). Then what a deployer checks."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kit.support import IN_CI, copy_repo, docker_build, docker_run, run, unique

REGISTRY = "127.0.0.1:5000"
# No transparency log here (Rekor): sign without an upload, verify without looking one up.
NO_LOG = ["--allow-insecure-registry"]


@dataclass(frozen=True)
class Release:
    name: str  # 127.0.0.1:5000/<unique>/prod
    digest: str  # what the build pushed and the key signed
    revision: str  # the commit it was built from
    keys: Path  # cosign.key, cosign.pub
    workspace: Path


@pytest.fixture(scope="module")
def cosign() -> str:
    found = shutil.which("cosign")
    if not found:
        message = "no cosign on PATH (sigstore's cosign 2.x: the release tests sign with it)"
        if IN_CI:
            pytest.fail(f"CI=true and {message}", pytrace=False)
        pytest.skip(message)
    return found


def pushed(workspace: Path, name: str, *args: str) -> str:
    """Build prod and push it by `name`, as the release job does: its digest."""
    meta = workspace.parent / unique("meta")
    docker_build(workspace, "prod", "", "--provenance=mode=max", "--metadata-file", str(meta),
                 "--push", "-t", name, *args)  # fmt: skip
    return json.loads(meta.read_text())["containerimage.digest"]


def cosign_run(cosign: str, *args: str, check: bool = True) -> str:
    env = os.environ | {"COSIGN_PASSWORD": ""}  # the test's key has no password
    return run([cosign, *args], check=check, env=env).stdout  # and its stderr


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory, cosign: str) -> Iterator[Release]:
    top = tmp_path_factory.mktemp("release")
    # Owned by whoever runs the build, so that BuildKit reads the commit for the provenance.
    workspace = copy_repo(top / unique("ws"), owner=os.geteuid())
    revision = run(["git", "-c", f"safe.directory={workspace}", "rev-parse", "HEAD"],
                   cwd=workspace).stdout.strip()  # fmt: skip
    name = f"{REGISTRY}/{unique('kit-test')}/prod"
    digest = pushed(workspace, f"{name}:edge", "--build-arg", f"REVISION={revision}")
    run([cosign, "generate-key-pair"], cwd=top, env=os.environ | {"COSIGN_PASSWORD": ""})
    key = str(top / "cosign.key")
    cosign_run(cosign, "sign", "--yes", "--key", key, "--tlog-upload=false", *NO_LOG,
               f"{name}@{digest}")  # fmt: skip
    sbom = top / "sbom"
    docker_build(workspace, "sbom", "", "--output", f"type=local,dest={sbom}")
    cosign_run(cosign, "attest", "--yes", "--key", key, "--type", "cyclonedx", "--predicate",
               str(sbom / "sbom.cdx.json"), "--tlog-upload=false", *NO_LOG,
               f"{name}@{digest}")  # fmt: skip
    try:
        yield Release(name, digest, revision, top, workspace)
    finally:
        listed = run(["docker", "image", "ls", "--format", "{{.ID}}", name]).stdout.split()
        run(["docker", "image", "rm", "-f", *listed], check=False)


def verify(cosign: str, release: Release, image: str) -> tuple[bool, str]:
    """`cosign verify` with the release's public key, as a deployer runs it: passed, and said."""
    said = cosign_run(cosign, "verify", "--key", str(release.keys / "cosign.pub"),
                      "--insecure-ignore-tlog", *NO_LOG, image, check=False)  # fmt: skip
    return "The signatures were verified against the specified public key" in said, said


def test_the_signature_of_the_pushed_digest_verifies_with_the_public_key(
    cosign: str, release: Release
) -> None:
    passed, said = verify(cosign, release, f"{release.name}@{release.digest}")

    assert passed, said
    assert f'"docker-manifest-digest":"{release.digest}"' in said.replace(" ", "")


def test_an_unsigned_image_and_a_tag_moved_to_one_are_refused(
    cosign: str, release: Release
) -> None:
    """A tag is not what was signed: pushed over (the same prod, another label: another digest),
    it names an image no key signed, and verify refuses both the tag and that digest."""
    other = pushed(release.workspace, f"{release.name}:edge", "--build-arg", "VERSION=6.6.6")

    by_tag, said_by_tag = verify(cosign, release, f"{release.name}:edge")
    by_digest, said_by_digest = verify(cosign, release, f"{release.name}@{other}")

    assert other != release.digest
    assert not by_tag and "no signatures found" in said_by_tag, said_by_tag
    assert not by_digest and "no signatures found" in said_by_digest, said_by_digest


def normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_sbom_attestation_lists_the_packages_prods_venv_holds(
    cosign: str, release: Release
) -> None:
    said = cosign_run(cosign, "verify-attestation", "--key", str(release.keys / "cosign.pub"),
                      "--type", "cyclonedx", "--insecure-ignore-tlog", *NO_LOG,
                      f"{release.name}@{release.digest}")  # fmt: skip
    envelope = next(line for line in said.splitlines() if line.startswith("{"))
    statement = json.loads(base64.b64decode(json.loads(envelope)["payload"]))
    listed = {normal(c["name"]): c["version"] for c in statement["predicate"]["components"]}
    script = "import importlib.metadata as m, json; print(json.dumps({d.name: d.version for d in"
    script += " m.distributions(path=[p for p in __import__('sys').path if 'venv' in p])}))"
    # The last line: a digest the tag no longer names is pulled first, and docker says so.
    ran = docker_run(f"{release.name}@{release.digest}", "python", "-c", script)
    installed = {
        normal(name): version for name, version in json.loads(ran.splitlines()[-1]).items()
    }
    subject = statement["predicate"]["metadata"]["component"]  # the project, in the venv as a wheel

    assert statement["predicateType"] == "https://cyclonedx.org/bom"
    assert statement["subject"][0]["digest"] == {"sha256": release.digest.split(":")[1]}
    assert installed == listed | {normal(subject["name"]): subject["version"]}


def test_the_provenance_names_the_source_revision(release: Release) -> None:
    provenance = run(["docker", "buildx", "imagetools", "inspect",
                      f"{release.name}@{release.digest}", "--format",
                      "{{json .Provenance}}"]).stdout  # fmt: skip
    slsa = json.loads(provenance)["SLSA"]

    assert slsa["buildType"] == "https://mobyproject.org/buildkit@v1"
    assert (
        slsa["metadata"]["https://mobyproject.org/buildkit@v1#metadata"]["vcs"]["revision"]
        == release.revision
    )
    assert slsa["invocation"]["parameters"]["frontend"] == "dockerfile.v0"
