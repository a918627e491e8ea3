"""A Django site as its own project runs it: the settings module its deployment names, and the
WSGI module its settings point to."""

from __future__ import annotations

import re

from .project import Project

# Where a project names the settings its deployment runs with, first to last: its own Dockerfile,
# its platforms' manifests, its compose files, then the example of its environment.
DECLARING = ["Dockerfile", "heroku.yml", "app.json", "fly.toml", "render.yaml", "compose.yaml",
             "compose.yml", "docker-compose.yml", "docker-compose.yaml", ".env.example",
             ".env.sample", ".env.template"]  # fmt: skip
# The names of a settings module for tests.
TEST_NAMES = ["test", "tests", "testing"]
SETTINGS = re.compile(r"""DJANGO_SETTINGS_MODULE["']?\s*[:=]\s*["']?([A-Za-z_][\w.]*)""")


def declared_settings(project: Project) -> tuple[str, str]:
    """The settings module the project's deployment files name, and the file: the first that
    reads as production's (`config.settings.production`), else the first named; ("", "")."""
    named = []
    for name in DECLARING:
        path = project.root / name
        if path.is_file():
            where = "your Dockerfile" if name == "Dockerfile" else name
            named += [(module, where) for module in SETTINGS.findall(project.text(path))]
    production = [found for found in named if re.search(r"prod", found[0].split(".")[-1])]
    return next(iter(production + named), ("", ""))


def default_settings(project: Project, folder: str) -> str:
    """The settings module manage.py sets by default."""
    manage = project.root / folder / "manage.py"
    text = project.text(manage) if manage.is_file() else ""
    found = re.search(r"""DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']""", text)
    return found.group(1) if found else ""


def test_settings(project: Project, folder: str) -> str:
    """The settings module a Django site's tests run with: one named for tests beside the default
    manage.py sets (config/settings/test.py, settings_test.py), else that default; "" for none."""
    default = default_settings(project, folder)
    if not default:
        return ""
    package, _, leaf = default.rpartition(".")
    inside = [f"{default}.{name}" for name in TEST_NAMES]  # config.settings, a package
    beside = [f"{package}.{name}" for name in TEST_NAMES] if package else []
    named = [f"{package}.{leaf}_test", f"{package}.test_{leaf}"] if package else []
    base = project.root / folder
    for module in [*inside, *beside, *named]:
        if base.joinpath(*module.split(".")).with_suffix(".py").is_file():
            return module
    return default


def production_settings(project: Project) -> tuple[str, str]:
    """A Django site's settings module for prod, where its deployment names one that manage.py
    does not set by default (config.settings.production), and where; ("", "") otherwise."""
    folder = project.django_folder()
    if not folder:
        return "", ""
    named, where = declared_settings(project)
    return (named, where) if named and named != default_settings(project, folder) else ("", "")


def wsgi_module(project: Project, folder: str) -> str:
    """The module WSGI_APPLICATION names (`apps.site.wsgi`, two folders deep) in the site's
    settings, imported from the site's folder; else the site package's wsgi.py beside its settings
    (settings.py or a settings/ package); "" for none."""
    base = project.root / folder
    for path in sorted(base.rglob("*.py")):
        if "settings" in (path.stem, path.parent.name):
            named = re.search(r"""(?m)^WSGI_APPLICATION\s*=\s*["']([\w.]+)\.\w+["']""",
                              project.text(path))  # fmt: skip
            if named and base.joinpath(*named.group(1).split(".")).with_suffix(".py").is_file():
                return named.group(1)
    sites = sorted(p.parent for p in base.glob("*/wsgi.py"))
    settings = [s for s in sites if (s / "settings.py").exists() or (s / "settings").is_dir()]
    return f"{settings[0].name}.wsgi" if settings else ""
