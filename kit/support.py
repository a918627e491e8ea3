"""What the kit's tests share: running commands, copying the repository, and handles on the images
and dev containers they create (each removes what it made)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Under CI=true a missing Docker engine or Dev Containers CLI fails the run instead of skipping.
IN_CI = os.environ.get("CI", "").lower() == "true"
# The UID a typical Linux user has; the dev image's `vscode` has it too.
HOST_UID = 1000
GIT_IDENTITY = ["-c", "user.name=kit tests", "-c", "user.email=kit-tests@example.invalid"]


def default_python() -> str:
    """The Python version the Dockerfile builds with by default (its PYTHON_VERSION build arg)."""
    for line in (REPO / "Dockerfile").read_text().splitlines():
        if line.startswith("ARG PYTHON_VERSION="):
            return line.split("=", 1)[1].strip()
    raise AssertionError("the Dockerfile has no `ARG PYTHON_VERSION=` line")


def base_image(python: str = "") -> str:
    """The base image for a Python version (the Dockerfile's default if none is given)."""
    return f"python:{python or default_python()}-slim-trixie"


# The default Python version and one other: every prod check runs on both.
PYTHON_VERSIONS = [default_python(), "3.13" if default_python() != "3.13" else "3.14"]


def run(
    args: list[str],
    *,
    cwd: Path | None = None,
    check: bool = True,
    timeout: float = 1200,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command; stdout and stderr together in .stdout; on failure, raise with the output."""
    result = subprocess.run(
        args,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        timeout=timeout,
        env=env,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"command failed ({result.returncode}): {' '.join(args)}\n{result.stdout[-6000:]}"
        )
    return result


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def repo_files() -> list[str]:
    """The files a clone of the working tree has: tracked ones plus new ones git does not ignore."""
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO)
    return [name for name in listed.stdout.split("\0") if name and (REPO / name).is_file()]


def copy_repo(dest: Path, owner: int = HOST_UID) -> Path:
    """A copy of the repository as a fresh clone would look: its own git history, owned by a
    typical host user (UID 1000, or `owner`) when the tests run as root, as the Dev Containers CLI
    maps no UID for root."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in repo_files():
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target)
    run(["git", "init", "-q", "-b", "main"], cwd=dest)
    run(["git", "add", "-A"], cwd=dest)
    run(["git", *GIT_IDENTITY, "commit", "-q", "-m", "copy of the kit"], cwd=dest)
    if os.geteuid() == 0:
        run(["chown", "-R", f"{owner}:{owner}", str(dest)])
    return dest


def mirror_build_args() -> list[str]:
    """Pass POETRY_PYPI_MIRROR_URL through to the build when it is set, as the README does."""
    return (
        ["--build-arg", "POETRY_PYPI_MIRROR_URL"]
        if os.environ.get("POETRY_PYPI_MIRROR_URL")
        else []
    )


def image_id(tag: str) -> str:
    """The image a tag names, or "" if there is none."""
    found = run(["docker", "image", "inspect", "--format", "{{.Id}}", tag], check=False)
    return found.stdout.strip() if found.returncode == 0 else ""


def docker_build(
    context: Path, target: str, tag: str, *extra: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Build a target (the last stage if empty) with BuildKit's plain progress, whose output
    shows which steps ran. An image the tag named before is removed, not left dangling."""
    replaced = image_id(tag)
    command = ["docker", "build", "--progress=plain", "-t", tag, *mirror_build_args(), *extra]
    if target:
        command += ["--target", target]
    result = run([*command, str(context)], check=check)
    if replaced and image_id(tag) != replaced:
        run(["docker", "image", "rm", replaced], check=False)
    return result


def remove_image(tag: str) -> None:
    run(["docker", "image", "rm", "-f", tag], check=False)


def image_size(image: str) -> int:
    return int(run(["docker", "image", "inspect", "--format", "{{.Size}}", image]).stdout)


def docker_run(image: str, *command: str) -> str:
    """Run a command in a throw-away container of the image; its output, stripped."""
    return run(["docker", "run", "--rm", image, *command]).stdout.strip()


def venv_bytes(image: str) -> int:
    """The size of the image's venv (sys.prefix): what its files hold, as `du -sb` counts."""
    walk = (
        "import os, sys; print(sum(os.lstat(os.path.join(top, n)).st_size"
        " for top, _, files in os.walk(sys.prefix) for n in files))"
    )
    return int(docker_run(image, "python", "-c", walk))


@contextmanager
def serving(image: str, *flags: str) -> Iterator[tuple[str, str]]:
    """The image started detached, port 8000 published on a free loopback port; yields
    (container name, base URL) and removes the container afterwards."""
    name = unique("kit-serve")
    run(["docker", "run", "-d", "--name", name, *flags, "-p", "127.0.0.1::8000", image])
    try:
        port = run(["docker", "port", name, "8000/tcp"]).stdout.split(":")[-1].strip()
        yield name, f"http://127.0.0.1:{port}"
    finally:
        run(["docker", "rm", "-f", name], check=False)


def steps_that_ran(build_output: str) -> list[str]:
    """The names of the build steps BuildKit executed (not CACHED), from --progress=plain output.

    Each step prints `#N [stage k/n] INSTRUCTION` and then either `#N CACHED` or its own output."""
    names: dict[str, str] = {}
    cached: set[str] = set()
    for line in build_output.splitlines():
        number, _, rest = line.partition(" ")
        if not number.startswith("#"):
            continue
        if rest.startswith("[") and number not in names:
            names[number] = rest
        elif rest.strip() == "CACHED":
            cached.add(number)
    return [name for number, name in names.items() if number not in cached]


# The Dockerfile's stages that install Poetry and the dependencies.
DEPENDENCY_STAGES = ("poetry", "locked", "deps")


def dependency_steps(steps: list[str]) -> list[str]:
    """The steps of the dependency stages among `steps` (`[deps 1/1] RUN ...` is in `deps`)."""
    return [step for step in steps if step.lstrip("[").split(" ", 1)[0] in DEPENDENCY_STAGES]


def edit_source(workspace: Path) -> None:
    """A source-only change, unique so that no earlier build's cache already holds it."""
    app = workspace / "src" / "minimal_py_poetry" / "app.py"
    app.write_text(app.read_text() + f"\n# a source-only change: {unique('edit')}\n")


def layers(image: str) -> list[str]:
    """The image's layer digests (diff IDs), bottom first."""
    listed = run(["docker", "image", "inspect", "--format", "{{json .RootFS.Layers}}", image])
    return json.loads(listed.stdout)


def layer_contents(image: str) -> dict[str, tuple[int, list[str]]]:
    """diff ID -> (size, file names) of each layer, read from `docker save`, which writes every
    layer as a plain tar blob named after its digest."""
    saver = subprocess.Popen(["docker", "save", image], stdout=subprocess.PIPE)
    contents = {}
    with tarfile.open(fileobj=saver.stdout, mode="r|") as archive:
        for member in archive:
            blob = archive.extractfile(member) if member.name.startswith("blobs/sha256/") else None
            if blob is None:
                continue
            try:
                with tarfile.open(fileobj=blob, mode="r|") as layer:
                    names = [entry.name for entry in layer]
            except tarfile.ReadError:  # a config or manifest blob, not a layer
                continue
            contents["sha256:" + member.name.rsplit("/", 1)[1]] = (member.size, names)
    assert saver.wait() == 0
    return contents


def http_get(url: str, timeout: float = 30) -> tuple[int, bytes]:
    """GET url, retrying until it answers or `timeout` runs out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@dataclass
class DevContainer:
    """A dev container brought up by the real Dev Containers CLI on a workspace folder."""

    workspace: Path
    # How to run the CLI as another host user, e.g. ["runuser", "-u", "someone", "--"].
    as_user: list[str] = field(default_factory=list)
    container_id: str = ""
    remote_workspace: str = ""
    remote_user: str = ""
    up_seconds: float = 0.0

    def up(self, *extra: str) -> DevContainer:
        started = time.monotonic()
        result = run(
            [*self.as_user, "devcontainer", "up", "--workspace-folder", str(self.workspace), *extra]
        )
        self.up_seconds = time.monotonic() - started
        outcome = json.loads(result.stdout.strip().splitlines()[-1])
        assert outcome["outcome"] == "success", outcome
        self.container_id = outcome["containerId"]
        self.remote_workspace = outcome["remoteWorkspaceFolder"]
        self.remote_user = outcome["remoteUser"]
        return self

    def exec(self, *command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a command as the remote user, in the workspace, the way VS Code's terminal does."""
        return run(
            [
                *self.as_user,
                "devcontainer",
                "exec",
                "--workspace-folder",
                str(self.workspace),
                *command,
            ],
            check=check,
        )

    def sh(self, script: str, check: bool = True) -> str:
        return self.exec("bash", "-c", script, check=check).stdout.strip()

    def remove(self) -> None:
        """Remove the container and the image tags the CLI made for this workspace (named
        vsc-<folder>-<hash>, and with -uid appended when it remapped the UID)."""
        if self.container_id:
            run(["docker", "rm", "-f", "-v", self.container_id], check=False)
        listed = run(
            [
                "docker",
                "images",
                "--format",
                "{{.Repository}}",
                "--filter",
                f"reference=vsc-{self.workspace.name}-*",
            ],
            check=False,
        )
        for image in set(listed.stdout.split()):
            remove_image(image)
