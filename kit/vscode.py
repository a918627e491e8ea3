"""VS Code's side of the dev container, played by the tests: the settings it applies, the debug
configurations it resolves from .vscode/launch.json and runs through debugpy's adapter (DAP), the
Testing view's discovery and its debug button."""

from __future__ import annotations

import ast
import json
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kit.dap import RELAY, VS_CODE, DebugSession, Message
from kit.support import DevContainer

# Run inside the container: GET a URL once the server answers (it may still be starting), and
# print the status. No read timeout: a breakpoint holds the response until the test continues.
GET = """
import sys, time, urllib.request
deadline = time.monotonic() + 180
while True:
    try:
        with urllib.request.urlopen(sys.argv[1]) as response:
            print(response.status)
            break
    except OSError:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.3)
"""


def settings_of(workspace: Path) -> dict:
    """The VS Code settings the container gets: devcontainer.json's, then the workspace's."""
    devcontainer = json.loads((workspace / ".devcontainer" / "devcontainer.json").read_text())
    settings = devcontainer["customizations"]["vscode"]["settings"]
    workspace_settings = workspace / ".vscode" / "settings.json"
    if workspace_settings.exists():
        settings = {**settings, **json.loads(workspace_settings.read_text())}
    return settings


def launch_configuration(container: DevContainer, name: str = "", purpose: str = "") -> Message:
    """A configuration of .vscode/launch.json, by name or purpose, as the Python Debugger
    extension hands it to the adapter: VS Code's variables filled in, and the extension's
    defaults added (the interpreter the workspace selects, the workspace as cwd, the integrated
    terminal; for an attach to this machine, the workspace mapped to itself)."""
    text = (container.workspace / ".vscode" / "launch.json").read_text()
    text = text.replace("${workspaceFolder}", container.remote_workspace)
    chosen = [
        config
        for config in json.loads(text)["configurations"]
        if config["name"] == name or purpose in config.get("purpose", [])
    ]
    assert len(chosen) == 1, f"launch.json: no single configuration {name or purpose!r}"
    config = chosen[0]
    config.setdefault("justMyCode", True)
    if config["request"] == "launch":
        config.setdefault(
            "python", [settings_of(container.workspace)["python.defaultInterpreterPath"]]
        )
        config.setdefault("cwd", container.remote_workspace)
        config.setdefault("console", "integratedTerminal")
    elif config["connect"]["host"] in ("localhost", "127.0.0.1"):
        mapping = {
            "localRoot": container.remote_workspace,
            "remoteRoot": container.remote_workspace,
        }
        config.setdefault("pathMappings", [mapping])
    return config


def line_of(path: Path, text: str) -> int:
    """The number of the one line of a file that holds `text`."""
    lines = [n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line]
    assert len(lines) == 1, f"{path}: {text!r} on lines {lines}"
    return lines[0]


@dataclass
class Breakpoint:
    """A line of the workspace's source, by its path in the container."""

    path: str
    line: int

    @property
    def hit(self) -> tuple[str, str, int]:
        """What `Debugger.stopped` says when the debuggee stops here."""
        return ("breakpoint", self.path, self.line)

    @classmethod
    def at(cls, container: DevContainer, relative: str, text: str) -> Breakpoint:
        line = line_of(container.workspace / relative, text)
        return cls(f"{container.remote_workspace}/{relative}", line)


class Debugger:
    """VS Code's side of one debugging run: its sessions and the terminals they asked for."""

    def __init__(self, container: DevContainer, breakpoint: Breakpoint) -> None:
        self.container = container
        self.breakpoint = breakpoint
        self.sessions: list[DebugSession] = []
        self.terminals: list[subprocess.Popen[bytes]] = []
        self.failures: list[str] = []

    def session(self, name: str, command: list[str]) -> DebugSession:
        session = DebugSession(self.container.command(*command), name)
        session.answers["runInTerminal"] = self.run_in_terminal
        session.answers["startDebugging"] = self.start_debugging
        self.sessions.append(session)
        return session

    def adapter(self) -> DebugSession:
        """debugpy's adapter from the workspace's interpreter, on stdio: how VS Code starts it
        for a launch."""
        return self.session("adapter", ["python", "-m", "debugpy.adapter"])

    def connect(self, name: str, host: str, port: int) -> DebugSession:
        """A session over a TCP socket in the container: an attach, or a child process."""
        return self.session(name, ["python", "-c", RELAY, host, str(port), "120"])

    def run_in_terminal(self, arguments: Message) -> Message:
        """What the integrated terminal does with the adapter's `runInTerminal`: run the command
        in the container, in `cwd`, with `env` on top of the terminal's environment."""
        env = arguments.get("env") or {}
        assignments = [f"{key}={value}" for key, value in env.items() if value is not None]
        unset = [f"--unset={key}" for key, value in env.items() if value is None]
        args = arguments["args"]
        if arguments.get("argsCanBeInterpretedByShell"):
            args = ["sh", "-c", " ".join(args)]
        in_cwd = ["sh", "-c", 'cd "$1" && shift && exec "$@"', "terminal"]
        cwd = arguments.get("cwd") or self.container.remote_workspace
        command = self.container.command("env", *unset, *assignments, *in_cwd, cwd, *args)
        log = self.sessions[0].log
        self.terminals.append(
            subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        )
        return {}

    def start_debugging(self, arguments: Message) -> Message:
        """What VS Code does with the adapter's `startDebugging` (a child process to debug, such
        as the server uvicorn's reloader starts): a session of its own, on the adapter's port,
        with the breakpoints. Answered at once; the session starts beside the test's thread."""
        child = {**arguments["configuration"], "request": arguments["request"]}

        def attach() -> None:
            session = self.connect(child["name"], **child["connect"])
            try:
                self.start(session, child)
            except AssertionError as failure:
                self.failures.append(str(failure))

        threading.Thread(target=attach, daemon=True).start()
        return {}

    def start(self, session: DebugSession, configuration: Message) -> None:
        """The requests VS Code sends to begin a session, the breakpoint set as an editor's
        gutter sets it."""
        session.request("initialize", VS_CODE)
        started = session.send(configuration["request"], configuration)
        # Long enough for a debuggee under emulation (arm64 here), which takes minutes to start.
        session.event("initialized", timeout=600)
        placed = session.request(
            "setBreakpoints",
            {
                "source": {"path": self.breakpoint.path},
                "breakpoints": [{"line": self.breakpoint.line}],
            },
        )
        assert len(placed["breakpoints"]) == 1, placed
        session.request("setExceptionBreakpoints", {"filters": []})
        session.request("configurationDone")
        session.response_to(started, timeout=300)

    def stopped(self, timeout: float = 300) -> tuple[str, str, int]:
        """Why and where a debuggee (in any of the sessions) first stopped: the top frame's file
        and line. Then it continues."""
        deadline = time.monotonic() + timeout
        while not (stops := [s for s in self.sessions if s.has_event("stopped")]):
            assert not self.failures, self.failures
            assert time.monotonic() < deadline, f"no stop in {timeout:.0f} s: {self.report()}"
            time.sleep(0.2)
        session = stops[0]
        stopped = session.event("stopped")
        trace = session.request("stackTrace", {"threadId": stopped["threadId"], "levels": 1})
        frame = trace["stackFrames"][0]
        session.request("continue", {"threadId": stopped["threadId"]})
        return stopped["reason"], frame["source"]["path"], frame["line"]

    def report(self) -> str:
        return "; ".join(f"{session.name}: {session}" for session in self.sessions)

    def get(self, url: str) -> subprocess.Popen[str]:
        """GET a URL from inside the container, in the background."""
        command = self.container.command("python", "-c", GET, url)
        return subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True
        )

    def close(self) -> None:
        for session in self.sessions:
            if session.process.poll() is None:
                session.send("disconnect", {"terminateDebuggee": True})
        for session in self.sessions:
            session.close()
        for terminal in self.terminals:
            terminal.kill()
            terminal.wait()


@contextmanager
def debugging(container: DevContainer, breakpoint: Breakpoint) -> Iterator[Debugger]:
    """A debugging run whose debuggees are terminated afterwards, whatever happened."""
    debugger = Debugger(container, breakpoint)
    try:
        yield debugger
    finally:
        debugger.close()


def status_of(request: subprocess.Popen[str]) -> int:
    out, _ = request.communicate(timeout=120)
    return int(out.split()[-1]) if request.returncode == 0 and out.split() else -1


# Run inside the container: pytest's collection with a plugin that reports what it collected,
# whatever verbosity the project's own pytest options set, as the Python extension's plugin does.
DISCOVER = """
import sys, pytest
class Report:
    def pytest_collection_finish(self, session):
        print("\\n".join("collected: " + item.nodeid for item in session.items))
sys.exit(pytest.main(["--collect-only", "-p", "no:cacheprovider", *sys.argv[1:]], [Report()]))
"""


def discovered(container: DevContainer) -> list[str]:
    """The tests the Testing view lists, as node IDs: pytest's collection from the workspace root,
    with the workspace's `python.testing.pytestArgs`."""
    pytest_args = settings_of(container.workspace)["python.testing.pytestArgs"]
    listed = container.exec("python", "-c", DISCOVER, *pytest_args).stdout.splitlines()
    return [line.removeprefix("collected: ") for line in listed if line.startswith("collected: ")]


def first_statement(path: Path, names: list[str]) -> int:
    """The line of a test's first statement (a docstring is not one), by its names in the file:
    [function] or [class, method]."""
    scope: list[ast.stmt] = ast.parse(path.read_text()).body
    for name in names:
        (node,) = [n for n in scope if getattr(n, "name", None) == name]
        assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef), node
        scope = node.body
    if isinstance(scope[0], ast.Expr) and isinstance(scope[0].value, ast.Constant):
        scope = scope[1:]
    return scope[0].lineno


@dataclass
class DebuggedTest:
    node: str  # the test, as discovery lists it
    breakpoint: Breakpoint  # on its first statement
    stop: tuple[str, str, int]  # why and where it stopped: (reason, path, line)
    exit_code: int  # pytest's, once it continued
    seconds: float  # from launch to the stop


def debug_the_first_test(container: DevContainer) -> DebuggedTest:
    """The Testing view's debug button on the first test discovery lists (one case, if it is
    parametrized): the `debug-test` configuration, pytest run in-process on that one node ID, from
    the workspace, with the workspace's pytest options, a breakpoint on the test's first
    statement."""
    node = discovered(container)[0]
    relative, *names = node.split("[")[0].split("::")  # test_x[case-1]: one case of test_x
    line = first_statement(container.workspace / relative, names)
    here = Breakpoint(f"{container.remote_workspace}/{relative}", line)
    config = launch_configuration(container, purpose="debug-test")
    # The workspace's pytest args, less the folders and files in them: the node ID says what runs.
    pytest_args = settings_of(container.workspace)["python.testing.pytestArgs"]
    options = [arg for arg in pytest_args if not (container.workspace / arg).exists()]
    rootdir = ["--rootdir", container.remote_workspace]
    config.update(module="pytest", args=[*rootdir, *options, "-p", "no:cacheprovider", node])
    with debugging(container, here) as debugger:
        launched = time.monotonic()
        adapter = debugger.adapter()
        debugger.start(adapter, config)
        stop = debugger.stopped()
        seconds = time.monotonic() - launched
        exited = adapter.event("exited", timeout=300)
    return DebuggedTest(node, here, stop, exited["exitCode"], seconds)
