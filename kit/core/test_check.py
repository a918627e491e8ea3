"""`adopt --check`'s judgement, without Docker: the class each log gets (kit/core/check-logs/:
recorded in the corpus's end-to-end runs, or as the library prints it), what the container's
sockets say, and the one line a run ends in. The Docker tier runs the check itself
(kit/test_check.py)."""

from __future__ import annotations

from pathlib import Path

from adoption.check import (
    SAYS,
    Seen,
    classified,
    diagnosis_in,
    listening,
    pytest_counts,
    verdict,
)

LOGS = Path(__file__).resolve().parent / "check-logs"

# A log, and the class and values the check reads from it.
# fmt: off
CLASSIFIED = {
    "flask-assets-tutorial.log":    ("writes", {"path": "/app/logs"}),
    "flask-blueprint-tutorial.log": ("writes", {"path": "/opt/venv/lib/python3.13/site-packages/"
                                     "flask_blueprint_tutorial/static/.webassets-cache"}),
    "relative-write.log":           ("writes", {"path": "/app/uploads/avatar.png"}),
    "sqlite.log":                   ("sqlite", {}),
    "django-secret-key.log":        ("setting", {"name": "SECRET_KEY"}),
    "django-environ.log":           ("setting", {"name": "DATABASE_URL"}),
    "django-no-settings.log":       ("setting", {"name": "DJANGO_SETTINGS_MODULE"}),
    "decouple.log":                 ("setting", {"name": "SECRET_KEY"}),
    "environs.log":                 ("setting", {"name": "API_KEY"}),
    "os-environ.log":               ("setting", {"name": "TOKEN"}),
    "sir-lancebot.log":             ("pydantic", {"model": "_Client", "field": "token"}),
    "psycopg2-no-libpq.log":        ("library", {"lib": "libpq.so.5"}),
    "python-magic.log":             ("library", {"lib": "libmagic."}),
    "cairocffi.log":                ("library", {"lib": "cairo-2"}),
    "lazy-import.log":              ("module", {"module": "boto3"}),
    "psycopg2-no-database.log":     ("service", {"said": "psycopg2.OperationalError: could not "
                                     'translate host name "db" to address: Name or service not '
                                     "known"}),
    "redis-refused.log":            ("service", {"said": "redis.exceptions.ConnectionError: Error "
                                     "111 connecting to localhost:6379. Connection refused."}),
    "unknown.log":                  ("", {}),
}
# fmt: on

# /proc/net/tcp and tcp6 as `cat` shows them in a container: a listener on 127.0.0.1:5000, one on
# 0.0.0.0:8000 (its connection from the health check is not listening), and on [::]:8080,
# [::1]:9000 and IPv4-mapped [::ffff:127.0.0.1]:7000.
PROC_NET = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1388 00000000:0000 0A 00000000:00000000 00:00000000 00000000 10001        0 1 1
   1: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000 10001        0 2 1
   2: 0100007F:1F40 0100007F:B0F2 01 00000000:00000000 00:00000000 00000000 10001        0 3 1
  sl  local_address                         remote_address                        st tx_queue
   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:0
   1: 00000000000000000000000001000000:2328 00000000000000000000000000000000:0000 0A 00000000:0
   2: 0000000000000000FFFF00000100007F:1B58 00000000000000000000000000000000:0000 0A 00000000:0
"""


def log(name: str) -> str:
    return (LOGS / name).read_text()


def test_each_log_gets_its_class_and_what_it_names() -> None:
    found = {name: classified(log(name)) for name in CLASSIFIED}
    assert found == CLASSIFIED


def test_every_log_in_the_folder_is_in_the_table() -> None:
    assert sorted(path.name for path in LOGS.iterdir()) == sorted(CLASSIFIED)


def test_every_class_is_a_line_that_says_what_to_change() -> None:
    for name, (kind, _) in CLASSIFIED.items():
        said = diagnosis_in(log(name))
        assert ("\n" not in said and ": " in said) if kind else said == "", name
    assert {kind for kind, _ in CLASSIFIED.values()} - {""} == set(SAYS)


def test_a_missing_setting_is_named_with_how_to_pass_it() -> None:
    said = diagnosis_in(log("django-secret-key.log"))
    assert said.startswith("it needs the environment variable SECRET_KEY: ")
    assert "-e SECRET_KEY=VALUE" in said
    assert "environment variable TOKEN" in diagnosis_in(log("sir-lancebot.log"))


def test_the_sockets_a_container_listens_on_are_read_from_proc_net() -> None:
    assert listening(PROC_NET) == [
        ("0.0.0.0", 8000), ("127.0.0.1", 5000), ("127.0.0.1", 7000), ("::", 8080), ("::1", 9000)
    ]  # fmt: skip


def test_a_healthy_app_works_unless_it_listens_on_loopback_only() -> None:
    public = Seen("healthy", 3, listens=[("0.0.0.0", 8000)])
    private = Seen("healthy", 3, listens=[("127.0.0.1", 8000), ("::1", 8000)])

    assert verdict(public, "8000") == (True, "healthy in 3 s, listening on 0.0.0.0:8000")
    works, said = verdict(private, "8000")
    assert not works
    assert said.startswith("it listens on 127.0.0.1:8000, ::1:8000 only: ")
    assert "0.0.0.0" in said


def test_an_app_up_on_another_port_is_told_which_port() -> None:
    elsewhere = Seen("not healthy", 15, listens=[("0.0.0.0", 5000)], log="Connection refused")

    works, said = verdict(elsewhere, "8000")

    assert not works
    assert said.startswith("it listens on port 5000, not on 8000, ")
    assert "APP_PORT and HEALTHCHECK_URL" in said


def test_an_exit_is_diagnosed_from_its_log_or_said_to_be_unknown() -> None:
    known = Seen("exited", 2, exit_code=3, log=log("flask-assets-tutorial.log"))
    unknown = Seen("exited", 2, exit_code=1, log=log("unknown.log"))
    never = Seen("not healthy", 120, log="starting\n")

    assert verdict(known, "8000") == (False, diagnosis_in(log("flask-assets-tutorial.log")))
    assert verdict(unknown, "8000")[1].startswith("it exits with code 1 before it is healthy, ")
    assert "not know" in verdict(unknown, "8000")[1]
    assert verdict(never, "8000")[1].startswith("not healthy after 120 s, listening on nothing, ")


def test_what_needs_no_health_check_works_by_running_or_staying_up() -> None:
    assert verdict(Seen("ran", 1), "8000") == (True, "ran: exit code 0")
    assert verdict(Seen("up", 20), "8000")[0]


def test_the_dev_containers_tests_are_counted_from_pypytest_counts() -> None:
    assert pytest_counts("..s\n2 passed, 1 skipped in 0.52s\n") == "2 passed, 1 skipped"
    assert pytest_counts("F.\n==== 1 failed, 1 passed, 2 warnings in 3.10s ====\n") == (
        "1 failed, 1 passed, 2 warnings"
    )
    assert pytest_counts("\nno tests ran in 0.01s\n") == "no tests ran in 0.01s"
