"""Where the app writes at run time: the folders prod makes the app user's (WRITABLE_PATHS), from
a table of what writes where. Everything else in prod is root's, read-only to the app. A library
that writes into the app's folders is one row here (and one fixture)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .common import normalize_name
from .project import Project
from .serving import call_argument


@dataclass(frozen=True)
class Writes:
    package: str  # the package in prod that writes; "" where the project's own code does
    folder: str  # the folder it writes, under `under`; "" where `pattern`'s group 1 gives it
    under: str  # "app": the working directory, /app; "static": the Flask app's static folder
    why: str  # what it is, as the report says
    pattern: str = ""  # what in the project's Python files shows the write

    @property
    def where(self) -> str:
        """Where it writes, as docs/adopt.md's table says."""
        if self.pattern:
            return "the folder of a relative path the code names, under /app"
        if self.under == "static":
            return f"`{self.folder}` in the Flask app's static folder"
        return f"`/app/{self.folder}`"


# A log file given a relative path in a folder: logging's file handlers, basicConfig's and
# dictConfig's filename, loguru's logger.add. Absolute paths, and files in /app itself, are not
# matched: the first is the project's own choice, the second a folder prod cannot give the app.
LOG_FILE = (
    r"(?:(?:File|RotatingFile|TimedRotatingFile|WatchedFile)Handler\((?:\s*filename\s*=)?"
    r"|logger\.add\(|basicConfig\([^)]*?filename\s*=|[\"']filename[\"']\s*:)"
    r"\s*[\"'](?:\./)?((?:[\w-][\w.-]*/)+)[^\"'/\s]+[\"']"
)
WRITERS = [
    Writes("", "", "app", "a log file's folder", LOG_FILE),  # handlers, basicConfig, loguru
    Writes("flask-assets", ".webassets-cache", "static", "Flask-Assets' cache"),
    Writes("chainlit", ".files", "app", "Chainlit's uploads"),
    Writes("chainlit", ".chainlit", "app", "Chainlit's config, written at its first start"),
]


def static_folders(project: Project, install: str) -> list[tuple[str, Path]]:
    """Where each Flask app's static folder is in prod (in the venv where its package is
    installed as a wheel), and the file that makes the app."""
    found = []
    for path in project.files_matching(r"\bFlask\("):
        text = project.text(path)
        folder = call_argument(text, r"\bFlask\(", "static_folder").strip("'\" ") or "static"
        if not re.fullmatch(r"[\w.-]+", folder):
            continue  # a path computed at run time
        module = project.module_name(path)
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        if install != "files" and package.split(".")[0] in (project.packages or []):
            site = f"/opt/venv/lib/python{project.python}/site-packages"
            found.append((f"{site}/{package.replace('.', '/')}/{folder}", path))
        else:
            where = path.parent.relative_to(project.root).as_posix()
            found.append((f"/app/{where}/{folder}", path))
    return [(where.replace("/./", "/"), path) for where, path in found]


def writable_paths(project: Project, install: str) -> list[tuple[str, str]]:
    """The folders the app writes at run time, each with why adopt thinks so."""
    found: dict[str, str] = {}
    has = project.has | {normalize_name(project.name)}  # the library's own repository too
    for row in WRITERS:
        if row.package and row.package not in has:
            continue
        if row.under == "static":
            for static, path in static_folders(project, install):
                where = path.relative_to(project.root).as_posix()
                found.setdefault(f"{static}/{row.folder}", f"{row.why}, for the app in {where}")
        elif row.pattern:
            for path in project.files_matching(row.pattern):
                for folder in re.findall(row.pattern, project.text(path)):
                    where = path.relative_to(project.root).as_posix()
                    found.setdefault(f"/app/{folder.rstrip('/')}", f"{row.why}, in {where}")
        else:
            found.setdefault(f"/app/{row.folder}", row.why)
    return list(found.items())
