"""The prod target: what CI builds with `docker build .` (the last stage) and ships."""

from __future__ import annotations

import json
import re
import shlex
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kit.support import (
    FILE_TIME,
    base_image,
    copy_repo,
    docker_build,
    docker_run,
    http_get,
    image_tag,
    layers_over,
    published_url,
    readme_command,
    run,
    serving,
    unique,
    venv_bytes,
)

# Its served image and inventory are made once: its tests share one of scripts/test's workers.
pytestmark = pytest.mark.xdist_group("prod")

# Walks the image's file system from inside, with the venv's Python (the only tool prod has).
INVENTORY = """
import json, os, shutil
unwanted = {"pyproject.toml", "poetry.lock", ".git", "test_app.py", "Dockerfile"}
found = []
for top, dirs, files in os.walk("/"):
    if top in ("/proc", "/sys", "/dev"):
        dirs[:] = []
        continue
    found += [os.path.join(top, n) for n in dirs + files if n in unwanted]
tools = {t: shutil.which(t) for t in ("poetry", "pip", "pip3", "gcc", "cc", "make")}
print(json.dumps({"found": found, "tools": tools}))
"""


def readme_quick_start() -> tuple[list[str], list[str]]:
    """The README's first command, `docker build ... && docker run ...`: its two halves."""
    quick_start = readme_command(
        "docker build --build-arg POETRY_PYPI_MIRROR_URL -t minimal-py-poetry . "
        "&& docker run --rm -p 8000:8000 minimal-py-poetry"
    )
    build, start = quick_start.split(" && ")
    return shlex.split(build), shlex.split(start)


@pytest.fixture(scope="module")
def inventory(prod_image: str) -> dict:
    return json.loads(docker_run(prod_image, "python", "-c", INVENTORY).splitlines()[-1])


@pytest.fixture(scope="module")
def served(prod_image: str) -> Iterator[str]:
    """The image started the way a user starts it; yields the base URL of the published port."""
    with serving(prod_image) as (_, url):
        yield url


def test_prod_serves_health_with_200(served: str) -> None:
    status, body = http_get(f"{served}/health")

    assert status == 200
    assert json.loads(body) == {"status": "ok"}


def test_the_readme_quick_start_builds_prod_with_no_target_serves_it_and_stops_on_ctrl_c(
    tmp_path: Path,
) -> None:
    """`docker build .` with no --target, as platforms run it, gives prod: its user, no Poetry,
    healthy; Ctrl-C stops it."""
    build, start = readme_quick_start()
    assert "--target" not in build
    workspace = copy_repo(tmp_path / unique("ws"))
    name = unique("kit-quick-start")
    with image_tag() as tag:
        # As written, but with a tag of its own, a name, and a free port rather than 8000.
        mine = {"minimal-py-poetry": tag, "8000:8000": "127.0.0.1::8000"}
        run([mine.get(arg, arg) for arg in build], cwd=workspace)
        started = subprocess.Popen(
            [*start[:2], "--name", name, *(mine.get(arg, arg) for arg in start[2:])],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            deadline = time.monotonic() + 60
            while not (url := published_url(name)):
                assert time.monotonic() < deadline and started.poll() is None, "no container"
                time.sleep(0.2)
            status, _ = http_get(f"{url}/health")
            user = run(["docker", "image", "inspect", "--format", "{{.Config.User}}", tag]).stdout
            tools = docker_run(tag, "sh", "-c", "command -v poetry pip gcc || true")
        finally:
            started.send_signal(signal.SIGINT)  # Ctrl-C: docker run passes it to the app
            output, _ = started.communicate(timeout=60)

    assert status == 200
    assert user.strip() == "10001:10001"
    assert tools.strip() == ""
    assert started.returncode == 0, output
    assert run(["docker", "ps", "-aq", "--filter", f"name={name}"]).stdout == ""  # --rm held


def test_prod_runs_as_a_non_root_user(prod_image: str) -> None:
    configured = run(["docker", "image", "inspect", "--format", "{{.Config.User}}", prod_image])

    assert configured.stdout.strip() == "10001:10001"
    assert docker_run(prod_image, "python", "-c", "import os; print(os.getuid())") == "10001"


def test_prod_python_is_the_venv_at_opt_venv(prod_image: str) -> None:
    assert docker_run(prod_image, "python", "-c", "import sys; print(sys.prefix)") == "/opt/venv"


def test_prod_runs_the_python_version_it_was_built_for(prod_image: str, prod_python: str) -> None:
    version = docker_run(prod_image, "python", "-c", "import sys; print(*sys.version_info[:2])")

    assert version.replace(" ", ".") == prod_python


def test_prod_imports_the_app_from_site_packages_not_a_source_tree(
    prod_image: str, prod_python: str
) -> None:
    location = docker_run(
        prod_image, "python", "-c", "import minimal_py_poetry; print(minimal_py_poetry.__file__)"
    )

    site_packages = f"/opt/venv/lib/python{prod_python}/site-packages/"
    assert location == f"{site_packages}minimal_py_poetry/__init__.py", location


def test_prod_has_no_poetry_pip_compilers_or_project_files(inventory: dict) -> None:
    assert inventory["tools"] == dict.fromkeys(inventory["tools"]), inventory["tools"]
    assert inventory["found"] == [], inventory["found"]


# What prod may add to its base image: /opt/venv, /app (an application's files; empty for a
# package), the app user's entries in /etc, the removal (whiteouts) of the base image's pip, the
# kit's helper (the health check), and the directories above those; and the bare entries of /root
# and /tmp (no contents), which the dependency step uses for its mounts and temporary files.
ADDED = re.compile(
    r"opt(/venv(/.*)?)?|app|etc(/(\.pwd\.lock|(passwd|group|shadow|gshadow)-?))?|tmp|root"
    r"|usr(/local(/bin|/lib(/python[\d.]+(/(site|dist)-packages)?)?)?)?"
    r"|usr/local/(bin|lib/python[\d.]+/(site|dist)-packages)/\.wh\.pip[^/]*"
    r"|usr/local/lib/kit_build\.py"
)


def test_prod_adds_only_the_venv_and_the_app_user_to_its_base(
    prod_image: str, prod_python: str
) -> None:
    _, own = layers_over(prod_image, base_image(prod_python))
    added = [name for layer in own for name in layer.files]

    assert any(name.startswith("opt/venv/lib/") for name in added)
    assert [name for name in added if not ADDED.fullmatch(name)] == []


def test_nothing_prod_adds_to_its_base_records_when_it_was_built(
    prod_image: str, prod_python: str
) -> None:
    below, own = layers_over(prod_image, base_image(prod_python))
    base_times = {name: time for layer in below for name, time in layer.times.items()}
    as_root = ["docker", "run", "--rm", "--user", "0", prod_image]
    shadow = run([*as_root, "grep", "^app:", "/etc/shadow"])

    # Every entry carries the Dockerfile's one fixed time, or is a directory above one with the
    # base image's own time: none says when or where it was built.
    dated = {
        name: time
        for layer in own
        for name, time in layer.times.items()
        if time not in (FILE_TIME, base_times.get(name))
    }
    assert dated == {}
    # The app user's password-change date (days since 1970) is that time's day, not the build's.
    assert shadow.stdout.split(":")[2] == str(FILE_TIME // 86400), shadow.stdout


def test_prod_venv_has_no_pip_or_setuptools(prod_image: str) -> None:
    listing = docker_run(prod_image, "sh", "-c", "ls /opt/venv/lib/python*/site-packages")

    assert not {"pip", "setuptools"} & set(listing.split()), listing


def test_prod_adds_its_venv_and_at_most_5_percent_more(prod_image: str, prod_python: str) -> None:
    _, own = layers_over(prod_image, base_image(prod_python))
    added = sum(layer.size for layer in own)
    venv = venv_bytes(prod_image)

    # The lower bound is the control: layers read compressed, or not at all, fall short of it.
    assert 0.98 * venv <= added <= 1.05 * venv, (added, venv)


def distributions(image: str) -> set[tuple[str, str]]:
    """Every distribution in the image's /opt/venv: (normalized name, version)."""
    script = "import importlib.metadata as m\nfor d in m.distributions(): print(d.name, d.version)"
    listing = docker_run(image, "python", "-c", script)
    return {(normalized(name), version) for name, version in map(str.split, listing.splitlines())}


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_sbom_target_lists_what_prods_venv_holds(
    prod_image: str, prod_python: str, tmp_path: Path
) -> None:
    workspace = copy_repo(tmp_path / unique("ws"))
    output = f"type=local,dest={tmp_path / 'out'}"
    python = f"PYTHON_VERSION={prod_python}"
    docker_build(workspace, "sbom", "", "--build-arg", python, "--output", output)
    sbom = json.loads((tmp_path / "out" / "sbom.cdx.json").read_text())

    subject = sbom["metadata"]["component"]
    assert (subject["name"], subject["version"]) == ("minimal-py-poetry", "0.1.0")
    listed = {(normalized(c["name"]), c["version"]) for c in sbom["components"]}
    assert listed | {(subject["name"], subject["version"])} == distributions(prod_image)
    assert "fastapi" in {name for name, _ in listed}  # the control: a locked dependency is there
