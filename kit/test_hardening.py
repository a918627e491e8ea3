"""The prod image under the settings security teams apply."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from kit.support import (
    LOCKED_DOWN,
    built,
    docker_run,
    health_within,
    http_get,
    labels,
    readme_command,
    run,
    serving,
)


def readme_hardened_flags() -> list[str]:
    """The flags of the README's hardened `docker run`, as written: what `adopt --check` runs
    prod with too."""
    command = readme_command(
        "docker run --rm -p 8000:8000 --read-only --tmpfs /tmp --cap-drop ALL "
        "--security-opt no-new-privileges minimal-py-poetry"
    )
    flags = command.split()[5:-1]
    assert flags == LOCKED_DOWN, "the README and adopt --check run prod alike"
    return flags


@pytest.fixture
def locked_down(prod_image: str) -> Iterator[tuple[str, str]]:
    """prod started as the README starts it hardened: read-only, with no capabilities and no
    privilege escalation (its own port published). Yields (container name, base URL)."""
    with serving(prod_image, *readme_hardened_flags()) as started:
        yield started


def inspect(name: str, template: str) -> str:
    return run(["docker", "inspect", "--format", template, name]).stdout.strip()


def test_prod_serves_read_only_without_capabilities_as_non_root(
    locked_down: tuple[str, str],
) -> None:
    name, url = locked_down

    status, _ = http_get(f"{url}/health")

    assert status == 200
    assert run(["docker", "exec", name, "id", "-u"]).stdout.strip() == "10001"
    assert inspect(name, "{{.HostConfig.ReadonlyRootfs}}") == "true"


def test_prod_app_user_caches_under_its_home_even_read_only(prod_image: str) -> None:
    """Libraries cache under ~ (~/.cache/huggingface, fontconfig's, Matplotlib's): the home is
    /tmp, which a read-only prod mounts as a tmpfs."""
    cache = "import pathlib; cache = pathlib.Path.home() / '.cache' / 'models'\n"
    cache += "cache.mkdir(parents=True); (cache / 'model.bin').write_text('weights'); print(cache)"

    made = run(["docker", "run", "--rm", *LOCKED_DOWN, prod_image, "python", "-c", cache])

    assert made.stdout.strip() == "/tmp/.cache/models"


def test_prod_venv_belongs_to_root_and_the_app_user_can_write_nothing_in_it_or_the_app(
    prod_image: str,
) -> None:
    probe = (
        "import os, sys; st = os.stat('/opt/venv'); print(st.st_uid, st.st_gid)\n"
        "for top in ('/opt/venv', '/app'):\n"
        "    for folder, _, names in os.walk(top):\n"
        "        for path in [folder, *(os.path.join(folder, name) for name in names)]:\n"
        "            if not os.path.islink(path) and os.access(path, os.W_OK): print(path)"
    )

    owner, *writable = docker_run(prod_image, "python", "-c", probe).splitlines()

    assert owner == "0 0"
    assert writable == []


def test_prod_reports_healthy_using_only_the_venv_python(locked_down: tuple[str, str]) -> None:
    name, _ = locked_down
    healthcheck = json.loads(inspect(name, "{{json .Config.Healthcheck}}"))

    health = health_within(name, 60)

    assert healthcheck["Test"][:2] == ["CMD", "python"], healthcheck
    assert health == "healthy"


def test_prod_stops_gracefully_on_sigterm_within_one_second(
    locked_down: tuple[str, str],
) -> None:
    name, url = locked_down
    http_get(f"{url}/health")

    # With -t 1, a process that ignores SIGTERM for a second is killed: exit code 137.
    run(["docker", "stop", "-t", "1", name])

    assert inspect(name, "{{.State.ExitCode}}") == "0"
    assert "Finished server process" in run(["docker", "logs", name]).stdout


def test_prod_carries_oci_labels_with_version_revision_created_from_build_args(
    repo_copy: Path,
) -> None:
    given = {"VERSION": "9.8.7", "REVISION": "0123abc", "CREATED": "2026-01-02T03:04:05Z"}
    args = [item for key, value in given.items() for item in ("--build-arg", f"{key}={value}")]
    with built(repo_copy, "prod", *args) as tag:
        seen_labels = labels(tag)
    oci = {k.removeprefix("org.opencontainers.image."): v for k, v in seen_labels.items()}

    assert oci["title"] == "minimal-py-poetry"
    assert oci["description"]
    assert oci["source"].startswith("https://")
    assert (oci["version"], oci["revision"], oci["created"]) == tuple(given.values())
