"""Example projects changed in a way Poetry does not see (a file moved, renamed or added), so
their recorded facts still hold: what adopt decides follows the files."""

from __future__ import annotations

from pathlib import Path

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
