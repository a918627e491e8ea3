"""F5 and the Testing view in the dev container, driven as VS Code drives them: each configuration
of .vscode/launch.json run through debugpy's own debug adapter (the version poetry.lock pins) over
the Debug Adapter Protocol; test discovery with the workspace's pytest arguments; ruff run as the
Ruff extension runs it on save."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from kit.support import REPO, DevContainer
from kit.vscode import (
    Breakpoint,
    debug_the_first_test,
    debugging,
    discovered,
    launch_configuration,
    settings_of,
    status_of,
)


def readme_attach_command() -> list[str]:
    found = re.search(
        r"`(python [^`]*-m debugpy --listen [^`]+)`", (REPO / "README.md").read_text()
    )
    assert found, "README: no `python ... -m debugpy --listen ...` command"
    return found.group(1).split()


def in_the_health_handler(container: DevContainer) -> Breakpoint:
    return Breakpoint.at(container, "src/minimal_py_poetry/app.py", 'return {"status": "ok"}')


def test_f5_run_the_service_stops_in_the_health_handler_of_the_reloaded_server(
    dev_container: DevContainer,
) -> None:
    """uvicorn --reload serves from a child process: the adapter asks for it to be debugged too
    (`startDebugging`), and it is there that the breakpoint is hit."""
    here = in_the_health_handler(dev_container)
    config = launch_configuration(dev_container, "Run the service (reload)")
    with debugging(dev_container, here) as debugger:
        launched = time.monotonic()
        debugger.start(debugger.adapter(), config)
        request = debugger.get("http://127.0.0.1:8000/health")
        stop = debugger.stopped()
        print(f"Run the service: first stop {time.monotonic() - launched:.1f} s after launch")
        status = status_of(request)

    assert stop == here.hit
    assert status == 200


def test_f5_debug_tests_stops_inside_the_test_the_testing_view_debugs(
    dev_container: DevContainer,
) -> None:
    debugged = debug_the_first_test(dev_container)
    print(f"Debug tests: first stop {debugged.seconds:.1f} s after launch")

    assert debugged.node == "tests/test_app.py::test_health_returns_200_and_ok"
    assert debugged.stop == debugged.breakpoint.hit
    assert debugged.exit_code == 0  # the test passed once it continued


def test_f5_attach_stops_in_the_process_the_readme_starts_under_debugpy(
    dev_container: DevContainer,
) -> None:
    here = in_the_health_handler(dev_container)
    config = launch_configuration(dev_container, "Attach (port 5678)")
    # The README's command as written; the app reads its port from $PORT: one not in use here.
    started = dev_container.command("env", "PORT=8010", *readme_attach_command())
    with ExitStack() as stack:
        output = stack.enter_context(tempfile.TemporaryFile())
        process = subprocess.Popen(started, stdin=subprocess.DEVNULL, stdout=output, stderr=output)
        stack.callback(process.wait)
        stack.callback(process.kill)
        debugger = stack.enter_context(debugging(dev_container, here))
        launched = time.monotonic()
        session = debugger.connect("attach", config["connect"]["host"], config["connect"]["port"])
        debugger.start(session, config)
        request = debugger.get("http://127.0.0.1:8010/health")
        stop = debugger.stopped()
        print(f"Attach: first stop {time.monotonic() - launched:.1f} s after attach")
        status = status_of(request)
        output.seek(0)
        printed = output.read().decode(errors="replace")

    assert stop == here.hit
    assert status == 200
    # debugpy's warning that breakpoints may be missed, which the README's command avoids.
    assert "frozen modules" not in printed, printed


def node_ids_in(folder: Path) -> set[str]:
    """pytest node IDs of every test function and test method in a folder, read from source."""
    found = set()
    for path in sorted(folder.rglob("test_*.py")):
        relative = path.relative_to(folder.parent).as_posix()
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
                found.add(f"{relative}::{node.name}")
            if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                for method in node.body:
                    if isinstance(method, ast.FunctionDef) and method.name.startswith("test"):
                        found.add(f"{relative}::{node.name}::{method.name}")
    return found


def test_the_testing_view_discovers_every_test_in_tests(dev_container: DevContainer) -> None:
    assert set(discovered(dev_container)) == node_ids_in(dev_container.workspace / "tests")


def test_format_on_save_writes_what_pre_commit_writes(dev_container: DevContainer) -> None:
    """The Ruff extension on save: `source.fixAll`, `source.organizeImports`, then the format,
    with the project's settings, on the editor's text through stdin; ruff from the selected
    interpreter's environment. pre-commit's hooks, on the same text saved as a file."""
    untidy = "import sys\nimport os\n\ndef joined( a,b ):\n  return os.path.join( a,b )\n"
    relative = "src/minimal_py_poetry/untidy_probe.py"
    probe = dev_container.workspace / relative
    ruff = str(
        Path(settings_of(dev_container.workspace)["python.defaultInterpreterPath"]).parent / "ruff"
    )
    stdin = '--stdin-filename "$1" -'
    on_save = (  # fixAll with the project's rules, organizeImports (isort's rules), the format
        f'{ruff} check --fix --exit-zero --silent {stdin} < "$1"'
        f" | {ruff} check --fix --exit-zero --silent --select I {stdin}"
        f" | {ruff} format {stdin}"
    )
    try:
        probe.write_text(untidy)
        owner = dev_container.workspace.stat()
        os.chown(probe, owner.st_uid, owner.st_gid)  # the container's user saves it
        saved = dev_container.exec("sh", "-c", on_save, "on-save", relative).stdout
        dev_container.exec("pre-commit", "run", "--files", relative, check=False)
        committed = probe.read_text()
    finally:
        probe.unlink(missing_ok=True)

    assert saved == committed
    assert committed != untidy and "import sys" not in committed
