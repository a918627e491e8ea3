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
from .servers import IMPORT_NAMES, PROGRAMS
from .serving import assets_command, healthcheck_url, self_serving, served_port
from .writes import writable_paths

# Files that tools read from the working directory, so prod needs them in /app beside a package:
# migrations (`alembic upgrade head` as a release step), gunicorn's settings.
WORKING_DIRECTORY_FILES = ["alembic.ini", "gunicorn.conf.py"]
# A module, or a module's object (`app.main:app`, `web:create_app()`), as a server names it.
MODULE_OBJECT = r"[A-Za-z_][\w.]*(:[A-Za-z_]\w*(\(.*\))?)?"


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
    module: str  # APP_MODULE: the module the command serves, which prod's build imports
    # A Django site's settings for prod, and where the project names them ("" for manage.py's).
    django_settings: tuple[str, str] = ("", "")
    prod_groups: list[str] = field(default_factory=list)
    prod_extras: list[str] = field(default_factory=list)
    groups_for_imports: dict[str, str] = field(default_factory=dict)  # group -> the module
    build_packages: list[str] = field(default_factory=list)
    runtime_packages: list[str] = field(default_factory=list)
    writable: list[tuple[str, str]] = field(default_factory=list)  # WRITABLE_PATHS, and why


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
    needed = project.groups_imports_need(
        [*(project.packages or []), *started_modules(project, words)]
    )
    install = app_install(project, words)
    return Decisions(
        command=words,
        stated_in=stated_in,
        install=install,
        serves_itself=serves_itself,
        port=port,
        local_only=local_only,
        health=healthcheck_url(project, words, port, serves_itself),
        assets=with_settings_for(assets_command(project), settings[0]),
        module=app_module(project, words),
        django_settings=settings,
        prod_groups=project.prod_groups + [g for g in needed if g not in project.prod_groups],
        groups_for_imports=needed,
        prod_extras=prod_extras(project, words),
        build_packages=build_packages(project),
        runtime_packages=list(project.system_packages[1]),
        writable=writable_paths(project, install),
    )


def app_install(project: Project, command: list[str]) -> str:
    """package, files or both: how the project's own code reaches prod."""
    packages = project.packages
    if packages is None:
        return "files"
    # A package's file that the command runs by its path (FastAPI's `fastapi run app/main.py`)
    # must be a file in prod, where the wheel would put the package in the venv instead.
    folders = {folder for found in project.package_folders.values() for folder in found}
    tops = set(packages) | folders - {""}
    paths = [Path(arg).parts for arg in command[1:] if arg.endswith(".py")]
    if any(len(parts) > 1 and parts[0] in tops for parts in paths):
        return "files"
    if any((project.root / name).exists() for name in WORKING_DIRECTORY_FILES):
        return "both"  # the wheel, and the project's root files in /app, the working directory
    if command[0] in project.scripts:
        return "package"
    modules = named_modules(command)
    if command[:2] == ["python", "-c"]:
        modules = re.findall(r"import ([\w.]+)", command[2])
    if any(module.split(".")[0] in packages for module in modules):
        return "package"
    return "both"


def named_modules(command: list[str]) -> list[str]:
    """The modules a start command names: `python -m`'s, or those of the objects a server is
    given (`app.main` of `app.main:app`, `web` of `web:create_app()`)."""
    if command[:2] == ["python", "-m"] and len(command) > 2:
        return [command[2]]
    return [arg.split(":")[0] for arg in command[1:] if re.fullmatch(MODULE_OBJECT, arg)]


def app_module(project: Project, command: list[str]) -> str:
    """The project's module that the start command serves or runs by name (`app.main` for
    `uvicorn app.main:app`, `mysite.wsgi` for gunicorn's, `bot` for `python -m bot`), as prod
    imports it from /app or the venv; "" where it names none, or imports it from elsewhere
    (--chdir, --app-dir, --pythonpath: the server's own path)."""
    if set(command) & {"--chdir", "--app-dir", "--pythonpath"} or command[0] in project.scripts:
        return ""
    tops = set(project.packages or [])
    found = [m for m in named_modules(command) if m.split(".")[0] in tops or project.module_file(m)]
    return found[0] if found else ""


def started_modules(project: Project, command: list[str]) -> list[str]:
    """The project's modules the start command imports first: those it names, or the script
    `python path/app.py` runs (as the module its folder makes it)."""
    scripts = [w for w in command[1:2] if command[0] == "python" and w.endswith(".py")]
    files = [project.root / w for w in scripts if (project.root / w).is_file()]
    return named_modules(command) + [project.module_name(path) for path in files]


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


def prod_extras(project: Project, command: list[str]) -> list[str]:
    """The extras prod needs: those with a package that the app's code imports (by the name it
    imports as) or that gives the start command's program; an extra pyproject.toml lists no
    packages for, unless it holds tooling, too. The rest stay out: an extra that prod installs
    but nothing imports can only break it (one that imports git at its own import, say)."""
    imported = {normalize_name(name) for name in project.imported()}
    program = normalize_name(PROGRAMS.get(command[0], command[0])) if command else ""

    def needed(extra: str) -> bool:
        if extra not in project.extra_packages:
            return not TOOLING_WORDS & set(normalize_name(extra).split("-"))
        packages = project.extra_packages[extra]
        names = {normalize_name(IMPORT_NAMES.get(name, name)) for name in packages}
        return program in packages or bool(names & imported)

    return [extra for extra in project.extras if needed(extra)]


def build_packages(project: Project) -> list[str]:
    """BUILD_PACKAGES: a compiler where an sdist may hold C code, there while it builds, and the
    headers it needs."""
    compiler = ["gcc", "libc6-dev"] if project.sdist_only + project.from_source else []
    return compiler + list(project.system_packages[0])
