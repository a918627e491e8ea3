"""What the kit's tests share: running commands, copying the repository, and handles on the images
and dev containers they create (each removes what it made)."""

from __future__ import annotations

import grp
import gzip
import hashlib
import io
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from adoption import check

REPO = Path(__file__).resolve().parent.parent
# Under CI=true a missing Docker engine or Dev Containers CLI fails the run instead of skipping.
IN_CI = os.environ.get("CI", "").lower() == "true"
# The UID a typical Linux user has; the dev image's `vscode` has it too.
HOST_UID = 1000
WORKFLOWS = sorted(str(p.relative_to(REPO)) for p in (REPO / ".github/workflows").glob("*.yml"))
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
        raise failed(args, result)
    return result


def failed(args: list[str], result: subprocess.CompletedProcess[str]) -> AssertionError:
    """The command and the end of its output; for a build, what the failing step printed, not
    BuildKit's summary after it, which quotes the whole step's script."""
    said = result.stdout
    if "\nERROR: failed to solve" in said:
        head, _, tail = said.partition("\nERROR: failed to solve")
        said = f"{head[-5000:]}\nERROR: failed to solve{tail[:300]}"
    return AssertionError(f"command failed ({result.returncode}): {' '.join(args)}\n{said[-6000:]}")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def repo_files() -> list[str]:
    """The files a clone of the working tree has: tracked ones plus new ones git does not ignore."""
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO)
    return [name for name in listed.stdout.split("\0") if name and (REPO / name).is_file()]


def readme_commands() -> list[str]:
    """The README's commands, as its code blocks write them: a continued line joined to the next,
    a trailing `# comment` left out. Each is run as written by the test that names it through
    readme_command() (a fast test holds every one to that)."""
    commands, block, pending = [], False, ""
    for line in (REPO / "README.md").read_text().splitlines():
        if line.startswith("```"):
            block = not block
            continue
        if not block:
            continue
        line = pending + re.sub(r"\s+# .*$", "", line).strip()
        pending = line[:-1] + " " if line.endswith("\\") else ""
        if line and not pending:
            commands.append(re.sub(r" +", " ", line))
    return commands


def readme_command(command: str) -> str:
    """`command`, which the README writes exactly so: the test that runs it as written claims
    it here, and fails when the README no longer says it."""
    assert command in readme_commands(), f"README.md has no command `{command}`"
    return command


def as_written(cwd: Path, command: str) -> subprocess.CompletedProcess[str]:
    """A shell command, as a user types it, in `cwd`: its exit code and output, never raised."""
    return run(["bash", "-c", command], cwd=cwd, check=False)


def commit_everything(repo: Path, message: str) -> None:
    """Commit every file of the repository's tree, as the tests' git user."""
    run(["git", "add", "-A"], cwd=repo)
    run(["git", *GIT_IDENTITY, "commit", "-q", "-m", message], cwd=repo)


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
    commit_everything(dest, "copy of the kit")
    if os.geteuid() == 0:
        run(["chown", "-R", f"{owner}:{owner}", str(dest)])
    return dest


def commit_time(repo: Path) -> str:
    """The last commit's time in seconds, as the README's SOURCE_DATE_EPOCH build arg takes it."""
    trusted = ["-c", f"safe.directory={repo}"]  # a copy may belong to the test's host user
    return run(["git", *trusted, "log", "-1", "--format=%ct"], cwd=repo).stdout.strip()


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
    shows which steps ran; tagged unless `tag` is empty (as for an --output build). An image the
    tag named before is removed, not left dangling. Built again, once, where the containerd image
    store lost a layer's parent snapshot while unpacking the result (moby/buildkit#6521, open: it
    comes and goes, whatever the Dockerfile)."""
    replaced = image_id(tag) if tag else ""
    command = ["docker", "build", "--progress=plain", *mirror_build_args(), *extra]
    if tag:
        command += ["-t", tag]
    if target:
        command += ["--target", target]
    command.append(str(context))
    result = run(command, check=False)
    if result.returncode != 0 and "failed to prepare extraction snapshot" in result.stdout:
        print("docker build: again, after the engine lost a snapshot", file=sys.stderr)
        result = run(command, check=False)
    if check and result.returncode != 0:
        raise failed(command, result)
    if replaced and image_id(tag) != replaced:
        run(["docker", "image", "rm", replaced], check=False)
    return result


def remove_image(tag: str) -> None:
    run(["docker", "image", "rm", "-f", tag], check=False)


def container_image(container: str) -> str:
    """The image a container was made from, as it was named ("" if there is no such container)."""
    return run(
        ["docker", "inspect", "--format", "{{.Config.Image}}", container], check=False
    ).stdout.strip()


def bytes_of(size: str) -> float:
    """ "348.7MB", "4.096kB", "0B": Docker's sizes, in bytes."""
    number, unit = re.fullmatch(r"([\d.]+)\s*([kMGT]?B)", size.strip()).groups()
    return float(number) * 1000 ** "BkMGT".index(unit[0])


def build_cache_sizes() -> tuple[float, float]:
    """What the build cache takes on the disk in all, as `docker buildx du` totals it (shared
    snapshots too, which `docker system df` leaves out), and of that what no record shares."""
    listed = run(["docker", "buildx", "du"]).stdout
    total, private = (re.search(rf"(?m)^{key}:\s*(\S+)", listed) for key in ("Total", "Private"))
    return bytes_of(total.group(1)), bytes_of(private.group(1)) if private else 0.0


def build_cache_bytes() -> float:
    return build_cache_sizes()[0]


# The kit's own title: a run keeps its venv cache (the Dockerfile's VENV_CACHE).
KIT_TITLE = "minimal-py-poetry"


def throw_away_venv_caches() -> list[str]:
    """The build cache records of the venv cache mounts of every project but the kit's own (the
    Dockerfile names each `venv-<title>-<platform>-<python>`; `buildx du` shows the id with a
    leading slash): the suite's throw-away projects'."""
    listed = run(["docker", "buildx", "du", "--verbose"]).stdout
    found = []
    for record in re.split(r"(?m)^(?=ID:\t)", listed):
        cache = re.search(r'with id "/?venv-(.*?)-linux/', record)
        if cache and cache.group(1) != KIT_TITLE and "Type:\t\texec.cachemount" in record:
            found.append(record.split()[1])
    return found


def storage_to_keep(total: float, private: float, bound: float) -> float | None:
    """What `docker builder prune --keep-storage` is asked to keep for the whole build cache (as
    `buildx du` totals it, shared snapshots too) to come down to `bound`, or None where it is
    there already. The flag counts only what no other record shares: that part, less the excess."""
    if total <= bound:
        return None
    return max(0.0, min(bound, private - (total - bound)))


def build_cache_cleaned(bound: float) -> float:
    """The build cache, where it is over `bound` bytes: the throw-away projects' venv caches
    removed, then the rest trimmed, least recently used first, to half the bound; what it then
    holds. Under the bound nothing is pruned: on this engine (26, the containerd store) a prune of
    any record, even an unrelated project's cache mount, leaves no step of the next build CACHED
    (measured), so every prune makes the next run cold."""
    total, private = build_cache_sizes()
    if storage_to_keep(total, private, bound) is None:
        return total
    # Down to half the bound: the next run is cold all the same, and builds every image anew (about
    # 15 GB here); the runs after it, a few GB each, then stay warm for long.
    target = bound * 0.5
    for record in throw_away_venv_caches():  # one each: the CLI takes one value for a filter key
        run(["docker", "builder", "prune", "--force", f"--filter=id={record}"])
    for _ in range(4):
        storage = storage_to_keep(*build_cache_sizes(), target)
        if storage is None:
            break
        run(["docker", "builder", "prune", "--force", "--keep-storage", str(int(storage))])
    return build_cache_bytes()


@contextmanager
def image_tag() -> Iterator[str]:
    """A tag of the test's own; whatever image it names is removed afterwards."""
    tag = unique("kit-test")
    try:
        yield tag
    finally:
        remove_image(tag)


@contextmanager
def built(context: Path, target: str, *extra: str) -> Iterator[str]:
    """The target built from the folder (the build must pass), as a tag removed afterwards."""
    with image_tag() as tag:
        docker_build(context, target, tag, *extra)
        yield tag


def venv_distributions(context: Path, *args: str) -> dict[str, str]:
    """The distributions (name: version) the venv step installs for prod, with these build args
    (`PROD_INSTALLER=poetry`: Poetry's own install), and what the step said of it."""
    with tempfile.TemporaryDirectory() as out:
        build = docker_build(context, "venv", "", *args, "--output", f"type=local,dest={out}")
        found = Path(out, "venv-root/opt/venv/lib").glob("*/site-packages/*.dist-info")
        said = "\n".join(re.findall(r"(?m)^#\d+ [\d.]+ (kit: .*)$", build.stdout))
        return dict(d.name.removesuffix(".dist-info").split("-", 1) for d in found) | {
            "(said)": said
        }


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


# The settings security teams apply to prod: read-only, no capabilities, no privilege escalation
# (adopt's check runs prod so too).
LOCKED_DOWN = check.LOCKED


def labels(image_or_container: str) -> dict[str, str]:
    found = run(["docker", "inspect", "--format", "{{json .Config.Labels}}", image_or_container])
    return json.loads(found.stdout) or {}


def published_url(container: str, port: str = "8000") -> str:
    """The base URL of the loopback port a container publishes its port (8000) on; "" while it
    has none (or is not there yet)."""
    found = run(["docker", "port", container, f"{port}/tcp"], check=False)
    port = found.stdout.split(":")[-1].strip() if found.returncode == 0 else ""
    return f"http://127.0.0.1:{port}" if port else ""


@contextmanager
def serving(image: str, *flags: str, port: str = "8000") -> Iterator[tuple[str, str]]:
    """The image started detached, its port (8000) published on a free loopback port; yields
    (container name, base URL) and removes the container afterwards."""
    name = unique("kit-serve")
    run(["docker", "run", "-d", "--name", name, *flags, "-p", f"127.0.0.1::{port}", image])
    try:
        url = published_url(name, port)
        assert url, f"{name} publishes no port {port}"
        yield name, url
    finally:
        run(["docker", "rm", "-f", name], check=False)


def health_within(container: str, seconds: float) -> str:
    """The container's health (Docker's HEALTHCHECK) once it is healthy, or as it is after
    `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        inspect = ["docker", "inspect", "--format", "{{.State.Health.Status}}", container]
        status = run(inspect).stdout.strip()
        if status == "healthy" or time.monotonic() > deadline:
            return status
        time.sleep(0.5)


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


@dataclass(frozen=True)
class Stage:
    """One stage of the Dockerfile."""

    parent: str  # what it starts FROM: a stage's name or an image
    uses: frozenset[str]  # what its COPY --from and RUN --mount from= name
    text: str  # its lines, FROM included


def stages() -> dict[str, Stage]:
    """The kit's Dockerfile's stages by name, in order."""
    found: dict[str, tuple[str, set[str], list[str]]] = {}
    for line in (REPO / "Dockerfile").read_text().splitlines():
        start = re.match(r"FROM\s+(?:--platform=\S+\s+)?(\S+)\s+AS\s+(\S+)", line, re.IGNORECASE)
        if start:
            found[start.group(2)] = (start.group(1), set(), [])
        if found:
            _, uses, lines = list(found.values())[-1]
            uses.update(re.findall(r"[\s,-]from=([\w.-]+)", line))
            lines.append(line)
    return {
        name: Stage(parent, frozenset(uses), "\n".join(lines))
        for name, (parent, uses, lines) in found.items()
    }


def dependency_stages() -> set[str]:
    """The stages that prod's dependencies and runtime are made of, read from the Dockerfile: the
    one `app` (prod's image, before its labels) starts FROM and every stage it copies or mounts
    but app-files (the project's own files), and every stage those build on, mount or copy from,
    all the way down (the first stage, FROM the base image alone, aside: it adds no step)."""
    graph = stages()
    found, todo = set(), [graph["app"].parent, *graph["app"].uses - {"app-files"}]
    while todo:
        name = todo.pop()
        if name in graph and name not in found and graph[name].parent in graph:
            found.add(name)
            todo += [graph[name].parent, *graph[name].uses]
    return found


def context_free_steps(steps: list[str]) -> list[str]:
    """The steps among `steps` of stages that read no file of the build context (no COPY or bind
    mount of it, in the stage or any it builds on): no edit of the project can make one run."""
    graph = stages()

    def reads_the_context(name: str) -> bool:
        stage = graph[name]
        own = re.search(r"(?m)^COPY (?!.*--from=)|--mount=type=bind,(?!from=)", stage.text)
        return bool(own) or any(
            reads_the_context(other) for other in {stage.parent, *stage.uses} if other in graph
        )

    free = {name for name in graph if not reads_the_context(name)}
    return [step for step in steps if step.lstrip("[").split(" ", 1)[0] in free]


def dependency_steps(steps: list[str]) -> list[str]:
    """The steps of the dependency stages among `steps` (`[venv 3/3] RUN` is in `venv`)."""
    names = dependency_stages()
    return [step for step in steps if step.lstrip("[").split(" ", 1)[0] in names]


def edit_source(workspace: Path) -> None:
    """A source-only change, unique so that no earlier build's cache already holds it."""
    app = workspace / "src" / "minimal_py_poetry" / "app.py"
    app.write_text(app.read_text() + f"\n# a source-only change: {unique('edit')}\n")


def image_store() -> str:
    """Which image store the engine uses: sizes and `docker save` differ between the two."""
    info = run(["docker", "info", "--format", "{{.Driver}} {{json .DriverStatus}}"]).stdout
    driver = info.split(" ", 1)[0]
    if "io.containerd.snapshotter" in info:
        return f"containerd image store ({driver} snapshotter)"
    return f"classic image store ({driver})"


def on_classic_image_store() -> bool:
    """Whether the engine keeps images in the classic store (no multi-platform images; whiteouts
    stamped with the time a layer is written)."""
    return image_store().startswith("classic")


def _file_time() -> int:
    """The one modification time the build gives every file it writes into prod: kit_build.py's,
    and the Dockerfile's own steps use no other."""
    times = set(re.findall(r"(?m)^FIXED_TIME = (\d+)", (REPO / "kit_build.py").read_text()))
    times |= set(re.findall(r"SOURCE_DATE_EPOCH=(\d+)", (REPO / "Dockerfile").read_text()))
    assert len(times) == 1, f"the build should fix one file time, not {times or 'none'}"
    return int(times.pop())


FILE_TIME = _file_time()


# The diff ID of an empty layer (a tar of no entries), as a step that writes nothing makes: prod's
# smoke test. The same in every image, so it is never uploaded twice and tells builds apart by
# nothing.
EMPTY_LAYER = "sha256:" + hashlib.sha256(bytes(1024)).hexdigest()


def layers(image: str) -> list[str]:
    """The image's layer digests (diff IDs), bottom first, empty ones aside."""
    listed = run(["docker", "image", "inspect", "--format", "{{json .RootFS.Layers}}", image])
    return [layer for layer in json.loads(listed.stdout) if layer != EMPTY_LAYER]


@dataclass(frozen=True)
class Layer:
    """One layer of a saved image, read decompressed."""

    diff_id: str  # the digest of its uncompressed tar: what `docker image inspect` lists
    files: dict[str, int]  # every entry's path and size (0 for directories, links, whiteouts)
    stored: int  # the blob's size in `docker save`'s output: compressed on the containerd store
    times: dict[str, int]  # every entry's modification time, whiteouts aside
    # A digest of every entry (name, type, owner, mode, link, bytes and, whiteouts aside, time):
    # the same files, even where the tar around them differs.
    content: str
    # Each entry's own digest: all of the above, and what else its tar header says (owner names,
    # PAX records such as extended attributes): where two layers differ, entry by entry.
    entries: dict[str, str]
    # Each entry's header as read (type, owner, mode, link, time, owner names, PAX records, size):
    # what to show where two entries differ.
    headers: dict[str, tuple[object, ...]]

    @property
    def whiteouts(self) -> list[str]:
        """What the layer deletes from the layers below it."""
        return [path for path in self.files if Path(path).name.startswith(".wh.")]

    @property
    def size(self) -> int:
        """What its files hold: the same figure on either image store."""
        return sum(self.files.values())


class _Reading(io.RawIOBase):
    """A decompressed layer, hashed (and shown to `visit`) as tarfile reads it."""

    def __init__(self, stream: IO[bytes], visit: Callable[[bytes], None] | None) -> None:
        self.stream, self.visit, self.sha256 = stream, visit, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        chunk = self.stream.read(len(buffer))
        buffer[: len(chunk)] = chunk
        self.sha256.update(chunk)
        if self.visit:
            self.visit(chunk)
        return len(chunk)

    def drain(self) -> str:
        while self.read(1 << 20):
            pass
        return "sha256:" + self.sha256.hexdigest()


def _decompressed(blob: IO[bytes]) -> IO[bytes]:
    """A layer blob as plain tar: `docker save` writes gzip on the containerd store, plain tar on
    the classic one."""
    magic = blob.peek(4)[:4] if isinstance(blob, io.BufferedReader) else b""
    if magic[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=blob)
    if magic == b"\x28\xb5\x2f\xfd":
        raise AssertionError("a zstd-compressed layer: this reader handles plain tar and gzip")
    return blob


@dataclass(frozen=True)
class SavedImage:
    """An image as `docker save` writes it, on either image store."""

    config_digest: str  # the digest of its config (what its manifest names, on any registry)
    layers: list[Layer]  # bottom first


def saved_image(image: str, visit: Callable[[bytes], None] | None = None) -> SavedImage:
    """The image's config digest and layers, read from `docker save` on either image store: each
    layer is decompressed and must hash to the diff ID the config names, so a layer that was not
    read in full fails here instead of passing blind. `visit` sees every byte of the config and
    of each decompressed layer."""
    with tempfile.TemporaryDirectory(prefix="kit-save-") as folder:
        saved = Path(folder) / "image.tar"
        run(["docker", "save", "-o", str(saved), image])
        with tarfile.open(saved) as archive:
            (manifest,) = json.load(archive.extractfile("manifest.json"))
            config = archive.extractfile(manifest["Config"]).read()
            if visit:
                visit(config)
            diff_ids = json.loads(config)["rootfs"]["diff_ids"]
            assert len(diff_ids) == len(manifest["Layers"]), manifest
            found = []
            for diff_id, name in zip(diff_ids, manifest["Layers"]):
                blob = io.BufferedReader(archive.extractfile(name), 1 << 20)
                reading = _Reading(_decompressed(blob), visit)
                files, times, entries, headers, content = {}, {}, {}, {}, hashlib.sha256()
                with tarfile.open(fileobj=io.BufferedReader(reading, 1 << 20), mode="r|") as tar:
                    for entry in tar:
                        path = entry.name.removeprefix("./")  # some tools write "./etc"
                        files[path] = entry.size
                        if not Path(path).name.startswith(".wh."):
                            times[path] = int(entry.mtime)
                        about = (path, entry.type, entry.uid, entry.gid, entry.mode, entry.linkname)
                        data = tar.extractfile(entry).read() if entry.isfile() else b""
                        content.update(repr((*about, times.get(path))).encode() + data)
                        pax = sorted(entry.pax_headers.items())
                        header = (entry.mtime, entry.uname, entry.gname, pax)
                        if path not in times:  # a whiteout: its time aside, as above
                            header = (entry.uname, entry.gname)
                        own = repr((*about, header)).encode() + data
                        entries[path] = hashlib.sha256(own).hexdigest()
                        headers[path] = (*about[1:4], oct(entry.mode), *about[5:], *header)
                        headers[path] += (entry.size,)
                read_id = reading.drain()
                assert read_id == diff_id, f"layer {name} reads as {read_id}, not {diff_id}"
                stored = archive.getmember(name).size
                digest = "sha256:" + content.hexdigest()
                found.append(Layer(diff_id, files, stored, times, digest, entries, headers))
    return SavedImage("sha256:" + hashlib.sha256(config).hexdigest(), found)


def layers_over(image: str, base: str) -> tuple[list[Layer], list[Layer]]:
    """The image's layers split into its base's and its own (a base it was not built on fails)."""
    below = layers(base)
    found = saved_image(image).layers
    assert [layer.diff_id for layer in found[: len(below)]] == below, f"{image} is not on {base}"
    return found[: len(below)], found[len(below) :]


def image_holds(image: str, needle: str) -> bool:
    """Whether `needle` occurs anywhere in the saved image: the config with its history, and the
    names and contents of every file of every layer, decompressed."""
    wanted, tail, found = needle.encode(), b"", False

    def look(chunk: bytes) -> None:
        nonlocal tail, found
        found = found or wanted in tail + chunk
        tail = chunk[-len(wanted) :]

    saved_image(image, look)
    return found


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


@contextmanager
def host_user(uid: int, gid: int | None = None) -> Iterator[list[str]]:
    """A host user made for a test (needs root), in the `docker` group, with this UID and as
    primary group the existing group `gid` (or a new group of its own). Yields the prefix that
    runs a command as that user; removes the user afterwards."""
    try:
        taken = pwd.getpwuid(uid).pw_name
    except KeyError:
        taken = ""
    assert not taken, f"UID {uid} is taken on this host by {taken}; the test needs it free"
    if gid is not None:
        grp.getgrgid(gid)  # the group must exist: that is the case under test
    name = unique("kituser")[:30]
    group = ["--gid", str(gid)] if gid is not None else []
    run(["useradd", "--create-home", "--uid", str(uid), *group, "--groups", "docker", name])
    path = os.environ.get("PATH", "")
    try:
        yield ["runuser", "-u", name, "--", "env", f"HOME=/home/{name}", f"PATH={path}"]
    finally:
        run(["userdel", "--remove", name], check=False)
        # The Dev Containers CLI's files for this user: userdel removes only the home.
        shutil.rmtree(Path(tempfile.gettempdir()) / f"devcontainercli-{name}", ignore_errors=True)


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
    up_log: str = ""  # what `devcontainer up` printed, lifecycle commands included

    def up(self, *extra: str) -> DevContainer:
        started = time.monotonic()
        result = run(
            [*self.as_user, "devcontainer", "up", "--workspace-folder", str(self.workspace), *extra]
        )
        self.up_seconds = time.monotonic() - started
        self.up_log = result.stdout
        outcome = json.loads(result.stdout.strip().splitlines()[-1])
        assert outcome["outcome"] == "success", outcome
        self.container_id = outcome["containerId"]
        self.remote_workspace = outcome["remoteWorkspaceFolder"]
        self.remote_user = outcome["remoteUser"]
        return self

    def command(self, *command: str) -> list[str]:
        """The host's command line that runs `command` as the remote user, in the workspace, the
        way VS Code's terminal (and its extensions' processes) run there."""
        workspace = ["--workspace-folder", str(self.workspace)]
        return [*self.as_user, "devcontainer", "exec", *workspace, *command]

    def exec(self, *command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run(self.command(*command), check=check)

    def sh(self, script: str, check: bool = True) -> str:
        return self.exec("bash", "-c", script, check=check).stdout.strip()

    def image_name(self) -> str:
        """The name the CLI gives the image it builds for this workspace folder:
        vsc-<folder>-<sha256 of the path>, made a valid image name as the CLI does."""
        path_hash = hashlib.sha256(str(self.workspace).encode()).hexdigest()
        name = re.sub(r"[^a-z0-9._-]+", "", f"vsc-{self.workspace.name}-{path_hash}".lower())
        return re.sub(
            r"(\.[._-]|_[.-]|__[._-]|-+[._])[._-]*", lambda match: match.group(1)[:-1], name
        )

    def remove(self) -> None:
        """Remove the workspace's containers (found by the CLI's label, so also after a failed
        `up`) and the images the CLI built for them: vsc-<folder>-<hash>, and the same with
        -uid appended where it remapped the UID; by name, as a failed `up` may have built the
        image and made no container."""
        listed = run(
            [
                "docker",
                "ps",
                "-aq",
                "--filter",
                f"label=devcontainer.local_folder={self.workspace}",
            ],
            check=False,
        )
        built = self.image_name()
        images = {built, f"{built}-uid"}
        for container in listed.stdout.split():
            image = container_image(container)
            run(["docker", "rm", "-f", "-v", container], check=False)
            if image.startswith("vsc-"):
                images |= {image, image.removesuffix("-uid")}
        for name in images:
            remove_image(name)


@contextmanager
def opened(
    workspace: Path, *up_args: str, as_user: list[str] | None = None
) -> Iterator[DevContainer]:
    """The workspace opened as VS Code opens it (`devcontainer up`); removed afterwards, whatever
    happened."""
    container = DevContainer(workspace, as_user=as_user or [])
    try:
        yield container.up(*up_args)
    finally:
        container.remove()


def app_tests_pass(container: DevContainer) -> bool:
    """The project's own tests, run in the container as a developer runs them. pytest's exit code
    says it (5: none collected); a project's own -q may hide the summary line."""
    result = container.exec("pytest", "-q", "-p", "no:cacheprovider", check=False)
    passed = result.returncode == 0
    if not passed:
        print(result.stdout[-4000:])  # pytest shows it with the failure
    return passed


def import_location(container: DevContainer, module: str) -> str:
    """Where `python` in the container imports `module` from, outside the workspace."""
    return container.sh(f"cd /tmp && python -c 'import {module}; print({module}.__file__)'")


def snapshot(root: Path) -> dict[str, str]:
    """Every file under the folder but git's, by its path there: its content's hash."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


def rename(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """scripts/rename, run in a copy of the kit."""
    return run([sys.executable, "scripts/rename", *args], cwd=workspace, check=False)
