"""A project's name, as scripts/rename and scripts/new change it: checked, replaced in every text
file, and the lock made anew with the Dockerfile's own Poetry, in a container."""

from __future__ import annotations

import keyword
import os
import re
import subprocess
import uuid
from pathlib import Path

VALID = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")


def invalid(name: str) -> str:
    """Why a project name will not do; "" where it will."""
    if not VALID.fullmatch(name) or keyword.iskeyword(name.replace("-", "_")):
        return (
            f"{name!r} is not a valid project name: use lowercase letters, digits and single "
            "hyphens, starting with a letter (e.g. acme-widgets)"
        )
    return ""


def project_name(root: Path) -> str:
    match = re.search(r'(?m)^name = "([^"]+)"', (root / "pyproject.toml").read_text())
    return match.group(1) if match else ""


def renamed(root: Path, files: list[Path], old: str, new: str) -> int:
    """`old` made `new` in every text file (the import package's name too) and in src/'s folder
    name; how many files changed. Bytes in and out: the line endings stay as they are."""
    old_pkg, new_pkg = old.replace("-", "_"), new.replace("-", "_")
    changed = 0
    for path in files:
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue
        new_text = text.replace(old, new).replace(old_pkg, new_pkg)
        if new_text != text:
            path.write_bytes(new_text.encode("utf-8"))
            changed += 1
    (root / "src" / old_pkg).rename(root / "src" / new_pkg)
    return changed


def relock(root: Path, kit: Path) -> None:
    """`poetry lock` with the kit Dockerfile's own Poetry, in a container, on the folder `root`."""
    tag = f"kit-naming-poetry:{uuid.uuid4().hex[:12]}"  # one of its own: runs at once keep apart
    mirror = ["--build-arg", "POETRY_PYPI_MIRROR_URL"]
    subprocess.run(
        ["docker", "build", "-q", "--target", "poetry", "-t", tag, *mirror, str(kit)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    user = [] if os.name == "nt" else ["--user", f"{os.getuid()}:{os.getgid()}"]
    try:
        subprocess.run(
            ["docker", "run", "--rm", *user, "-e", "POETRY_PYPI_MIRROR_URL",
             "-e", "POETRY_CACHE_DIR=/tmp/poetry-cache", "-v", f"{root}:/project",
             "-w", "/project", tag, "poetry", "lock"],
            check=True,
        )  # fmt: skip
    finally:
        subprocess.run(["docker", "image", "rm", "-f", tag], stdout=subprocess.DEVNULL, check=False)
