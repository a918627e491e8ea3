"""Example projects changed in a way Poetry does not see (a file moved, renamed or added), so
their recorded facts still hold: what adopt decides follows the files."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from adoption.decide import decide

from kit.core.example import EXAMPLES, copy, project


def test_a_django_site_beside_a_front_end_is_served_and_collected_from_its_folder(
    tmp_path: Path,
) -> None:
    """As in Django and React boilerplates: pyproject.toml at the root, the site in backend/."""
    root = copy("django-static-files", tmp_path / "site", into="backend")

    decided = decide(project("django-static-files", root))

    assert decided.command == ["gunicorn", "--chdir", "backend", "mysite.wsgi", "--bind",
                               "0.0.0.0:8000"]  # fmt: skip
    assert decided.assets == "python backend/manage.py collectstatic --noinput"
    assert decided.install == "files"


def test_a_bot_starts_with_its_main_py_not_its_webhook_server(tmp_path: Path) -> None:
    """aiogram's examples have a main.py that polls and a webhook.py, an aiohttp server for
    Telegram's webhook (aiogram brings aiohttp to every bot): a server script starts the app only
    where there is no main.py."""
    root = copy("self-serving-aiohttp", tmp_path / "bot")
    (root / "server.py").rename(root / "webhook.py")
    (root / "main.py").write_text("print('polling')\n")

    decided = decide(project("self-serving-aiohttp", root))

    assert decided.command == ["python", "main.py"]
    assert (decided.serves_itself, decided.health) == ("", "")


def test_a_bot_that_polls_unless_told_to_serve_gets_no_health_check(tmp_path: Path) -> None:
    """One script, two modes (`if WEBHOOK: web.run_app(...) else: start_polling()`): a check of
    the server's port would call the polling bot unhealthy."""
    root = copy("self-serving-aiohttp", tmp_path / "bot")
    server = (EXAMPLES / "self-serving-aiohttp" / "project" / "server.py").read_text()
    polls = "    if os.environ.get('WEBHOOK'):\n        web.run_app(app, port=PORT)\n"
    polls += "    else:\n        dispatcher.start_polling()\n"
    (root / "server.py").unlink()
    (root / "main.py").write_text(server.replace("    web.run_app(app, port=PORT)\n", polls))

    decided = decide(project("self-serving-aiohttp", root))

    assert decided.command == ["python", "main.py"]
    assert (decided.serves_itself, decided.health) == ("", "")


SHOP = "django-settings-the-dockerfile-names"


def test_a_django_sites_production_settings_come_from_its_heroku_yml_before_its_env_example(
    tmp_path: Path,
) -> None:
    """Deployment manifests name the settings prod runs with; .env.example, a developer's; where
    several name some, the production one wins."""
    root = copy(SHOP, tmp_path / "shop")
    (root / "Dockerfile").unlink()
    (root / ".env.example").write_text("DJANGO_SETTINGS_MODULE=site_config.settings.local\n")
    (root / "heroku.yml").write_text(
        "build:\n  docker:\n    web: Dockerfile\nconfig:\n"
        "  DJANGO_SETTINGS_MODULE: site_config.settings.production\n"
    )

    decided = decide(project(SHOP, root))

    assert decided.django_settings == ("site_config.settings.production", "heroku.yml")
    assert decided.command == ["gunicorn", "--env",
                               "DJANGO_SETTINGS_MODULE=site_config.settings.production",
                               "site_config.wsgi", "--bind", "0.0.0.0:8000"]  # fmt: skip
    assert decided.assets.startswith("DJANGO_SETTINGS_MODULE=site_config.settings.production ")


def test_a_django_site_that_names_no_settings_runs_with_manage_pys(tmp_path: Path) -> None:
    root = copy(SHOP, tmp_path / "shop")
    (root / "Dockerfile").unlink()

    decided = decide(project(SHOP, root))

    assert decided.django_settings == ("", "")
    assert decided.command == ["gunicorn", "site_config.wsgi", "--bind", "0.0.0.0:8000"]
    assert decided.assets == "python manage.py collectstatic --noinput"


GUESTBOOK = "heroku-yml-web-process"


@pytest.mark.parametrize(
    ("manifest", "text"),
    [
        ("fly.toml", 'app = "guestbook"\n\n[processes]\n  app = "gunicorn guestbook:app"\n'),
        ("render.yaml", "services:\n  - type: web\n    startCommand: gunicorn guestbook:app\n"),
    ],
)
def test_a_platforms_manifest_states_the_start_command(
    tmp_path: Path, manifest: str, text: str
) -> None:
    root = copy(GUESTBOOK, tmp_path / "guestbook")
    (root / "heroku.yml").unlink()
    (root / manifest).write_text(text)

    decided = decide(project(GUESTBOOK, root))

    assert decided.command == ["gunicorn", "guestbook:app", "--bind", "0.0.0.0:8000"]
    assert decided.stated_in == manifest


def test_the_exec_line_an_entrypoint_script_ends_with_is_the_start_command(
    tmp_path: Path,
) -> None:
    name = "your-dockerfile-entrypoint-script"
    root = copy(name, tmp_path / "inventory")
    script = root / "docker" / "entrypoint.sh"
    script.write_text(script.read_text().replace('exec "$@"', "exec uvicorn inventory.api:app"))

    decided = decide(project(name, root))

    assert decided.command == ["uvicorn", "inventory.api:app", "--host", "0.0.0.0"]  # not 127.0.0.1
    assert decided.stated_in == "the exec line entrypoint.sh ends with"


def test_a_console_script_that_names_a_web_app_object_is_served_not_run(tmp_path: Path) -> None:
    """`run = "wsgi:app"` with `app = create_app()` in wsgi.py (as some Flask tutorials declare
    their app): running it as a command fails (`Flask.__call__() missing 2 required positional
    arguments`), so its server serves the app."""
    root = copy("application-factory-flask", tmp_path / "site")
    (root / "wsgi.py").write_text("from web import create_app\n\napp = create_app()\n")
    found = replace(project("application-factory-flask", root), scripts={"run": "wsgi:app"})

    decided = decide(found)

    assert decided.command[0] == "gunicorn"


def test_a_console_script_that_names_a_cli_object_is_the_command(tmp_path: Path) -> None:
    """A Typer or Click object (`app = typer.Typer()`) runs as a command."""
    root = copy("application-factory-flask", tmp_path / "site")
    (root / "cli.py").write_text("import typer\n\napp = typer.Typer()\n")
    found = replace(project("application-factory-flask", root), scripts={"notes": "cli:app"})

    assert decide(found).command == ["notes"]


def test_a_console_script_of_a_project_that_runs_from_its_files_is_no_command(
    tmp_path: Path,
) -> None:
    """Where the project is no package (package-mode = false, or a root Poetry cannot build, as a
    build script that needs a front end built first), prod never installs its console scripts:
    `exec: "svc": executable file not found`."""
    root = copy("script-main-py", tmp_path / "svc")
    found = replace(project("script-main-py", root), scripts={"svc": "main:run"})

    assert found.packages is None
    assert decide(found).command == ["python", "main.py"]


def test_the_dockerfile_a_platforms_manifest_builds_states_the_command(tmp_path: Path) -> None:
    """fly.toml's [build] names a Dockerfile of its own (fly.dockerfile), whose ENTRYPOINT script
    is copied in under another name and ends with exec "$@": its CMD starts prod."""
    root = copy("no-package-fastapi", tmp_path / "site")
    (root / "fly.toml").write_text('app = "site"\n\n[build]\n  dockerfile = "fly.dockerfile"\n')
    (root / "fly.dockerfile").write_text(
        "FROM python:3.12-slim\nCOPY fly-entrypoint.sh /entrypoint.sh\n"
        'ENTRYPOINT ["/entrypoint.sh"]\nCMD ["uvicorn", "main:app", "--port", "8080"]\n'
    )
    (root / "fly-entrypoint.sh").write_text('#!/bin/sh\nset -e\nexec "$@"\n')

    decided = decide(project("no-package-fastapi", root))

    assert decided.command == ["uvicorn", "main:app", "--port", "8080", "--host", "0.0.0.0"]
    assert decided.stated_in == "fly.toml's fly.dockerfile's CMD, run by fly-entrypoint.sh"


def test_a_standard_library_module_brings_no_group_that_has_its_namesake(tmp_path: Path) -> None:
    """`import asyncio` is the standard library's, even where a group locks PyPI's `asyncio`
    (an old backport): only FastAPI, which importing the package needs, brings the dev group."""
    name = "library-whose-framework-is-in-dev"
    root = copy(name, tmp_path / "lib")
    init = root / "src" / "paginate" / "__init__.py"
    init.write_text("import asyncio\n" + init.read_text())
    found = project(name, root)
    grouped = {**found.group_packages, "compat": ["asyncio"]}
    found = replace(found, group_packages=grouped, groups={**found.groups, "compat": False})

    assert decide(found).groups_for_imports == {"dev": "fastapi"}


@pytest.mark.parametrize(
    ("line", "writable"),
    [
        ('handler = RotatingFileHandler(filename="./var/log/app.log")', ["/app/var/log"]),
        ('logging.basicConfig(level="INFO", filename="logs/app.log")', ["/app/logs"]),
        ('logger.add("logs/{time}.log", rotation="1 day")', ["/app/logs"]),
        ('LOGGING = {"handlers": {"file": {"filename": "log/app.log"}}}', ["/app/log"]),
        ('handler = FileHandler("/var/log/app.log")', []),  # the project's own absolute path
        ('handler = FileHandler("app.log")', []),  # in /app itself, which stays root's
        ('page = render(filename="templates/page.html")', []),  # read, not logged to
    ],
)
def test_a_log_files_relative_folder_is_the_apps_to_write(
    tmp_path: Path, line: str, writable: list[str]
) -> None:
    root = copy("writes-a-log-folder", tmp_path / "ledger")
    init = root / "ledger" / "__init__.py"
    init.write_text(init.read_text().replace('FileHandler("logs/ledger.log")', "StreamHandler()"))
    (root / "ledger" / "logs.py").write_text(line + "\n")

    decided = decide(project("writes-a-log-folder", root))

    assert [path for path, _ in decided.writable] == writable


def test_flask_assets_cache_is_in_the_apps_static_folder_where_prod_has_it(tmp_path: Path) -> None:
    """In the venv where the app's package is a wheel; in /app where prod runs its files."""
    root = copy("flask-assets-cache", tmp_path / "shop")
    found = project("flask-assets-cache", root)

    as_wheel = decide(found).writable
    as_files = decide(replace(found, packages=None)).writable

    site = "/opt/venv/lib/python3.14/site-packages"
    assert as_wheel == [(f"{site}/shop/static/.webassets-cache",
                         "Flask-Assets' cache, for the app in shop/__init__.py")]  # fmt: skip
    assert [path for path, _ in as_files] == ["/app/shop/static/.webassets-cache"]
