"""What both halves of adopt share: names, the kit's layout, JSON as people write it."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent.parent
MANIFEST = ".devcontainer/kit-manifest.json"
SECTION_END = "# ==== End of your project's section.\n"
# Files the kit owns in a project; an existing one the kit did not write stops adopt.
OWNED = ["Dockerfile", ".dockerignore", ".devcontainer/devcontainer.json"]
COPIED = [
    "poetry-requirements.txt",
    "sbom-requirements.txt",
    "kit_build.py",
    ".devcontainer/on-create.sh",
    ".devcontainer/post-create.sh",
    ".github/workflows/container.yml",
]
# Never part of the app in prod: tooling, tests, docs, environments, caches, secrets.
NOT_APP = {
    ".git", ".github", ".gitlab", ".devcontainer", ".vscode", ".idea", ".venv", "venv", "env",
    "node_modules", "tests", "test", "testing", "docs", "doc", "site", "build", "dist",
    "htmlcov", "examples", "benchmarks", "bench", "Dockerfile", "docker-compose.yml",
    "compose.yaml", "compose.yml", "Makefile", "noxfile.py", "tox.ini", "conftest.py",
    "setup.cfg", ".pre-commit-config.yaml", "poetry.toml",
}  # fmt: skip
# ...of which these never are, even where the app's code names them (examples/ and docs/ can be:
# a site that shows its examples reads them), nor is a hidden folder.
NEVER_SHIPPED = {"venv", "env", "node_modules", "tests", "test", "testing", "build", "dist",
                 "htmlcov"}  # fmt: skip
# Extras that hold a project's tooling, not its features (from before Poetry had groups): "docs",
# "test", "dev-tools". The dev container installs them; prod, which ships no tests, does not.
TOOLING_WORDS = {"dev", "develop", "development", "doc", "docs", "documentation", "test", "tests",
                 "testing", "lint", "linting", "typing", "mypy", "coverage", "qa"}  # fmt: skip


class Stop(Exception):
    """A problem with the project: said in one message, nothing changed."""


def normalize_name(name: str) -> str:
    """PEP 503's normal form ("Acme.API_Service" is acme-api-service): how the index compares
    package names, and an image name Docker takes: lowercase, one hyphen between words."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(spec: str) -> str:
    """The normalized package name of a PEP 508 requirement ("fastapi[standard] (>=0.1)")."""
    return normalize_name(re.split(r"[\s\[(<>=!~;@]", spec.strip(), maxsplit=1)[0])


def table(data: object, dotted: str) -> dict:
    """A TOML table by its dotted name; {} where it is missing or no table."""
    for key in dotted.split("."):
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


def dumps(data: object) -> str:
    """JSON as people write it: two-space indent, short lists of plain values on one line."""

    def one_line(match: re.Match) -> str:
        items = [item.strip() for item in match.group(2).split(",\n")]
        line = f"{match.group(1)}[{', '.join(items)}]"
        return line if len(line) <= 100 else match.group(0)

    text = json.dumps(data, indent=2, ensure_ascii=False)
    return re.sub(r"(?m)^(.*)\[\n((?:\s*[^\s\[\]{}][^\n]*\n)*?)\s*\]", one_line, text) + "\n"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
