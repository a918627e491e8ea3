"""Where the app serves: its port, whether it listens beyond 127.0.0.1, what prod's health check
asks, and the build-time step its static files need."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from .common import normalize_name
from .project import Project
from .servers import SELF_SERVING, WEB_FRAMEWORKS, WEB_SERVERS


def self_serving(project: Project, command: list[str]) -> tuple[str, str, bool]:
    """The framework (a SELF_SERVING key) whose server the script that the command runs starts
    (`python app.py`, `python -m pkg.app`, or a console script's module), the port it serves on
    (the one the script names, or the framework's default), and whether it listens on 127.0.0.1
    only; ("", "", False) for any other command."""
    root, module = project.root, ""
    if command[0] in project.scripts:
        module = project.scripts[command[0]].split(":")[0]
    elif command[0] == "python" and len(command) > 2 and command[1] == "-m":
        module = command[2]
    if module:
        path = module.replace(".", "/")
        bases = [root / f for f in ["", *project.import_folders()]]
        inside = ["__main__.py"] if command[0] == "python" else ["__init__.py"]  # -m runs __main__
        files = [b / f"{path}.py" for b in bases] + [b / path / f for b in bases for f in inside]
    elif command[0] == "python" and len(command) > 1:
        files = [root / command[1]]
    else:
        return "", "", False
    script = next((f for f in files if f.is_file()), None)
    text = project.text(script) if script else ""
    if re.search(r"\b(start|run)_polling\(", text):
        return "", "", False  # a bot that serves its webhook only in one of its modes
    has = project.has | {normalize_name(project.name)}  # the framework's own site runs on it
    for framework, serves in SELF_SERVING.items():
        if framework in has and re.search(serves.call, text):
            host = call_argument(text, serves.call, "host").strip("'\" ")
            local = serves.local_unless_told and host in ("", "127.0.0.1", "localhost")
            argument = call_argument(text, serves.call, serves.port_keyword)
            return framework, port_in(project, text, argument) or serves.port, local
    return "", "", False


def call_argument(text: str, call: str, keyword: str) -> str:
    """The text of a keyword argument of the first call that matches `call` (a regex ending in its
    opening bracket), up to the comma or bracket that ends it; "" where the call has none."""
    named = re.search(rf"{call}(?:[^()]|\((?:[^()]|\([^()]*\))*\))*?\b{keyword}\s*=\s*", text)
    if not named:
        return ""
    depth = 0
    for end, char in enumerate(text[named.end() :], start=named.end()):
        if char in "([{":
            depth += 1
        elif char in ")]}" and depth:
            depth -= 1
        elif char in ",)]}" and not depth:
            return text[named.end() : end].strip()
    return ""


def port_in(project: Project, script: str, argument: str) -> str:
    """The port a server call's argument gives: a number (8080), one in an expression
    (`int(os.environ.get("PORT", "8080"))`), or a variable's (`port=PORT`, `port=settings.port`)
    where the script, or else another of the project's modules, assigns it one; "" where none."""
    if re.fullmatch(r"[A-Za-z_][\w.]*", argument):
        name = re.escape(argument.rsplit(".", 1)[-1])
        assigned = re.compile(rf"(?m)^\s*{name}\s*(?::[^=\n]+)?=(?!=)(.*)$")
        others = (project.text(p) for p in project.python_files())
        sources = itertools.chain([script], others)
        argument = next((m.group(1) for text in sources for m in [assigned.search(text)] if m), "")
    number = re.search(r"\b(\d{2,5})\b", argument)
    return number.group(1) if number else ""


def served_port(command: list[str]) -> str:
    """The port the start command serves on: the one it names (--port 8080, --bind :8080,
    runserver 0.0.0.0:8080, ...), or else its server's default."""
    server = command[2] if command[:2] == ["python", "-m"] and len(command) > 2 else command[0]
    for i, token in enumerate(command):
        name, equals, value = token.partition("=")
        if not equals:
            value = command[i + 1] if i + 1 < len(command) else ""
        short_port = name == "-p" and server in ("flask", "daphne", "sanic")
        if (name in ("--port", "--server.port") or short_port) and value.isdigit():
            return value
        port = value.rpartition(":")[2]
        if name in ("--bind", "-b", "--listen", "runserver") and port.isdigit():
            return port
    return {"flask": "5000", "streamlit": "8501"}.get(server, "8000")


def healthcheck_url(project: Project, command: list[str], port: str, serves_itself: str) -> str:
    """What prod's HEALTHCHECK requests, on `port`; "" for a command that serves nothing (a
    library's `python -c 'import pkg'` serves nothing, whatever web framework it builds on)."""
    serves = command[0] in WEB_SERVERS or "runserver" in command or "run" in command
    serves = serves or bool(serves_itself)
    imports_only = command[:2] == ["python", "-c"]
    if imports_only or (not serves and not WEB_FRAMEWORKS & set(project.dependencies)):
        return ""
    has_health = bool(project.files_matching(r'"/health"'))
    return f"http://127.0.0.1:{port}/{'health' if has_health else ''}"


def assets_command(project: Project) -> str:
    """Django's collectstatic, for a site whose settings name a STATIC_ROOT: the folder prod serves
    the static files from (through WhiteNoise, say), which only collectstatic fills."""
    django = project.django_folder()
    if not django:
        return ""
    settings = [p for p in project.python_files() if "settings" in (p.stem, p.parent.name)]
    if any(re.search(r"(?m)^STATIC_ROOT\s*=", project.text(p)) for p in settings):
        return f"python {(Path(django) / 'manage.py').as_posix()} collectstatic --noinput"
    return ""


def serving_script(project: Project, frameworks: list[str]) -> list[str]:
    """`python app.py` (or `python -m pkg.app`) for the script that starts one of these
    frameworks' servers (demo.launch(), ui.run(), serve(), web.run_app(), uvicorn.run()): the one
    nearest the root, by its usual names first (app.py, as Hugging Face Spaces has it; main.py);
    [] where none does."""
    for framework in frameworks:
        if framework not in project.has:
            continue
        call = SELF_SERVING[framework].call
        found = [p for p in project.files_matching(call) if runs_as_a_script(project.text(p), call)]
        if found:
            script = min(found, key=lambda p: (len(p.parts), p.stem not in ("app", "main"), p))
            if (script.parent / "__init__.py").exists():  # a package's module: its imports say so
                return ["python", "-m", project.module_name(script)]
            return ["python", script.relative_to(project.root).as_posix()]
    return []


def runs_as_a_script(text: str, call: str) -> bool:
    """Whether running the file makes the call: at its top level, or under its `if __name__ ==
    "__main__":`; not a library module that makes it only in a method (nonebot's drivers)."""
    if re.search(r"(?m)^if __name__ == .__main__.:", text):
        return True
    return any(re.search(call, line) for line in text.splitlines() if not line[:1].isspace())
