"""scripts/adopt: bring the kit into an existing Poetry project."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from . import merge, render
from .check import check, dev_check
from .common import COPIED, KIT, MANIFEST, Stop
from .decide import Decisions, decide
from .docker import inspect_with_poetry
from .project import Project
from .report import found_lines, report
from .write import check_ownership, manifest, write_all


def plan(project: Project, decided: Decisions, work: Path) -> tuple[dict[str, str], dict]:
    """Every file adopt writes, by its path in the project (pyproject.toml and poetry.lock as
    Poetry left them at `work`, where there are any); and what merging yours found."""
    root = project.root
    section = render.project_section(project, decided)
    merged: dict = {"new_settings": []}
    kept = render.adopted_before(root)
    if kept:  # adopted before: the project section is yours, edits and all, and gains what is new
        section, merged["new_settings"] = render.with_new_settings(kept, section)
    settings, merged["dropped_settings"] = merge.merged_settings(root)
    gitignore, merged["lock_ignored"] = merge.merged_gitignore(root)
    files = {
        "Dockerfile": render.dockerfile(section),
        ".dockerignore": render.dockerignore(project, decided.install),
        ".devcontainer/devcontainer.json": render.devcontainer(project, decided.port),
        ".vscode/settings.json": settings,
        ".vscode/extensions.json": merge.merged_extensions(root),
        ".gitignore": gitignore,
        ".gitattributes": merge.merged_gitattributes(root),
    }
    for name in ("pyproject.toml", "poetry.lock"):
        if (work / name).exists():
            files[name] = (work / name).read_text()
    for name in COPIED:
        files[name] = render.kit_file(name)
    if not (root / ".vscode" / "launch.json").exists():
        files[".vscode/launch.json"] = render.launch_json(decided.command)
    files[".pre-commit-config.yaml"] = merge.merged_pre_commit(root)
    return files, merged


def adopt(target: Path, command: str, python: str, force: bool) -> int:
    root = target.resolve()
    if not root.is_dir():
        raise Stop(f"{target} is not a folder: give the folder of your Poetry project.")
    if root == KIT or KIT in root.parents:
        raise Stop(f"{target} is inside the kit: adopt into a project outside {KIT}.")
    if not (root / "pyproject.toml").is_file():
        raise Stop(
            f"no pyproject.toml in {target}: this kit is for Poetry projects. Give the project's "
            "root folder, or make it a Poetry project first (poetry init)."
        )
    keep = check_ownership(root, force)
    with tempfile.TemporaryDirectory(prefix="kit-adopt-") as temporary:
        work = Path(temporary) / "project"
        ignore = shutil.ignore_patterns(".git", ".venv", "venv", "node_modules", "__pycache__")
        shutil.copytree(root, work, ignore=ignore, symlinks=True)
        project = Project.from_facts(root, inspect_with_poetry(work, python))
        decided = decide(project, command)
        files, merged = plan(project, decided, work)
    files[MANIFEST] = manifest(files)
    write_all(root, files, keep)
    report(target, found_lines(project, decided, merged), list(files), keep, project.name)
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/adopt",
        description="Bring the kit into an existing Poetry project: one Dockerfile (dev and "
        "prod), the dev container and VS Code's settings, all set for that project. Poetry runs "
        "in a container, on a copy of the project; on any problem the project is left exactly as "
        "it was. Run it again to bring the kit's files up to this kit's version.",
    )
    parser.add_argument("target", type=Path, help="the Poetry project's folder")
    parser.add_argument("--command", default="", help='how prod starts it, e.g. "python -m app"')
    parser.add_argument("--python", default="", help="the Python version, e.g. 3.13")
    parser.add_argument("--force", action="store_true", help="keep existing files as NAME.orig")
    checks = parser.add_argument_group(
        "the check",
        "build prod, run it as prod runs (read-only, no capabilities, UID 10001, a tmpfs at /tmp) "
        "and say whether it turns healthy, or in one line why not and what to change",
    )
    checks.add_argument("--check", action="store_true", help="adopt, then check")
    checks.add_argument(
        "--check-only", action="store_true", help="check an adopted project (after your edits)"
    )
    checks.add_argument(
        "-e", "--env", action="append", default=[], metavar="NAME=VALUE",
        help="an environment variable prod gets in the check (as docker run -e)",
    )  # fmt: skip
    checks.add_argument("--env-file", type=Path, help="a file of them (as docker run --env-file)")
    checks.add_argument(
        "--dev", action="store_true",
        help="also open the dev container and run the project's tests there (Dev Containers CLI)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.dev and not (args.check or args.check_only):
        parser.error("--dev goes with --check or --check-only")
    settings = [f"--env={setting}" for setting in args.env]
    if args.env_file:
        if not args.env_file.is_file():
            parser.error(f"--env-file {args.env_file}: no such file")
        settings.append(f"--env-file={args.env_file.resolve()}")
    try:
        if not args.check_only:
            adopt(args.target, args.command, args.python, args.force)
        if not (args.check or args.check_only):
            return 0
        works = check(args.target.resolve(), settings)
        if args.dev:
            works = dev_check(args.target.resolve()) and works
        return 0 if works else 1
    except Stop as problem:
        print(f"scripts/adopt: {problem}", file=sys.stderr)
        return 2
