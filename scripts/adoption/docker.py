"""The part of adopt that needs Docker: Poetry, in the kit's own `poetry` stage, reports on a copy
of the project (facts.py, run there)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import uuid
from pathlib import Path

from .common import KIT, Stop

# This run's name for the images it builds and removes: adopts at once on one engine keep apart.
RUN = uuid.uuid4().hex[:12]


def poetry_image(python: str) -> str:
    """The kit's `poetry` stage for a Python version: Poetry locks with an interpreter the project
    allows; tagged for this run alone."""
    tag = f"kit-adopt-poetry:{python or 'default'}-{RUN}"
    version = ["--build-arg", f"PYTHON_VERSION={python}"] if python else []
    mirror = ["--build-arg", "POETRY_PYPI_MIRROR_URL"]
    built = subprocess.run(
        ["docker", "build", "-q", "--target", "poetry", "-t", tag, *version, *mirror, str(KIT)],
        capture_output=True,
        text=True,
    )
    if built.returncode != 0:
        unresolved = r"failed to resolve source metadata for \S*?(python:\S+?):"
        pulled = re.search(unresolved, built.stderr)
        if pulled:
            base = pulled.group(1)
            said = built.stderr.strip().splitlines()[-1]
            raise Stop(
                f"Docker could not get the base image {base}, which adopt runs Poetry on. "
                f"Docker said: {said}\nWhere the version has an official image, check that "
                f"Docker reaches its registry (docker pull {base}); or run adopt again with "
                "--python and another version the project allows, one whose image Docker has "
                "(docker images python)."
            )
        raise Stop(f"could not build the kit's Poetry image:\n{built.stderr[-2000:]}")
    return tag


def poetry_cache() -> Path:
    """Poetry's cache for adopt, kept between runs in the user's cache folder: a second adopt
    (or a second project) resolves and downloads only what is new."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    cache = base / "minimal-py-poetry" / "poetry"
    cache.mkdir(parents=True, exist_ok=True)
    return cache


def in_container(image: str, work: Path, *args: str) -> dict:
    """`python -m adoption.facts`, with Poetry's Python, on the copy at `work`."""
    user = [] if os.name == "nt" else ["--user", f"{os.getuid()}:{os.getgid()}"]
    package = Path(__file__).resolve().parent
    result = subprocess.run(
        [
            "docker", "run", "--rm", *user, "-e", "POETRY_PYPI_MIRROR_URL", "-e", "HOME=/tmp",
            "-e", "POETRY_CACHE_DIR=/tmp/poetry-cache", "-v", f"{poetry_cache()}:/tmp/poetry-cache",
            "-v", f"{work}:/project", "-w", "/project",
            "-e", "PYTHONPATH=/kit", "-e", "PYTHONDONTWRITEBYTECODE=1",
            "-v", f"{package}:/kit/adoption:ro", image,
            "/opt/poetry/bin/python", "-P", "-m", "adoption.facts", *args,
        ],
        capture_output=True,
        text=True,
    )  # fmt: skip
    if result.returncode == 2:
        raise Stop(result.stderr.strip().splitlines()[-1])
    if result.returncode != 0:
        raise Stop(f"inspecting the project failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def inspect_with_poetry(work: Path, python: str) -> dict:
    """What Poetry reports of the project, with the dev tools added and a lock made, in a
    container: first the Python version, then Poetry on that version."""
    tags = [poetry_image(python)]  # the version asked for: the only image adopt needs then
    try:
        picked = in_container(tags[0], work, "pick", python)["python"]
        if picked != python:
            tags.append(poetry_image(picked))
        return in_container(tags[-1], work, "adopt", python)
    finally:  # the build cache keeps the layers for next time
        subprocess.run(["docker", "image", "rm", "-f", *tags], capture_output=True, check=False)
