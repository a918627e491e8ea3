"""`scripts/adopt --check`, end to end: prod built and run locked down, on a generated server that
fails each way the check knows (as its MODE says), until it is given what fixes that. Each run
ends in its one-line diagnosis; given the fix that diagnosis names, the check reports it healthy.
The classifier's rules are proven without Docker, on recorded logs (kit/core/test_check.py)."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from kit.core import example
from kit.support import (
    HOST_UID,
    LOCKED_DOWN,
    REPO,
    as_written,
    base_image,
    copy_repo,
    readme_command,
    run,
    snapshot,
    unique,
)

# Its tests share one adopted project: one of scripts/test's two workers runs them all.
pytestmark = pytest.mark.xdist_group("check")

SERVER = '''\
"""A server that fails as MODE says, until it is given what fixes that."""

import ctypes
import http.server
import os
import socket
import sys

mode = os.environ.get("MODE", "")
if mode == "writes":
    os.makedirs(os.environ.get("VISITS", "visits"), exist_ok=True)
if mode == "setting":
    os.environ["SECRET_KEY"]
if mode == "library":
    ctypes.CDLL("libpq.so.5")
if mode == "service":
    socket.create_connection((os.environ.get("DATABASE_HOST", "db"), 5432), timeout=5)
if mode == "exit":
    sys.exit("no work today")
host = os.environ.get("HOST", "127.0.0.1" if mode == "loopback" else "0.0.0.0")
port = int(os.environ.get("PORT", "5000" if mode == "port" else "8000"))


class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()


http.server.HTTPServer((host, port), Health).serve_forever()
'''
PYPROJECT = """\
[project]
name = "failing-ways"
version = "1"
requires-python = ">=3.13"

[tool.poetry]
package-mode = false
"""
# The server's own tests: one passes, one is skipped.
TESTS = """\
from pathlib import Path

import pytest


def test_the_server_reads_its_mode_from_the_environment() -> None:
    assert 'os.environ.get("MODE"' in (Path(__file__).parent.parent / "main.py").read_text()


@pytest.mark.skip(reason="one skipped, to be counted")
def test_skipped() -> None:
    pass
"""
# A failure, what the check says of it, and the fix that names (the environment it gets).
FIXED_BY_A_SETTING = {
    "writes": ("the app writes /app/visits, and prod's files are read-only", "VISITS=/tmp/v"),
    "setting": ("it needs the environment variable SECRET_KEY: ", "SECRET_KEY=s3cret"),
    "loopback": ("it listens on 127.0.0.1:8000 only: ", "HOST=0.0.0.0"),
    "port": ("it listens on port 5000, not on 8000, ", "PORT=8000"),
}


def check(root: Path, *settings: str, dev: bool = False) -> tuple[int, str]:
    """`scripts/adopt ROOT --check-only -e NAME=VALUE... [--dev]`: its exit code and what it
    said."""
    given = [f"--env={setting}" for setting in settings] + ["--dev"] * dev
    command = [sys.executable, str(REPO / "scripts" / "adopt"), str(root), "--check-only", *given]
    result = run(command, check=False)
    return result.returncode, result.stdout


def verdict(output: str) -> str:
    """The check's last word: `works: ...` or `fails: ...`."""
    ends = ("check: works: ", "check: fails: ")
    return next(line for line in reversed(output.splitlines()) if line.startswith(ends))


def with_section(root: Path, name: str, value: str) -> None:
    """An edit of the Dockerfile's project section, as a user makes one: ARG NAME=value."""
    dockerfile = root / "Dockerfile"
    text = dockerfile.read_text()
    old = next(line for line in text.splitlines() if line.startswith(f"ARG {name}="))
    dockerfile.write_text(text.replace(old, f"ARG {name}={value}", 1))


@contextmanager
def listening_service() -> Iterator[str]:
    """A TCP service on port 5432 in a container of its own: its address."""
    name = unique("kit-check-db")
    image = base_image()
    serve = ["python", "-m", "http.server", "5432"]
    run(["docker", "run", "-d", "--name", name, *LOCKED_DOWN, image, *serve])
    try:
        address = "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}"
        yield run(["docker", "inspect", "--format", address, name]).stdout.strip()
    finally:
        run(["docker", "rm", "-f", name], check=False)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The server adopted, and its health check named in the project section (adopt cannot
    tell that a plain script serves HTTP), as its user would."""
    root = tmp_path_factory.mktemp("check") / "failing-ways"
    root.mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "main.py").write_text(SERVER)
    (root / "tests").mkdir()
    (root / "tests" / "test_server.py").write_text(TESTS)
    adopted = run([sys.executable, str(REPO / "scripts" / "adopt"), str(root)], check=False)
    assert adopted.returncode == 0, adopted.stdout
    with_section(root, "HEALTHCHECK_URL", "http://127.0.0.1:8000/")
    if os.geteuid() == 0:  # the Dev Containers CLI run as root maps no UID: the host user's files
        run(["chown", "-R", f"{HOST_UID}:{HOST_UID}", str(root)])
    return root


def test_the_check_reports_a_healthy_prod_and_leaves_nothing_behind(server: Path) -> None:
    before = snapshot(server)
    containers = run(["docker", "ps", "-aq", "--filter", "name=kit-check-"]).stdout

    code, output = check(server)

    assert code == 0, output
    assert verdict(output).startswith("check: works: healthy in "), output
    assert "listening on 0.0.0.0:8000" in verdict(output)
    assert "check: it starts with `python main.py`, read-only" in output
    assert snapshot(server) == before
    assert run(["docker", "ps", "-aq", "--filter", "name=kit-check-"]).stdout == containers
    assert "kit-check-" not in run(["docker", "images", "--format", "{{.Repository}}"]).stdout


@pytest.mark.parametrize("mode", FIXED_BY_A_SETTING)
def test_a_failure_is_named_and_the_fix_it_names_makes_prod_healthy(
    server: Path, mode: str
) -> None:
    says, fix = FIXED_BY_A_SETTING[mode]

    failed_code, failed = check(server, f"MODE={mode}")
    fixed_code, fixed = check(server, f"MODE={mode}", fix)

    assert failed_code == 1, failed
    assert verdict(failed).startswith(f"check: fails: {says}"), failed
    assert fixed_code == 0, fixed
    assert verdict(fixed).startswith("check: works: healthy in "), fixed


def test_a_service_out_of_reach_is_named_and_its_address_makes_prod_healthy(
    server: Path,
) -> None:
    failed_code, failed = check(server, "MODE=service")
    with listening_service() as address:
        fixed_code, fixed = check(server, "MODE=service", f"DATABASE_HOST={address}")

    assert failed_code == 1
    assert verdict(failed).startswith("check: fails: a database or cache it needs is not "), failed
    assert "Name or service not known" in verdict(failed) or "name resolution" in verdict(failed)
    assert fixed_code == 0, fixed


def test_a_missing_system_library_is_named_and_runtime_packages_bring_it(
    server: Path, tmp_path: Path
) -> None:
    root = shutil.copytree(server, tmp_path / "failing-ways")

    failed_code, failed = check(root, "MODE=library")
    with_section(root, "RUNTIME_PACKAGES", '"libpq5"')
    fixed_code, fixed = check(root, "MODE=library")

    assert failed_code == 1
    assert verdict(failed).startswith("check: fails: prod lacks the system library libpq.so.5"), (
        failed
    )
    assert "RUNTIME_PACKAGES" in verdict(failed)
    assert fixed_code == 0, fixed


def test_an_exit_the_kit_does_not_know_shows_the_logs_last_lines(server: Path) -> None:
    code, output = check(server, "MODE=exit")

    assert code == 1
    assert "check: fails: it exits with code 1 before it is healthy, for a reason the kit" in output
    assert output.rstrip().endswith("no work today"), output


def test_with_dev_the_check_runs_the_projects_tests_in_the_dev_container(server: Path) -> None:
    code, output = check(server, dev=True)
    left = ["docker", "ps", "-aq", "--filter", f"label=devcontainer.local_folder={server}"]

    assert code == 0, output
    assert "check: the dev container opens in " in output
    assert verdict(output) == (
        "check: works: the project's tests in the dev container: 1 passed, 1 skipped"
    ), output
    assert run(left).stdout == ""


def test_a_refused_write_is_tried_with_a_tmpfs_and_the_writable_paths_it_names_make_prod_work(
    server: Path, tmp_path: Path
) -> None:
    root = shutil.copytree(server, tmp_path / "failing-ways")
    volumes = ["docker", "volume", "ls", "-q", "--filter", "dangling=true"]
    left_before = set(run(volumes).stdout.split())

    failed_code, failed = check(root, "MODE=writes")
    with_section(root, "WRITABLE_PATHS", '"/app/visits"')
    fixed_code, fixed = check(root, "MODE=writes")

    assert failed_code == 1
    tried = "check: tried: with a tmpfs at /app/visits too, prod works: make it ARG "
    assert f'{tried}WRITABLE_PATHS="/app/visits" in the Dockerfile' in failed, failed
    assert fixed_code == 0, fixed
    assert "UID 10001, a tmpfs at /tmp, a volume at /app/visits" in fixed
    assert set(run(volumes).stdout.split()) <= left_before


def test_a_log_folder_adopt_finds_is_the_apps_to_write_in_read_only_prod(tmp_path: Path) -> None:
    """The README's adopt commands as written, from a clone of the kit beside the project."""
    kit = copy_repo(tmp_path / "kit")
    root = example.copy("writes-a-log-folder", tmp_path / "my-project")
    adopted = as_written(kit, readme_command("python3 scripts/adopt ../my-project"))
    checked = as_written(kit, readme_command("python3 scripts/adopt ../my-project --check-only"))
    with_env = as_written(
        kit, readme_command("python3 scripts/adopt ../my-project --check-only -e SECRET_KEY=dev")
    )

    assert 'ARG WRITABLE_PATHS="/app/logs"' in (root / "Dockerfile").read_text(), adopted.stdout
    assert checked.returncode == 0, checked.stdout
    assert verdict(checked.stdout).startswith("check: works: healthy in "), checked.stdout
    assert with_env.returncode == 0, with_env.stdout
