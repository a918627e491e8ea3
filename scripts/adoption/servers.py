"""How each server is told what to serve: one row a server, written once. A rule finds the app
(`module:name`, or `module:factory()` for an application factory); the first server in a row's
list that the project has, and that can import the app from where it is, serves it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Server:
    program: str  # the command
    package: str  # the package that installs it
    # Its arguments: {app} the app, {factory} the factory flag, {folder} the folder flag.
    arguments: str
    factory: str = ""  # "": it calls `module:factory()` as written
    folder: str = ""  # the flag that adds a folder to the import path
    folder_in_app: bool = False  # it takes the app as a file's path instead (flask --app)
    # Where it listens unless told (by one of `told`): 127.0.0.1, which a published port does not
    # reach; `listen` tells it every address, for a start command the project states.
    told: tuple[str, ...] = ()
    listen: str = ""

    def command(self, app: str, folder: str = "") -> list[str] | None:
        """The start command that serves `app`, imported from `folder`; None where it cannot
        import from there."""
        if folder and not (self.folder or self.folder_in_app):
            return None
        called = app.endswith("()")
        if self.factory:
            app = app.removesuffix("()")
        if folder and self.folder_in_app:
            module, _, name = app.partition(":")
            app = f"{folder}/{module.replace('.', '/')}:{name}"
        words = {
            "{app}": [app],
            "{factory}": [self.factory] if called and self.factory else [],
            "{folder}": [self.folder, folder] if folder and self.folder else [],
        }
        return [self.program, *(w for a in self.arguments.split() for w in words.get(a, [a]))]


# One row a server: how it is told the app, a factory, a folder, and where to listen (every
# address, which a published port reaches; 8000).
SERVERS = {
    server.program: server
    for server in [
        Server("uvicorn", "uvicorn", "{app} {factory} {folder} --host 0.0.0.0 --port 8000",
               factory="--factory", folder="--app-dir", told=("--host", "--uds", "--fd"),
               listen="--host 0.0.0.0"),
        Server("hypercorn", "hypercorn", "{app} --bind 0.0.0.0:8000",
               told=("-b", "--bind", "-c", "--config"), listen="--bind 0.0.0.0:8000"),
        Server("granian", "granian", "--interface asgi {app} {factory} --host 0.0.0.0 "
               "--port 8000", factory="--factory", told=("--host", "--uds"),
               listen="--host 0.0.0.0"),
        Server("sanic", "sanic", "{app} {factory} --host 0.0.0.0 --port 8000",
               factory="--factory", told=("-H", "--host", "-u", "--unix"),
               listen="--host 0.0.0.0"),
        Server("gunicorn", "gunicorn", "{folder} {app} --bind 0.0.0.0:8000", folder="--pythonpath",
               told=("-b", "--bind", "-c", "--config"), listen="--bind 0.0.0.0:8000"),
        Server("waitress-serve", "waitress", "--listen=0.0.0.0:8000 {factory} {app}",
               factory="--call"),  # every address unless told
        Server("flask", "flask", "--app {app} run --host 0.0.0.0 --port 8000",
               folder_in_app=True, told=("-h", "--host"), listen="--host 0.0.0.0"),
    ]
}  # fmt: skip

# The programs a start command the project states may run in prod, by the package that
# installs each: the venv's Python, the project's own console scripts, and these.
PROGRAMS = {server.program: server.package for server in SERVERS.values()}
PROGRAMS.update(
    {"daphne": "daphne", "fastapi": "fastapi-cli", "streamlit": "streamlit", "celery": "celery"}
)
# Packages imported by another name than their own (most import as theirs, - made _).
IMPORT_NAMES = {
    "attrs": "attr",
    "beautifulsoup4": "bs4",
    "gitpython": "git",
    "opencv-python": "cv2",
    "opencv-python-headless": "cv2",
    "pillow": "PIL",
    "protobuf": "google",
    "psycopg2-binary": "psycopg2",
    "pyjwt": "jwt",
    "python-dateutil": "dateutil",
    "python-dotenv": "dotenv",
    "python-multipart": "multipart",
    "pyyaml": "yaml",
    "scikit-learn": "sklearn",
}
# Commands that serve HTTP: prod's health check asks them.
WEB_SERVERS = {"uvicorn", "gunicorn", "hypercorn", "granian", "daphne", "waitress-serve"}
WEB_FRAMEWORKS = {"fastapi", "flask", "django", "starlette", "litestar", "sanic", "quart"}


@dataclass(frozen=True)
class SelfServing:
    """A framework whose script starts its own server (`python app.py`)."""

    title: str
    call: str  # a regular expression for the call that starts it, ending in its bracket
    port_keyword: str  # the call's keyword for the port
    port: str  # the port where the call names none
    local_unless_told: bool = False  # listens on 127.0.0.1 unless the call names a host


# By the dependency that brings it.
SELF_SERVING = {
    "gradio": SelfServing("Gradio", r"\.launch\(", "server_port", "7860"),
    "nicegui": SelfServing("NiceGUI", r"\bui\.run\(", "port", "8080"),
    "python-fasthtml": SelfServing("FastHTML", r"(?m)^\s*serve\(", "port", "5001"),
    "aiohttp": SelfServing("aiohttp", r"\bweb\.run_app\(", "port", "8080"),
    "uvicorn": SelfServing("uvicorn", r"\buvicorn\.run\(", "port", "8000", local_unless_told=True),
}
