"""What adopt decides for a project: how prod starts it and gets its code, where it serves and
how its health is asked, and what else its build needs. A function of the project's files and
of what Poetry reports (Project): no Docker, no Poetry."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from .common import TOOLING_WORDS, normalize_name
from .django import production_settings
from .project import Project
from .rules import check_prod_has, start_command, stated_command
from .serving import assets_command, healthcheck_url, self_serving, served_port

# Files that tools read from the working directory, so prod needs them in /app beside a package:
# migrations (`alembic upgrade head` as a release step), gunicorn's settings.
WORKING_DIRECTORY_FILES = ["alembic.ini", "gunicorn.conf.py"]


@dataclass
class Decisions:
    command: list[str]
    stated_in: str  # where the project states that command ("" where a rule found it)
    install: str  # package, files or both: how the project's own code reaches prod
    serves_itself: str  # the self-serving framework the command's script starts, if any
    port: str
    local_only: bool  # it listens on 127.0.0.1 only
    health: str  # what prod's HEALTHCHECK asks; "" for nothing
    assets: str  # ASSETS_COMMAND
    # A Django site's settings for prod, and where the project names them ("" for manage.py's).
    django_settings: tuple[str, str] = ("", "")
    prod_groups: list[str] = field(default_factory=list)
    prod_extras: list[str] = field(default_factory=list)
    build_packages: list[str] = field(default_factory=list)
    runtime_packages: list[str] = field(default_factory=list)


def decide(project: Project, command: str = "") -> Decisions:
    """Every decision, from the command given (--command) or else the project's own."""
    if command:
        words, stated_in = shlex.split(command), ""
    else:
        words, stated_in = stated_command(project)
        words = words or start_command(project)
    check_prod_has(project, words)
    settings = production_settings(project)
    if not command:
        words = with_settings(words, settings[0])
    # A script that starts its own server says its port; any other command, itself.
    serves_itself, port, local_only = self_serving(project, words)
    port = port or served_port(words)
    return Decisions(
        command=words,
        stated_in=stated_in,
        install=app_install(project, words),
        serves_itself=serves_itself,
        port=port,
        local_only=local_only,
        health=healthcheck_url(project, words, port, serves_itself),
        assets=with_settings_for(assets_command(project), settings[0]),
        django_settings=settings,
        prod_groups=project.prod_groups,
        prod_extras=prod_extras(project),
        build_packages=build_packages(project),
        runtime_packages=list(project.system_packages[1]),
    )


def app_install(project: Project, command: list[str]) -> str:
    """package, files or both: how the project's own code reaches prod."""
    packages = project.packages
    if packages is None:
        return "files"
    # A package's file that the command runs by its path (FastAPI's `fastapi run app/main.py`)
    # must be a file in prod, where the wheel would put the package in the venv instead.
    tops = set(packages) | set(project.package_folders.values()) - {""}
    paths = [Path(arg).parts for arg in command[1:] if arg.endswith(".py")]
    if any(len(parts) > 1 and parts[0] in tops for parts in paths):
        return "files"
    if any((project.root / name).exists() for name in WORKING_DIRECTORY_FILES):
        return "both"  # the wheel, and the project's root files in /app, the working directory
    if command[0] in project.scripts:
        return "package"
    objects = [arg for arg in command[1:] if re.fullmatch(r"[\w.]+(:\w+(\(\))?)?", arg)]
    modules = [arg.split(":")[0] for arg in objects]
    if command[:2] == ["python", "-m"]:
        modules = [command[2]]
    if command[:2] == ["python", "-c"]:
        modules = re.findall(r"import ([\w.]+)", command[2])
    if any(module.split(".")[0] in packages for module in modules):
        return "package"
    return "both"


def with_settings(words: list[str], settings: str) -> list[str]:
    """The start command run with these settings: gunicorn sets them in its workers' environment
    (--env); manage.py takes --settings."""
    if not settings or any("DJANGO_SETTINGS_MODULE" in word for word in words):
        return words
    if words[0] == "gunicorn":
        return [words[0], "--env", f"DJANGO_SETTINGS_MODULE={settings}", *words[1:]]
    if any(word.endswith("manage.py") for word in words):
        return [*words, f"--settings={settings}"]
    return words


def with_settings_for(command: str, settings: str) -> str:
    return f"DJANGO_SETTINGS_MODULE={settings} {command}" if command and settings else command


def prod_extras(project: Project) -> list[str]:
    """Every extra but the tooling ones."""
    return [e for e in project.extras if not TOOLING_WORDS & set(normalize_name(e).split("-"))]


def build_packages(project: Project) -> list[str]:
    """BUILD_PACKAGES: a compiler where an sdist may hold C code, there while it builds, and the
    headers it needs."""
    compiler = ["gcc", "libc6-dev"] if project.sdist_only + project.from_source else []
    return compiler + list(project.system_packages[0])
