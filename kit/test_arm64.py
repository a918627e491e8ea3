"""arm64 (Apple Silicon, Graviton): prod and dev built for linux/arm64 and run, under emulation on
an x86_64 machine; and docs/changing.md's multi-platform build, local and pushed to a registry."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from kit.support import (
    REPO,
    built,
    copy_repo,
    http_get,
    layers_over,
    mirror_build_args,
    on_classic_image_store,
    opened,
    remove_image,
    run,
    serving,
    unique,
)
from kit.test_prod import ADDED
from kit.vscode import debug_the_first_test

# Its images are built once (emulated): its tests share one of scripts/test's two workers.
pytestmark = pytest.mark.xdist_group("arm64")

ARM64 = "linux/arm64"
# ELF's e_machine field, which names the CPU a binary or a compiled extension is for.
ELF_MACHINE = """
import sys
with open(sys.argv[1], "rb") as binary:
    header = binary.read(20)
assert header[:4] == b"\\x7fELF", sys.argv[1]
print({62: "x86_64", 183: "aarch64"}.get(int.from_bytes(header[18:20], "little"), "other"))
"""
# A compiled extension that prod's venv holds (pydantic's core, in Rust).
EXTENSION = (
    "import glob; print(glob.glob('/opt/venv/lib/python*/site-packages/pydantic_core/*.so')[0])"
)


@pytest.fixture(scope="module")
def arm64_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_repo(tmp_path_factory.mktemp("arm64") / unique("ws"))


@pytest.fixture(scope="module")
def arm64_prod(arm64_workspace: Path) -> Iterator[str]:
    with built(arm64_workspace, "prod", "--platform", ARM64) as tag:
        yield tag


@pytest.fixture(scope="module")
def arm64_base(arm64_workspace: Path) -> Iterator[str]:
    """The base image's arm64 variant on its own: the Dockerfile's `base` stage adds no layer."""
    with built(arm64_workspace, "base", "--platform", ARM64) as tag:
        yield tag


@pytest.fixture(scope="module")
def arm64_dev(arm64_workspace: Path) -> Iterator[str]:
    with built(arm64_workspace, "dev", "--platform", ARM64) as tag:
        yield tag


def arm64_run(image: str, *command: str) -> str:
    return run(["docker", "run", "--rm", "--platform", ARM64, image, *command]).stdout.strip()


def machine_of(image: str, path_script: str, *run_flags: str) -> str:
    """The CPU that a file of the image (found by a Python one-liner) is compiled for."""
    command = ["docker", "run", "--rm", *run_flags, image, "python", "-c"]
    path = run([*command, path_script]).stdout.strip()
    return run([*command, ELF_MACHINE, path]).stdout.strip()


def test_arm64_prod_serves_health_as_10001_with_an_aarch64_venv_python(arm64_prod: str) -> None:
    with serving(arm64_prod, "--platform", ARM64) as (name, url):
        status, body = http_get(f"{url}/health", timeout=120)
        probe = "import os, platform, sys; print(platform.machine(), os.getuid(), sys.prefix)"
        seen = run(["docker", "exec", name, "python", "-c", probe]).stdout.split()

    assert (status, json.loads(body)) == (200, {"status": "ok"})
    assert seen == ["aarch64", "10001", "/opt/venv"]


def test_arm64_prod_adds_only_the_venv_and_the_app_user_to_its_base(
    arm64_prod: str, arm64_base: str
) -> None:
    _, own = layers_over(arm64_prod, arm64_base)
    added = [name for layer in own for name in layer.files]

    assert any(name.startswith("opt/venv/lib/") for name in added)
    assert [name for name in added if not ADDED.fullmatch(name)] == []


def test_arm64_dev_runs_ruff_debugpy_pytest_and_poetry_from_its_venv(arm64_dev: str) -> None:
    script = (
        "command -v ruff; command -v pytest; ruff --version; pytest --version; poetry --version;"
        " python -m debugpy --version"
    )
    versions = arm64_run(arm64_dev, "sh", "-c", script)

    assert versions.splitlines()[:2] == ["/opt/venv/bin/ruff", "/opt/venv/bin/pytest"], versions
    assert "Poetry (version" in versions, versions
    # ruff is a native binary, pydantic's core a compiled extension: both for arm64. (debugpy
    # publishes no Linux arm64 wheel: there it runs from its universal one, in pure Python.)
    assert machine_of(arm64_dev, "print('/opt/venv/bin/ruff')", "--platform", ARM64) == "aarch64"
    assert machine_of(arm64_dev, EXTENSION, "--platform", ARM64) == "aarch64"


def test_an_arm64_dev_container_debugs_a_test_from_the_testing_view(
    arm64_dev: str, tmp_path: Path
) -> None:
    """The dev container as Apple Silicon opens it (here emulated; built after `arm64_dev`, so
    from its cache): the Testing view's debug button stops in the test, with debugpy in pure
    Python (it publishes no Linux arm64 wheel)."""
    workspace = copy_repo(tmp_path / unique("ws"))
    path = workspace / ".devcontainer" / "devcontainer.json"
    config = json.loads(path.read_text())
    config["build"]["options"] = [f"--platform={ARM64}"]
    config["runArgs"] = [f"--platform={ARM64}"]
    # on-create.sh uses sudo, which emulation here cannot run: this machine registers QEMU without
    # binfmt's C flag, so no setuid binary works under it (Docker Desktop's registration has it,
    # and Apple Silicon runs arm64 natively). The step only trusts the workspace for git and
    # matches a host group, which the debugger needs neither of.
    del config["onCreateCommand"]
    # Emulated, pytest under debugpy takes minutes to start: more than the 15 s debugpy's adapter
    # waits for its debuggee by default (natively, on Apple Silicon, it starts in seconds).
    config["containerEnv"]["DEBUGPY_PROCESS_SPAWN_TIMEOUT"] = "600"
    path.write_text(json.dumps(config))
    with opened(workspace) as container:
        machine = container.sh("uname -m")
        debugged = debug_the_first_test(container)
    print(
        f"arm64 dev container: up in {container.up_seconds:.0f} s;"
        f" Debug tests: first stop {debugged.seconds:.1f} s after launch"
    )

    assert machine == "aarch64"
    assert debugged.stop == debugged.breakpoint.hit
    assert debugged.exit_code == 0


def test_each_platform_gets_a_venv_of_its_own(arm64_prod: str, prod_image: str) -> None:
    """Built after each other with one cache: the venv cache mount is per platform."""
    assert machine_of(arm64_prod, EXTENSION, "--platform", ARM64) == "aarch64"
    assert machine_of(prod_image, EXTENSION) == "x86_64"


def readme_multi_platform_commands() -> dict[str, str]:
    """The docs' two multi-platform builds: kept in this machine's store, and pushed."""
    commands = re.findall(
        r"(?m)^docker buildx build --platform linux/amd64,linux/arm64 .*$",
        (REPO / "docs" / "changing.md").read_text(),
    )
    found = {("push" if "--push" in command else "local"): command for command in commands}
    assert set(found) == {"local", "push"}, commands
    return found


def readme_multi_platform_trouble() -> str:
    """The error the troubleshooting page says the classic image store gives."""
    page = (REPO / "docs" / "troubleshooting.md").read_text()
    found = re.search(r"fails with \"(Multi-platform build is[^\"]*)\"", page)
    assert found, "docs/troubleshooting.md: no entry for the multi-platform build"
    return " ".join(found.group(1).split())


def as_written(command: str, tag: str, workspace: Path) -> list[str]:
    """A docs command with its tag replaced and the build context made the test's workspace."""
    words = command.split()
    words[words.index("-t") + 1] = tag
    assert words[-1] == ".", command
    return [*words[:-1], *mirror_build_args(), str(workspace)]


def push_as_a_user_would(command: list[str]) -> None:
    """The docs' push, run again when (and only when) it fails as docs/troubleshooting.md
    says an engine before moby/moby#49949 can: BuildKit pushes the index by tag, then the engine
    pushes the image a second time, each platform's manifest by that tag too, racing the index
    (this machine's Engine 26 with buildx 0.13 does, about one push in four). Pushed again, the
    index is the tag's last write; the test then reads it from the registry."""
    for _ in range(3):
        pushed = run(command, check=False)
        if pushed.returncode == 0 or not re.search(r"ERROR: .*/manifests/\S+: 500 ", pushed.stdout):
            break
    assert pushed.returncode == 0, pushed.stdout[-3000:]


def test_the_readme_multi_platform_build_gives_one_index_with_both_platforms(
    arm64_prod: str, arm64_workspace: Path
) -> None:
    repository = f"{unique('kit-test')}/prod"
    pushed = f"127.0.0.1:5000/{repository}:multi"
    local = unique("kit-test-multi")
    commands = readme_multi_platform_commands()
    if on_classic_image_store():
        # This store cannot hold a multi-platform image: the build stops with the error that the
        # troubleshooting page names, before it builds anything.
        failed = run(as_written(commands["local"], local, arm64_workspace), check=False)
        assert failed.returncode != 0
        assert readme_multi_platform_trouble() in " ".join(failed.stdout.split()), failed.stdout
        return
    try:
        run(as_written(commands["local"], local, arm64_workspace))
        push_as_a_user_would(as_written(commands["push"], pushed, arm64_workspace))
        request = urllib.request.Request(
            f"http://127.0.0.1:5000/v2/{repository}/manifests/multi",
            headers={"Accept": "application/vnd.oci.image.index.v1+json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            index = json.load(response)
        run(["docker", "image", "inspect", local])  # the local form kept the image
    finally:
        remove_image(local)
        remove_image(pushed)

    platforms = {
        f"{m['platform']['os']}/{m['platform']['architecture']}"
        for m in index["manifests"]
        if m["platform"]["os"] != "unknown"  # BuildKit's attestations
    }
    assert platforms == {"linux/amd64", "linux/arm64"}, index
