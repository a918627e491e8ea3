"""`adopt --check`: prod built and run as the README runs it (read-only, no capabilities, UID
10001, a tmpfs at /tmp), watched until it is healthy or fails; a failure said in one line, with
what to change. The rules are a table, first match wins: a new class of failure is one row."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .common import SECTION_END, Stop

# How prod runs, as the README says: nothing in the image can change, /tmp is the one place to
# write, no capabilities, no setuid. (USER 10001 is the image's own.)
LOCKED = ["--read-only", "--tmpfs", "/tmp", "--cap-drop", "ALL",
          "--security-opt", "no-new-privileges"]  # fmt: skip
# How long a server may take to turn healthy (prod's HEALTHCHECK gives it 30 s, then 3 tries 30 s
# apart); how long a process without a health check must stay up to count as a worker or bot;
# how long a server may listen on other ports than APP_PORT before that is the answer.
HEALTHY_WITHIN = 120
UP_FOR = 20
SETTLED_AFTER = 15

# ---- what the container's log says ------------------------------------------------------------

# What each class of failure means, and what to change (the log's named groups fill it in).
SAYS = {
    "writes": "the app writes {path}, and prod's files are read-only (by design): name its folder "
    "in WRITABLE_PATHS (the Dockerfile's project section), point it at /tmp, or make it at build "
    "time (ASSETS_COMMAND)",
    "sqlite": "SQLite cannot write its database, and prod's files are read-only (by design): put "
    "the database under /tmp or on a volume (its URL or path setting)",
    "setting": "it needs the environment variable {name}: give it to the check (-e {name}=VALUE "
    "or --env-file FILE) and to prod (docker run -e)",
    "pydantic": "it needs the setting {field} ({model}, which pydantic-settings reads from the "
    "environment variable {FIELD}, after the model's env_prefix if it has one): give it to the "
    "check (-e NAME=VALUE or --env-file FILE) and to prod (docker run -e)",
    "library": "prod lacks the system library {lib}: add the Debian package that has it to "
    "RUNTIME_PACKAGES in the Dockerfile's project section (packages.debian.org finds it)",
    "module": "prod lacks the module {module}: add the group that has its package to PROD_GROUPS "
    "in the Dockerfile's project section, or make it a main dependency (poetry add)",
    "service": "a database or cache it needs is not reachable ({said}): start it beside the app "
    "and give the app its address (e.g. -e DATABASE_URL=... or -e REDIS_URL=...)",
}
UNREACHABLE = (r"Connection refused|could not translate host name|Name or service not known|"
               r"Temporary failure in name resolution|nodename nor servname|Error -?\d+ "
               r"connecting to|Connect call failed|Can't connect to")  # fmt: skip
# The log's line that shows each class, first match wins.
# fmt: off
RULES = [
    ("writes",   r"\[Errno (?:13|30)\] [\w -]+: '(?P<path>(?!/tmp/)[^']+)'"),  # EACCES, EROFS
    ("sqlite",   r"sqlite3\.OperationalError\)?:? (?:unable to open database file|attempt to "
                 r"write a readonly database)"),
    ("setting",  r"Set the (?P<name>[A-Z][A-Z0-9_]+) environment variable"),  # django-environ
    ("setting",  r"[Ee]nvironment variable \"?(?P<name>[A-Z][A-Z0-9_]+)"),  # Django, environs
    ("setting",  r"UndefinedValueError: (?P<name>[A-Z][A-Z0-9_]+) not found"),  # decouple
    ("setting",  r"The (?P<name>[A-Z][A-Z0-9_]+) setting must not be empty"),  # Django
    ("setting",  r"KeyError: '(?P<name>[A-Z][A-Z0-9_]+)'"),  # os.environ[...]
    ("pydantic", r"validation errors? for (?P<model>\w+)\n(?P<field>\w+)\n\s+Field required"),
    ("library",  r"(?P<lib>lib[\w+-]+\.so[\w.]*): cannot open shared object file"),
    ("library",  r"(?:no library called \"|failed to find )(?P<lib>[\w.+-]+)"),  # ctypes.util
    ("module",   r"ModuleNotFoundError: No module named '(?P<module>[\w.]+)'"),
    ("service",  rf"(?P<said>[^\n]*(?:{UNREACHABLE})[^\n]*)"),
]
# fmt: on


def classified(log: str) -> tuple[str, dict[str, str]]:
    """The class of the first rule the log matches, and what its pattern found; ("", {}) where
    none does."""
    for kind, pattern in RULES:
        found = re.search(pattern, log)
        if found:
            values = {key: value.strip() for key, value in found.groupdict().items() if value}
            if "path" in values and not values["path"].startswith("/"):
                values["path"] = f"/app/{values['path']}"  # prod's working directory
            return kind, values
    return "", {}


def diagnosis_in(log: str) -> str:
    """What the log shows went wrong, and what to change; "" where no rule knows it."""
    kind, values = classified(log)
    return SAYS[kind].format(**values, FIELD=values.get("field", "").upper()) if kind else ""


def last_lines(log: str, count: int = 12) -> list[str]:
    return [line for line in log.strip().splitlines() if line.strip()][-count:]


# ---- what the container listens on ------------------------------------------------------------


def listening(proc_net: str) -> list[tuple[str, int]]:
    """The (address, port) pairs a /proc/net/tcp or tcp6 text says are listening."""
    found = []
    for line in proc_net.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 4 or fields[3] != "0A" or ":" not in fields[1]:  # 0A: LISTEN
            continue
        address, port = fields[1].split(":")
        if len(address) == 8:  # IPv4, little-endian
            host = ".".join(str(int(address[i : i + 2], 16)) for i in (6, 4, 2, 0))
        else:  # IPv6: four little-endian 32-bit words
            words = [address[i : i + 8] for i in range(0, 32, 8)]
            raw = bytes.fromhex("".join(w[6:8] + w[4:6] + w[2:4] + w[0:2] for w in words))
            host = ":".join(raw[i : i + 2].hex() for i in range(0, 16, 2))
            host = {"0000:0000:0000:0000:0000:0000:0000:0000": "::",
                    "0000:0000:0000:0000:0000:0000:0000:0001": "::1"}.get(host, host)  # fmt: skip
            if host.startswith("0000:0000:0000:0000:0000:ffff:"):  # an IPv4 address, mapped
                host = ".".join(str(b) for b in raw[12:])
        found.append((host, int(port, 16)))
    return sorted(set(found))


def loopback(host: str) -> bool:
    return host.startswith("127.") or host == "::1"


# ---- one run of prod --------------------------------------------------------------------------


@dataclass
class Seen:
    """How a run of prod went: "healthy", "exited", "up" (no health check: a worker, a bot),
    "ran" (no health check, exit code 0), or "not healthy" (never turned healthy)."""

    state: str
    waited: int
    exit_code: int = 0
    log: str = ""
    listens: list[tuple[str, int]] = field(default_factory=list)


def docker(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True)


def sockets(container: str) -> list[tuple[str, int]]:
    read = docker("exec", container, "cat", "/proc/net/tcp", "/proc/net/tcp6")
    return listening(read.stdout) if read.returncode == 0 else []


def watched(image: str, settings: list[str], port: str, asks_health: bool) -> Seen:
    """The image run locked down, with `settings` (docker run's --env and --env-file options),
    until it is healthy, exits, or shows it never will; removed afterwards."""
    name = f"kit-check-{uuid.uuid4().hex[:12]}"
    started = docker("run", "-d", "--name", name, *LOCKED, *settings, image)
    if started.returncode != 0:
        docker("rm", "-f", "-v", name)
        raise Stop(f"docker could not start prod: {started.stderr.strip()}")
    begun = time.monotonic()
    try:
        while True:
            time.sleep(1)
            state = json.loads(docker("inspect", "--format", "{{json .State}}", name).stdout)
            waited = round(time.monotonic() - begun)
            health = (state.get("Health") or {}).get("Status", "")
            seen = Seen(state="", waited=waited, exit_code=state.get("ExitCode", 0))
            if state["Status"] == "exited":
                seen.state = "ran" if not asks_health and seen.exit_code == 0 else "exited"
            elif asks_health and health == "healthy":
                seen.state = "healthy"
            elif not asks_health and waited >= UP_FOR:
                seen.state = "up"
            elif asks_health and (health == "unhealthy" or waited >= HEALTHY_WITHIN):
                seen.state = "not healthy"
            elif asks_health and waited >= SETTLED_AFTER:
                ports = {p for _, p in sockets(name)}
                if ports and int(port) not in ports:
                    seen.state = "not healthy"
            if seen.state:
                if state["Status"] != "exited":
                    seen.listens = sockets(name)
                logs = docker("logs", name)
                seen.log = logs.stdout + logs.stderr
                return seen
    finally:
        docker("rm", "-f", "-v", name)


def verdict(seen: Seen, port: str) -> tuple[bool, str]:
    """Whether the run shows a working prod, and the one line that says so, or why not."""
    public = [f"{host}:{p}" for host, p in seen.listens if not loopback(host)]
    private = [f"{host}:{p}" for host, p in seen.listens if loopback(host)]
    if seen.state in ("healthy", "up") and private and not public:
        return False, (
            f"it listens on {', '.join(private)} only: a published port (docker run -p) does "
            "not reach it there, though a health check run inside does: start it on 0.0.0.0 "
            f"(--host 0.0.0.0, --bind 0.0.0.0:{port})"
        )
    if seen.state == "healthy":
        return True, f"healthy in {seen.waited} s, listening on {', '.join(public)}"
    if seen.state == "ran":
        return True, "ran: exit code 0"
    if seen.state == "up":
        return True, f"runs: still up after {UP_FOR} s (no health check)"
    ports = sorted({p for _, p in seen.listens})
    if ports and int(port) not in ports:  # up, and listening: the surest sign there is
        return False, (
            f"it listens on port {', '.join(map(str, ports))}, not on {port}, which prod's EXPOSE "
            "and health check use: start it on that port, or set APP_PORT and HEALTHCHECK_URL in "
            f"the Dockerfile's project section to {ports[0]}"
        )
    said = diagnosis_in(seen.log)
    if said:
        return False, said
    if seen.state == "exited":
        return False, (
            f"it exits with code {seen.exit_code} before it is healthy, for a reason the kit does "
            "not know: its log's last lines are below"
        )
    listens = ", ".join(f"{host}:{p}" for host, p in seen.listens) or "nothing"
    return False, (
        f"not healthy after {seen.waited} s, listening on {listens}, for a reason the kit does "
        "not know: its log's last lines are below"
    )


# ---- the check --------------------------------------------------------------------------------


def section_of(root: Path) -> dict:
    """The values the Dockerfile's project section sets (ARG NAME=value), and its CMD."""
    path = root / "Dockerfile"
    text = path.read_text() if path.is_file() else ""
    if SECTION_END not in text:
        raise Stop(
            f"{root} has no Dockerfile with the kit's project section: run "
            f"`python3 scripts/adopt {root}` first."
        )
    section = text[: text.index(SECTION_END)]
    values = {
        name: value.strip('"') for name, value in re.findall(r"(?m)^ARG (\w+)=(.*)$", section)
    }
    command = re.search(r"(?m)^CMD (\[.*\])$", section)
    values["CMD"] = json.loads(command.group(1)) if command else []
    return values


def volumes(section: dict) -> list[str]:
    """A volume at each folder of WRITABLE_PATHS, as prod run read-only needs (a new one starts
    as the image's folder, the app user's)."""
    folders = section.get("WRITABLE_PATHS", "").strip('"').split()
    return [f"--mount=type=volume,dst={folder}" for folder in folders]


def image_bytes(image: str) -> int:
    found = docker("image", "inspect", "--format", "{{.Size}}", image)
    return int(found.stdout.strip() or 0) if found.returncode == 0 else 0


def built(root: Path, tag: str) -> None:
    """prod built from the project's folder, or Stop with what the build said at its end."""
    mirror = ["--build-arg", "POETRY_PYPI_MIRROR_URL"] if os.environ.get(
        "POETRY_PYPI_MIRROR_URL") else []  # fmt: skip
    build = docker("build", "--progress=plain", *mirror, "--target", "prod", "-t", tag, str(root))
    if build.returncode != 0:
        said = "\n".join(f"  {line}" for line in last_lines(build.stderr, 25))
        raise Stop(f"prod does not build; the build's last lines:\n{said}")


def outcome(image: str, section: dict, settings: list[str]) -> tuple[bool, str, Seen]:
    """prod's image run as the check runs it: whether it works, the line that says so or why
    not, and what the run showed."""
    asks_health = bool(section.get("HEALTHCHECK_URL"))
    port = section.get("APP_PORT", "8000")
    seen = watched(image, settings, port, asks_health)
    command = section.get("CMD", [])
    if seen.state == "exited" and not asks_health and command:
        # A command-line tool wants arguments: its --help, then.
        helped = docker("run", "--rm", *LOCKED, *settings, image, *command, "--help")
        if helped.returncode == 0:
            return True, f"ran: {shlex.join(command)} --help, exit code 0", seen
    works, line = verdict(seen, port)
    return works, line, seen


def check(root: Path, settings: list[str], say: Callable[[str], object] = print) -> bool:
    """Build prod, run it locked down with `settings`, and say how it went: True where it works.
    Removes what it made (the container, the image), keeps the project's files as they are."""
    section = section_of(root)
    writable = section.get("WRITABLE_PATHS", "").split()
    settings = [*settings, *volumes(section)]
    tag = f"kit-check-{uuid.uuid4().hex[:12]}"
    started = time.monotonic()
    built(root, tag)
    try:
        base = f"python:{section.get('PYTHON_VERSION', '')}-slim-trixie"
        size = image_bytes(tag)
        over = size - image_bytes(base)
        say(f"check: prod built in {round(time.monotonic() - started)} s: {size / 1e6:.0f} MB, "
            f"{over / 1e6:.0f} MB over {base}")  # fmt: skip
        also = f", a volume at {', '.join(writable)}" if writable else ""
        say(f"check: it starts with `{shlex.join(section['CMD'])}`, read-only, no capabilities, "
            f"UID 10001, a tmpfs at /tmp{also}")  # fmt: skip
        works, line, seen = outcome(tag, section, settings)
        mounts = [] if works else writable_mounts(tag, section, settings, seen)
    finally:
        docker("image", "rm", "-f", tag)
    if works:
        say(f"check: works: {line}")
        return True
    told(say, line, "its log", seen.log)
    if mounts:
        named = " ".join([*writable, *mounts])
        say(f"check: tried: with a tmpfs at {', '.join(mounts)} too, prod works: make it "
            f'ARG WRITABLE_PATHS="{named}" in the Dockerfile\'s project section')  # fmt: skip
    return False


# How many folders the check gives a tmpfs of their own, one write refused after another.
WRITES_TRIED = 3


def writable_mounts(image: str, section: dict, settings: list[str], seen: Seen) -> list[str]:
    """Where prod failed on a write to a folder: the folders (one a try, as each run shows the
    next) that, each given a tmpfs of the app user's, make it work; [] where that does not."""
    mounts: list[str] = []
    for _ in range(WRITES_TRIED):
        kind, values = classified(seen.log)
        if kind != "writes" or values["path"] in mounts:
            return []
        mounts.append(values["path"])
        tmpfs = [f"--tmpfs={folder}:uid=10001,gid=10001" for folder in mounts]
        works, _, seen = outcome(image, section, [*settings, *tmpfs])
        if works:
            return mounts
    return []


def told(say: Callable[[str], object], failure: str, source: str, output: str) -> None:
    """A failure in one line, then the last lines of what showed it."""
    say(f"check: fails: {failure}")
    say(f"  {source}'s last lines:")
    for line in last_lines(output, 15):
        say(f"    {line}")


# ---- the dev container ------------------------------------------------------------------------


def pytest_counts(output: str) -> str:
    """pytest's counts from its last summary line ("12 passed, 1 skipped"), or its last line."""
    counts = re.findall(r"(?m)^=*\s*(\d+ (?:passed|failed|errors?|skipped|xfailed|xpassed|"
                        r"deselected|warnings?)(?:, \d+ \w+)*) in [\d.]+s", output)  # fmt: skip
    return counts[-1] if counts else (last_lines(output, 1) or ["no output"])[0]


def dev_check(root: Path, say: Callable[[str], object] = print) -> bool:
    """The dev container opened as VS Code opens it (the Dev Containers CLI's `up`: its image,
    the venv synced, the lifecycle scripts), the project's tests run there as a developer runs
    them; True where both work. Removes the container and the images the CLI built for it."""
    if not shutil.which("devcontainer"):
        raise Stop(
            "--dev needs the Dev Containers CLI, which VS Code runs: npm install -g "
            "@devcontainers/cli (or check without --dev)."
        )
    workspace = ["--workspace-folder", str(root)]
    started = time.monotonic()
    up = subprocess.run(["devcontainer", "up", *workspace], capture_output=True, text=True)
    try:
        lines = up.stdout.strip().splitlines()
        opened = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
        if opened.get("outcome") != "success":
            told(say, "the dev container does not open", "`devcontainer up`", up.stdout + up.stderr)
            return False
        say(f"check: the dev container opens in {round(time.monotonic() - started)} s")
        exec_ = ["devcontainer", "exec", *workspace, "pytest", "-q", "-p", "no:cacheprovider"]
        tests = subprocess.run(exec_, capture_output=True, text=True)
        summary = pytest_counts(tests.stdout)
        if tests.returncode in (0, 5):  # 5: none collected
            say(f"check: works: the project's tests in the dev container: {summary}")
            return True
        told(say, f"the project's tests in the dev container: {summary}", "pytest", tests.stdout)
        return False
    finally:
        label = f"label=devcontainer.local_folder={root}"
        for container in docker("ps", "-aq", "--filter", label).stdout.split():
            image = docker("inspect", "--format", "{{.Config.Image}}", container).stdout.strip()
            docker("rm", "-f", "-v", container)
            if image.startswith("vsc-"):  # the CLI's, and its UID-mapped layer on top
                docker("image", "rm", "-f", image, image.removesuffix("-uid"))
