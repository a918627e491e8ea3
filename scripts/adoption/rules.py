"""How the project starts: first what the project states (its Procfile, its own Dockerfile),
then an ordered list of rules, each one question about its files: the first that answers gives
prod's start command. A new framework is one row here (and one fixture)."""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from .common import NOT_APP, SECTION_END, Stop, normalize_name
from .django import wsgi_module
from .project import PRODUCTION_GROUPS, Project
from .servers import PROGRAMS, SERVERS
from .serving import serving_script

# ---- what the project states ------------------------------------------------------------------


# Where a platform's manifest states the web process's command: the file, and how to find it.
MANIFESTS = [
    ("Procfile", r"(?m)^web:[ \t]*(.+)$"),
    ("heroku.yml", r"(?m)^run:[ \t]*\n(?:[ \t]+[^\n]*\n)*?[ \t]+web:[ \t]*([^\n]*\S)"),
    ("fly.toml", r"(?m)^\[processes\][^\[]*?^[ \t]*(?:app|web)[ \t]*=[ \t]*[\"']([^\"'\n]+)"),
    ("render.yaml", r"(?m)^[ \t]*startCommand:[ \t]*(.+)$"),
]


# The Dockerfiles a platform's manifest builds, where it names one of its own.
NAMED_DOCKERFILES = [
    ("fly.toml", r"(?m)^\[build\][^\[]*?^[ \t]*dockerfile[ \t]*=[ \t]*[\"']([^\"'\n]+)"),
    ("render.yaml", r"(?m)^[ \t]*dockerfilePath:[ \t]*[\"']?([^\s\"']+)"),
    ("heroku.yml", r"(?m)^build:[ \t]*\n(?:[ \t]+[^\n]*\n)*?[ \t]+web:[ \t]*([^\s]+)"),
]
# Folders of other projects' files: environments and installed packages.
OTHERS_FILES = {"node_modules", "venv", "env", "site-packages", "__pycache__"}
# Compose files, and the names a project's web service goes by in them.
COMPOSE_FILES = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"]
WEB_SERVICES = ["web", "app", "api", "backend", "server", "django", "fastapi", "flask", "site"]


def compose_services(text: str) -> dict[str, str]:
    """Each service of a compose file: its name, and the lines of its block."""
    found: dict[str, str] = {}
    inside, indent, name = False, None, ""
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        depth = len(line) - len(line.lstrip())
        if depth == 0:
            inside, name = line.rstrip() == "services:", ""
        elif inside and (indent is None or depth <= indent) and line.rstrip().endswith(":"):
            indent, name = depth, line.strip().rstrip(":").strip("\"'")
            found[name] = ""
        elif inside and name:
            found[name] += line + "\n"
    return found


def compose_commands(root: Path) -> list[tuple[str, str]]:
    """The `command:` of the web service of the project's compose file, in one line (a string,
    or a list in brackets), where the service is built from the project."""
    stated = []
    for name in COMPOSE_FILES:
        path = root / name
        services = compose_services(path.read_text(errors="replace")) if path.is_file() else {}
        for service in [s for s in WEB_SERVICES if s in services]:
            block = services[service]
            command = re.search(r"(?m)^[ \t]+command:[ \t]*([^\s>|].*?)[ \t]*$", block)
            if command and re.search(r"(?m)^[ \t]+build:", block):
                stated.append((command.group(1), f"{name}'s {service} service"))
    return stated


def stated_commands(root: Path) -> list[tuple[str, str]]:
    """The start commands the project states, and where: its platforms' manifests (a Procfile's
    web process, heroku.yml's, fly.toml's, render.yaml's startCommand), then the CMD of its own
    Dockerfile's last stage (adopt --force keeps that as Dockerfile.orig), or the command its
    ENTRYPOINT script ends by exec-ing, and so of the Dockerfile a platform's manifest builds
    (fly.toml's [build] dockerfile), then its compose file's web service's command."""
    stated = []
    for name, pattern in MANIFESTS:
        path = root / name
        if path.is_file():
            found = re.findall(pattern, path.read_text(errors="replace"))
            stated += [(line.strip().strip("\"'"), name) for line in found]
    dockerfile = root / "Dockerfile"
    text = dockerfile.read_text(errors="replace") if dockerfile.is_file() else SECTION_END
    if SECTION_END not in text:  # not the kit's
        stated += dockerfile_commands(root, text, "your Dockerfile's")
    for manifest, pattern in NAMED_DOCKERFILES:
        path = root / manifest
        named = re.search(pattern, path.read_text(errors="replace")) if path.is_file() else None
        other = root / named.group(1) if named else root
        if other.is_file() and other.name != "Dockerfile":
            owner = f"{manifest}'s {named.group(1)}'s"
            stated += dockerfile_commands(root, other.read_text(errors="replace"), owner)
    return stated + compose_commands(root)


def dockerfile_commands(root: Path, text: str, owner: str) -> list[tuple[str, str]]:
    """The CMD or ENTRYPOINT of a Dockerfile's last stage, or, behind an ENTRYPOINT script, the
    command the script runs (its `exec "$@"` the CMD); `owner` names the file in the report."""
    text = text.replace("\\\n", " ")
    last = re.split(r"(?mi)^[ \t]*FROM[ \t]", text)[-1]
    found = re.findall(r"(?mi)^[ \t]*(CMD|ENTRYPOINT)[ \t]+(.+)$", last)
    kinds = {kind.upper() for kind, _ in found}
    if len(kinds) == 1:
        return [(found[-1][1], f"{owner} {found[-1][0].upper()}")]
    if not kinds:
        return []
    cmd = [line for kind, line in found if kind.upper() == "CMD"][-1]
    entry = [line for kind, line in found if kind.upper() == "ENTRYPOINT"][-1]
    # Where the script is copied in under another name (COPY fly-entrypoint.sh /entrypoint.sh).
    copied = dict(
        (Path(dest).name, Path(source).name)
        for source, dest in re.findall(
            r"(?mi)^[ \t]*COPY[ \t]+(?:--\S+[ \t]+)*(\S+)[ \t]+(\S+)", text
        )
    )
    return entrypoint_execs(root, entry, cmd, owner, copied)


def files_named(root: Path, name: str) -> list[Path]:
    """The project's own files of that name: not in a virtual environment, node_modules or a
    hidden folder (.git, .venv), which may hold thousands."""
    found = []
    for top, folders, files in os.walk(root):
        folders[:] = sorted(f for f in folders if f[0] != "." and f not in OTHERS_FILES)
        found += [Path(top) / name] if name in files else []
    return found


def entrypoint_execs(
    root: Path, entrypoint: str, cmd: str, owner: str, copied: dict[str, str]
) -> list[tuple[str, str]]:
    """What an ENTRYPOINT script in the project runs last (`exec gunicorn ...`, or with `exec
    "$@"` the Dockerfile's CMD): the start command, where it comes to one; else none."""
    try:
        exec_form = entrypoint.lstrip().startswith("[")
        words = json.loads(entrypoint) if exec_form else entrypoint.split()
    except ValueError:
        return []
    scripts = [copied.get(Path(w).name, Path(w).name) for w in words if w.endswith(".sh")]
    path = next((p for s in scripts[:1] for p in files_named(root, s)), None)
    if path is None:
        return []
    execs = re.findall(r"(?m)^[ \t]*exec[ \t]+(.+?)[ \t]*$", path.read_text(errors="replace"))
    if not execs:
        return []
    if execs[-1].strip("\"'") == "$@" or execs[-1] == '"$@"':
        return [(cmd, f"{owner} CMD, run by {path.name}")]
    return [(execs[-1], f"the exec line {path.name} ends with")]


def stated_command(project: Project) -> tuple[list[str], str]:
    """The first start command the project states that prod runs as it is: no shell (`&&`, an
    entrypoint script), a program the venv has, and the modules and files it names in the
    project; `poetry run` goes, `$PORT` becomes the port it falls back to (8000 where none), and
    a server that listens on 127.0.0.1 unless told (gunicorn, uvicorn) listens on every address,
    and one told to reload on changes (--reload, as compose files for development have it) does
    not. A development server (Django's runserver) is no start command for prod. Else ([], "")."""
    has = project.has | project.prod_scripts
    for line, source in stated_commands(project.root):
        try:
            words = json.loads(line) if line.lstrip().startswith("[") else shlex.split(line)
        except ValueError:
            continue
        if words[:2] == ["poetry", "run"]:
            words = words[2:]
        port = r"\$\{?PORT(?::-(\d+))?\}?"
        words = [re.sub(port, lambda m: m.group(1) or "8000", str(word)) for word in words]
        if not words or any(set(word) & set("$`;&|<>") for word in words):
            continue
        if "runserver" in words:
            continue
        words = [word for word in words if word != "--reload"]
        program = "python" if words[0] == "python3" else words[0]
        if program != "python" and PROGRAMS.get(program, program) not in has:
            check_prod_has(project, [program, *words[1:]])  # in a group prod lacks: said
            continue
        if not names_what_the_project_has(project, words):
            continue
        server = SERVERS.get(program)  # with a config file: bound where it says
        if server and server.listen and not any(w.split("=")[0] in server.told for w in words):
            words += server.listen.split()
        return [program, *words[1:]], source
    return [], ""


def names_what_the_project_has(project: Project, words: list[str]) -> bool:
    """Whether the modules (`app.main:app`, `python -m app`) and files (`app/main.py`) a command
    names are in the project, where prod will look for them: a Dockerfile that copied a folder's
    contents to its root (`COPY app /code`) named them from there."""
    options = dict(zip(words, words[1:]))
    chosen = [options[flag] for flag in ("--chdir", "--app-dir", "--pythonpath") if flag in options]
    bases = [project.root / folder for folder in chosen or ["", *project.import_folders()]]
    dependencies = set(project.prod_packages) | set(PROGRAMS)
    for before, word in zip(["", *words], words):
        if re.fullmatch(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*(\(.*\))?", word):
            found = project.has_module(word.split(":")[0], bases)
        elif before == "-m" and normalize_name(word.split(".")[0]) not in dependencies:
            found = project.has_module(word, bases)  # not python -m gunicorn, -m celery
        elif word.endswith(".py") and not word.startswith("-") and before not in ("-c", "--config"):
            found = any((base / word).is_file() for base in bases)
        else:
            continue
        if not found:
            return False
    return True


# ---- finding the app --------------------------------------------------------------------------


def find_app_object(project: Project, frameworks: str) -> str:
    """`module:name` of the first `name = Framework(...)` among the project's modules, or of the
    first `name = function()` where the module's own function makes one (`app = get_application()`);
    else `module:factory()` of the first application factory, a `def create_app(...)` (or
    make_app) in a module that makes one, as in Flask's tutorial."""
    assignment = re.compile(rf"^(\w+)\s*(?::[^=]+)?=\s*(?:{frameworks})\(", re.M)
    called = re.compile(r"^(\w+)\s*(?::[^=]+)?=\s*(\w+)\(", re.M)
    factory = re.compile(r"^def (create_app|make_app)\(", re.M)
    makes = re.compile(rf"\b(?:{frameworks})\(")
    first_factory = ""
    for path in project.python_files():
        text = project.text(path)
        match = assignment.search(text)
        if match:
            return f"{project.module_name(path)}:{match.group(1)}"
        # The module's top-level functions whose body makes the app.
        tops = re.split(r"(?m)^(?=\S)", text)
        makers = {
            top.split("(")[0].split()[-1]
            for top in tops
            if top.startswith("def ") and makes.search(top)
        }
        made_here = [name for name, function in called.findall(text) if function in makers]
        if made_here:
            return f"{project.module_name(path)}:{made_here[0]}"
        made = factory.search(text)
        if made and not first_factory and makes.search(text):
            first_factory = f"{project.module_name(path)}:{made.group(1)}()"
    return first_factory


def dash_server(project: Project) -> str:
    """`module:server` of a Dash app that names its Flask server (`server = app.server`, as Dash's
    deployment docs have it): what a WSGI server serves; else ""."""
    for path in project.python_files():
        text = project.text(path)
        made = re.search(r"^(\w+)\s*(?::[^=]+)?=\s*(?:dash\.)?Dash\(", text, re.M)
        served = made and re.search(rf"^(\w+)\s*=\s*{made.group(1)}\.server\b", text, re.M)
        if served:
            return f"{project.module_name(path)}:{served.group(1)}"
    return ""


def imports_neighbours(script: Path) -> bool:
    """Whether a script imports the modules beside it by their own names (`from handlers import
    router`), as only running it by its path (`python src/__main__.py`) lets it: with -m, Python
    looks for them in the working directory."""
    folder = script.parent
    names = {p.stem for p in folder.glob("*.py")} | {p.name for p in folder.iterdir() if p.is_dir()}
    imported = re.findall(r"(?m)^\s*(?:from|import)\s+(\w+)", script.read_text(errors="replace"))
    return bool(set(imported) & names - {script.stem})


# ---- the rules, in order ----------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    shape: str  # what the project is, for docs/adopt.md and the report
    starts: str  # how prod starts it
    answer: Callable[[Project], list[str] | None]


# What makes a web app object: a framework's class, Django's handlers, an application factory.
WEB_APP = (
    r"(?:\w+\.)*(?:Flask|FastAPI|Starlette|Litestar|Quart|Sanic|App|Dash|"
    r"get_wsgi_application|get_asgi_application|create_app|make_app|get_application)\("
)

# Apps whose own `run()` is a development server.
DEVELOPMENT_SERVED = r"(?:\w+\.)*(?:Flask|Quart)\("


def calls_a_function(project: Project, target: str) -> bool:
    """Whether a console script's target (`module:name`) runs as a command, and is not a web app
    object that a server serves (`run = "wsgi:app"` with `app = create_app()`, which some projects
    declare to name their app: running it fails with `Flask.__call__() missing 2 required
    positional arguments`). A CLI object (`app = typer.Typer()`) is a command; a target outside
    the project's files is taken as one."""
    if not isinstance(target, str):
        return True
    module, _, name = target.partition(":")
    path = project.module_file(module.strip())
    if path is None or not name:
        return True
    name = name.split(".")[0].strip()
    text = project.text(path)
    made = rf"(?m)^{name}\s*(?::[^=]+)?=\s*{WEB_APP}"
    return not re.search(made, text) and not runs_a_development_server(text, name)


def runs_a_development_server(text: str, function: str) -> bool:
    """Whether a module's function runs its Flask or Quart app's development server
    (`def run(): app.run(debug=True)`, on 127.0.0.1:5000): a launcher for development, where
    prod serves the app with a server."""
    body = re.search(rf"(?ms)^def {function}\(.*?(?=^\S|\Z)", text)
    apps = re.findall(rf"(?m)^(\w+)\s*(?::[^=]+)?=\s*{DEVELOPMENT_SERVED}", text)
    return bool(body) and any(re.search(rf"\b{app}\.run\(", body.group()) for app in apps)


def console_script(project: Project) -> list[str] | None:
    """The project's console script, where it has one (or one of its name) that runs as a
    command; prod has its scripts only where it installs the project as a package."""
    scripts = [n for n in project.prod_scripts if calls_a_function(project, project.scripts[n])]
    if len(scripts) == 1 or project.name in scripts:
        return [project.name if project.name in scripts else next(iter(scripts))]
    return None


def django_site(project: Project) -> list[str] | None:
    django = project.django_folder()
    if not django:
        return None
    wsgi = wsgi_module(project, django)
    if "gunicorn" in project.has and wsgi:
        chdir = ["--chdir", django] if django != "." else []  # gunicorn imports from there
        return ["gunicorn", *chdir, wsgi, "--bind", "0.0.0.0:8000"]
    manage = (Path(django) / "manage.py").as_posix()
    return ["python", manage, "runserver", "0.0.0.0:8000", "--noreload"]


def served_app(frameworks: str, servers: list[str], also: Callable | None = None) -> Callable:
    """A rule for an app that a server serves: the app a framework makes, by the first of the
    servers that the project has and that imports it from where it is."""

    def answer(project: Project) -> list[str] | None:
        present = [SERVERS[s] for s in servers if SERVERS[s].package in project.has]
        if not present:
            return None
        app = find_app_object(project, frameworks) or (also(project) if also else "")
        if not app:
            return None
        folder = project.folder_to_import_from(app.split(":")[0])
        return next((c for s in present for c in [s.command(app, folder)] if c), None)

    return answer


def streamlit_page(project: Project) -> list[str] | None:
    """A Streamlit app is a script that `streamlit run` serves: the one nearest the root that
    imports streamlit (a multi-page app's pages/ import it too), by its usual names first."""
    if "streamlit" not in project.has:
        return None
    pages = project.files_matching(r"(?m)^\s*(import|from) streamlit\b")
    if not pages:
        return None
    usual = ("streamlit_app", "app", "main", "Home")
    script = min(pages, key=lambda p: (len(p.parts), p.stem not in usual, p))
    page = script.relative_to(project.root).as_posix()
    server = ["--server.address", "0.0.0.0", "--server.port", "8501", "--server.headless", "true"]
    return ["streamlit", "run", page, *server]


def package_main(project: Project) -> list[str] | None:
    packages = project.packages or []
    runnable = [p for p in packages if (project.source_dir(p) / "__main__.py").exists()]
    return ["python", "-m", runnable[0]] if runnable else None


def main_py(project: Project) -> list[str] | None:
    return ["python", "main.py"] if (project.root / "main.py").exists() else None


def folder_script(project: Project) -> list[str] | None:
    """A script in a folder: bot/__main__.py, or a src/main.py that runs as a script."""
    root = project.root
    for path in sorted(root.glob("*/__main__.py")) + sorted(root.glob("*/main.py")):
        folder = path.parent.name
        if folder in NOT_APP or folder.startswith("."):
            continue
        if path.name == "__main__.py":
            if not (path.parent / "__init__.py").exists() and imports_neighbours(path):
                return ["python", f"{folder}/__main__.py"]  # as its imports say it runs
            return ["python", "-m", folder]
        if re.search(r"(?m)^if __name__ == .__main__.:", project.text(path)):
            if (path.parent / "__init__.py").exists():  # its imports say `from src.bot import`
                return ["python", "-m", f"{folder}.main"]
            return ["python", f"{folder}/main.py"]  # Python imports its neighbours from there
    return None


def library(project: Project) -> list[str] | None:
    """A library: prod proves that it imports; pass --command for anything more."""
    packages = project.packages or []
    return ["python", "-c", f"import {packages[0]}"] if packages else None


ASGI = r"FastAPI|Starlette|Litestar|Quart|falcon\.asgi\.App"
RULES = [
    Rule("a console script (the only one, or the project's name)", "that script", console_script),
    Rule(
        "a Django site (manage.py)",
        "gunicorn on its wsgi module; without gunicorn, manage.py runserver",
        django_site,
    ),
    Rule(
        "an ASGI app (FastAPI, Starlette, Litestar, Quart, Falcon's asgi.App)",
        "uvicorn, hypercorn or granian, the first the project has",
        served_app(ASGI, ["uvicorn", "hypercorn", "granian"]),
    ),
    Rule("a Sanic app", "Sanic's own server", served_app("Sanic", ["sanic"])),
    Rule(
        "a WSGI app (Flask, Falcon's App, a Dash app's server)",
        "gunicorn, waitress or Flask's server, the first the project has",
        served_app(r"Flask|falcon\.App", ["gunicorn", "waitress-serve", "flask"], also=dash_server),
    ),
    Rule("a Streamlit app", "streamlit run, the page nearest the root", streamlit_page),
    Rule(
        "a Gradio, NiceGUI or FastHTML script",
        "python on that script",
        lambda p: serving_script(p, ["gradio", "nicegui", "python-fasthtml"]) or None,
    ),
    Rule("a package with __main__.py", "python -m on that package", package_main),
    Rule("a main.py at the root (a bot, a worker, a job)", "python main.py", main_py),
    Rule(
        "a folder's __main__.py or main.py", "python -m on the folder, or its path", folder_script
    ),
    Rule(
        "a script that starts aiohttp's or uvicorn's server",
        "python on that script",
        lambda p: serving_script(p, ["aiohttp", "uvicorn"]) or None,
    ),
    Rule("a library (a package with none of the above)", "python -c 'import it'", library),
]


def start_command(project: Project) -> list[str]:
    """The first rule's answer; a Stop where none answers (naming the group that holds the server
    a rule would have started, where one does: uvicorn kept in a dev group)."""
    for rule in RULES:
        command = rule.answer(project)
        if command:
            return command
    grouped = [name for names in project.group_packages.values() for name in names]
    with_every_group = replace(project, prod_packages=project.prod_packages + grouped)
    for rule in RULES:
        check_prod_has(project, rule.answer(with_every_group))
    raise Stop(
        "could not tell how the project starts (no single console script, manage.py, FastAPI/"
        "Flask/Sanic app, Dash server, Streamlit, Gradio, NiceGUI, FastHTML or aiohttp script,"
        ' main.py or __main__.py found): pass it, e.g. --command "python -m mypackage".'
    )


def check_prod_has(project: Project, words: list[str]) -> None:
    """A start command whose program (or `python -m` module) prod would lack, where one of the
    project's groups has it, stops adopt naming that group: prod would say `executable file not
    found` at its start."""
    if not words:
        return
    program = "python" if words[0] == "python3" else words[0]
    if program == "python":
        program = words[2].split(".")[0] if words[1:2] == ["-m"] and len(words) > 2 else ""
    package = normalize_name(PROGRAMS.get(program, program))
    groups = project.groups_with(package)
    if not program or program in project.scripts or package in project.has or not groups:
        return
    where = f"its {groups[0]} group" if len(groups) == 1 else f"its groups {', '.join(groups)}"
    named = f"{', '.join(PRODUCTION_GROUPS[:-1])} or {PRODUCTION_GROUPS[-1]}"
    raise Stop(
        f"prod would start the app with `{shlex.join(words)}`, but {package} is only in "
        f"{where}, which prod does not install (it installs the main group, and groups named "
        f"{named}): move it to the main group (poetry remove --group {groups[0]} {package}; "
        f"poetry add {package}), or to a group named production, and run adopt again."
    )
