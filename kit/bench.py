"""Benchmark the kit's prod image against what users would pick instead, side by side in one run,
on the same app, base image and locked versions:

    baseline          bench/baseline.Dockerfile: the naive single-stage Poetry image
    seed-venv         bench/seed-venv.Dockerfile: an activated /opt/venv, `poetry install`, copied
    poetry-venv-copy  bench/poetry-venv-copy.Dockerfile: Poetry's in-project .venv, copied
    uv-multistage     bench/uv-multistage.Dockerfile: uv's official multistage example

For each, with the app's dependencies and again with numpy and pandas added: the image's size, a
cold build, rebuilds after a source-only change, a version bump and an added dependency, and the
bytes each push uploads to a registry (127.0.0.1:5000). For the kit alone, its budgets: the dev
image, `devcontainer up`, the prod container's start and stop, the dependency cache mount.

    python3 -m kit.bench              # from the repository's root: bench/results.md, chart.svg
    python3 -m kit.bench --runs 5     # more runs per figure (default 3; medians are reported)

Works on a copy of the repository and removes the images and containers it creates. A cold build
starts from an empty build cache (`docker builder prune -af`: this machine's whole build cache, not
only the benchmark's), cache mounts included unless a figure says "cache mount warm".
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

from kit.support import (
    REPO,
    DevContainer,
    base_image,
    copy_repo,
    default_python,
    dependency_steps,
    docker_build,
    docker_run,
    edit_source,
    http_get,
    image_store,
    layers,
    layers_over,
    remove_image,
    run,
    saved_image,
    serving,
    steps_that_ran,
    unique,
    venv_bytes,
)
from kit.tools import tool_env

BENCH = REPO / "bench"
HEAVY = ["numpy", "pandas"]
# Small pure-Python packages, one added per dependency change.
EXTRA = ["six", "attrs", "tomlkit", "text-unidecode", "iso8601", "colorama", "wrapt", "toolz",
         "pyparsing", "idna", "click", "itsdangerous"]  # fmt: skip
MB = 1e6
# Where the pushes go: a registry on this machine (`docker run -d -p 5000:5000 registry:2`).
REGISTRY = "127.0.0.1:5000"
MANIFESTS = ", ".join(
    (
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    )
)
UV_DOCKERFILE = BENCH / "uv-multistage.Dockerfile"
UV_VERSION = re.findall(r"astral-sh/uv:([0-9.]+)", UV_DOCKERFILE.read_text())[0]
# uv from PyPI (the same binary as its image): a stand-in for uv's image, whose registry some
# machines do not reach, and a tool image that writes uv.lock.
UV_IMAGES = """\
ARG PYTHON_VERSION
FROM python:${PYTHON_VERSION}-slim-trixie AS tool
ARG UV_VERSION POETRY_PYPI_MIRROR_URL=
RUN pip install --root-user-action=ignore --disable-pip-version-check \\
      ${POETRY_PYPI_MIRROR_URL:+--index-url "$POETRY_PYPI_MIRROR_URL"} "uv==$UV_VERSION"
FROM scratch AS image
COPY --from=tool /usr/local/bin/uv /usr/local/bin/uvx /
"""
# Pins the versions poetry.lock has for the main group as uv's constraints, then writes uv.lock.
UV_LOCK = """\
import tomllib
lock = tomllib.load(open("poetry.lock", "rb"))
pins = sorted(
    f'"{p["name"]}=={p["version"]}"'
    for p in lock["package"]
    if "main" in p.get("groups", [p.get("category")])
)
mark = "\\n# The benchmark's uv peer: the versions poetry.lock pins.\\n"
text = open("pyproject.toml").read().split(mark)[0]
pins = ", ".join(pins)
open("pyproject.toml", "w").write(f"{text}{mark}[tool.uv]\\nconstraint-dependencies = [{pins}]\\n")
"""


@dataclass(frozen=True)
class Contender:
    """One way to build the app's production image: the kit's prod target, or a peer's file."""

    name: str
    dockerfile: str = ""  # in bench/; empty: the kit's own Dockerfile, target prod
    args: tuple[str, ...] = ()

    def build(self, workspace: Path, tag: str) -> tuple[float, str]:
        """Build; the seconds it took and BuildKit's plain output."""
        started = time.monotonic()
        if self.dockerfile:
            dockerfile = ["-f", str(BENCH / self.dockerfile)]
            output = docker_build(workspace, "", tag, *dockerfile, *self.args).stdout
        else:
            output = docker_build(workspace, "prod", tag, *self.args).stdout
        return time.monotonic() - started, output


KIT = Contender("kit")


def uv_index() -> list[str]:
    """uv's own name for the index the kit reads from POETRY_PYPI_MIRROR_URL (none when unset)."""
    mirror = os.environ.get("POETRY_PYPI_MIRROR_URL", "")
    return [f"UV_DEFAULT_INDEX={mirror}"] if mirror else []


def runs_per_figure(runs: int) -> str:
    return "one run per figure" if runs == 1 else f"{runs} runs per figure: median, and min to max"


def peers(uv_image: str) -> list[Contender]:
    uv_index_arg = [arg for setting in uv_index() for arg in ("--build-arg", setting)]
    uv_args = ("--build-arg", f"UV_IMAGE={uv_image}", *uv_index_arg)
    return [
        Contender("baseline", "baseline.Dockerfile"),
        Contender("seed-venv", "seed-venv.Dockerfile"),
        Contender("poetry-venv-copy", "poetry-venv-copy.Dockerfile"),
        Contender("uv-multistage", UV_DOCKERFILE.name, uv_args),
    ]


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def timed(action: Callable[[], object]) -> float:
    started = time.monotonic()
    action()
    return time.monotonic() - started


def prune_cache_mounts() -> None:
    run(["docker", "builder", "prune", "-af", "--filter", "type=exec.cachemount"])


def prune_build_cache(keep_cache_mounts: bool = False) -> None:
    """Remove BuildKit's layer cache, and its cache mounts too unless told to keep them."""
    run(["docker", "builder", "prune", "-af", *(["--filter", "type=regular"] * keep_cache_mounts)])


def in_container(image: str, workspace: Path, *command: str) -> None:
    """A command in a throw-away container of `image`, on the workspace (given back to UID 1000)."""
    index = [arg for setting in uv_index() for arg in ("-e", setting)]
    mount = ["-e", "POETRY_PYPI_MIRROR_URL", *index, "-v", f"{workspace}:/w", "-w", "/w"]
    run(["docker", "run", "--rm", *mount, image, *command])
    if os.geteuid() == 0:
        run(["chown", "-R", "1000:1000", str(workspace)])


def registry_get(path: str) -> bytes:
    request = urllib.request.Request(f"http://{REGISTRY}/v2/{path}", headers={"Accept": MANIFESTS})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read()
    except OSError as error:
        raise SystemExit(
            f"bench: error: the registry at {REGISTRY} does not answer ({error}): start one with"
            " `docker run -d -p 5000:5000 registry:2`"
        ) from error


def pushed_blobs(repository: str, reference: str) -> dict[str, int]:
    """Every manifest and blob a pushed tag consists of (image index, per-platform manifests,
    configs, compressed layers, attestations), each digest with its size in bytes."""
    raw = registry_get(f"{repository}/manifests/{reference}")
    document = json.loads(raw)
    found = {"sha256:" + hashlib.sha256(raw).hexdigest(): len(raw)}
    for child in document.get("manifests", []):
        found |= pushed_blobs(repository, child["digest"])
    for blob in [document.get("config", {}), *document.get("layers", [])]:
        if blob:
            found[blob["digest"]] = blob["size"]
    return found


class Pushes:
    """One repository in the registry per contender: what each push uploads that it did not hold
    (every manifest and blob of the new tag, compressed, as sent)."""

    def __init__(self, contender: str) -> None:
        self.repository = f"{unique('kit-bench')}/{contender}"
        self.held: dict[str, int] = {}

    def tag(self) -> str:
        return f"{REGISTRY}/{self.repository}:{unique('push')}"

    def push(self, tag: str) -> int:
        run(["docker", "push", "--quiet", tag])
        blobs = pushed_blobs(self.repository, tag.rsplit(":", 1)[1])
        uploaded = sum(size for digest, size in blobs.items() if digest not in self.held)
        self.held.update(blobs)
        return uploaded


VARIANTS = ("app deps", "+numpy+pandas")
# What the goals compare: the kit leads every peer on these...
LEAD = (
    "prod image (MB)",
    "adds over the base (MB)",
    "upload, source-only change (kB)",
    "upload, version bump (kB)",
    "upload, cold-cache rebuild of the same commit (kB)",
)
# ...and is within this factor of the fastest peer on these.
WITHIN = 1.25
TIMES = (
    "cold build (s)",
    "source-only rebuild (s)",
    "version-bump rebuild (s)",
    "dependency-change rebuild (s)",
)


class Bench:
    def __init__(self, runs: int, top: Path) -> None:
        self.runs = runs
        self.top = top
        # figure -> contender -> values
        self.figures: dict[str, dict[str, list[float]]] = {}
        self.images: list[str] = []
        self.contenders: list[Contender] = [KIT]
        self.uv_tool = ""
        self.project_files = 0  # bytes of the project's own installed files in prod
        self.added_package = 0  # bytes of the last package added, installed
        self.version = 0
        self.extra = iter(EXTRA)

    def record(self, contender: str, name: str, value: float) -> None:
        # A size or a time of zero means it was not measured: stop, never report it as met.
        if value <= 0 and "(1 = yes)" not in name:
            raise SystemExit(f"bench: error: {contender}: {name} measured as {value}: not measured")
        self.figures.setdefault(name, {}).setdefault(contender, []).append(value)
        log(f"{contender}: {name}: {value:.2f}")

    def medians(self, contender: str = "kit") -> dict[str, float]:
        return {name: median(by[contender]) for name, by in self.figures.items() if contender in by}

    def tag(self, prefix: str) -> str:
        self.images.append(unique(f"bench-{prefix}"))
        return self.images[-1]

    # ---- the workspace's changes, the same for every contender ----------------------------

    def uv_images(self) -> str:
        """Build uv's stand-in image and the tool image; return the stand-in's tag."""
        folder = self.top / "uv-images"
        folder.mkdir()
        (folder / "Dockerfile").write_text(UV_IMAGES)
        args = ["--build-arg", f"PYTHON_VERSION={default_python()}"]
        args += ["--build-arg", f"UV_VERSION={UV_VERSION}"]
        self.uv_tool = self.tag("uv-tool")
        docker_build(folder, "tool", self.uv_tool, *args)
        image = self.tag("uv-image")
        docker_build(folder, "image", image, *args)
        return image

    def relock(self, workspace: Path) -> None:
        """uv.lock for the uv peer: the versions poetry.lock pins, written by uv."""
        script = f"python - <<'EOF'\n{UV_LOCK}EOF\nuv lock -q"
        in_container(self.uv_tool, workspace, "sh", "-c", script)

    def poetry(self, workspace: Path, *args: str) -> None:
        """Poetry from the kit's own `poetry` stage, run in a container on the workspace."""
        tag = self.tag("poetry")
        docker_build(workspace, "poetry", tag)
        in_container(tag, workspace, "poetry", *args)
        self.relock(workspace)

    def bump_version(self, workspace: Path) -> None:
        pyproject = workspace / "pyproject.toml"
        old, new = f'version = "0.1.{self.version}"', f'version = "0.1.{self.version + 1}"'
        assert old in pyproject.read_text(), old
        pyproject.write_text(pyproject.read_text().replace(old, new, 1))
        self.version += 1
        self.relock(workspace)

    def add_dependency(self, workspace: Path) -> str:
        """One small package added, with a lower bound no earlier lock had: no cache holds it."""
        package = next(self.extra)
        self.poetry(workspace, "add", "--lock", f"{package}>=0.0.{time.time_ns() % 10**9}")
        return package

    # ---- the kit and its peers, side by side ----------------------------------------------

    def changes(self, workspace: Path, variant: str) -> list[tuple[str, dict[str, bytes]]]:
        """One run's changes, made in turn: each change's name, with the files as they are after
        it (what the workspace holds now comes first: a commit already built and pushed)."""
        names = ["src/minimal_py_poetry/app.py", "pyproject.toml", "poetry.lock", "uv.lock"]

        def files() -> dict[str, bytes]:
            return {name: (workspace / name).read_bytes() for name in names}

        states = [("cold-cache rebuild of the same commit", files())]
        edit_source(workspace)
        states.append(("source-only change", files()))
        self.bump_version(workspace)
        states.append(("version bump", files()))
        if variant == VARIANTS[0]:
            pyproject = workspace / "pyproject.toml"
            old = re.findall(r"line-length = \d+", pyproject.read_text())[0]
            new = f"line-length = {80 + self.version}"
            pyproject.write_text(pyproject.read_text().replace(old, new))
            states.append(("[tool.ruff] edit", files()))
        package = self.add_dependency(workspace)
        states.append((f"one added dependency ({package})", files()))
        return states

    def side_by_side(self, workspace: Path, variant: str) -> None:
        """Each run: a cold build of an unchanged commit, then a source-only change, a version
        bump and an added dependency; each contender in turn goes through the same files, built
        and pushed after each change, with the build cache its own cold build left."""
        pushes = {c.name: Pushes(c.name) for c in self.contenders}
        tags = {c.name: pushes[c.name].tag() for c in self.contenders}
        self.images += tags.values()
        for c in self.contenders:
            log(f"{c.name}, {variant}: first build and push")
            c.build(workspace, tags[c.name])
            pushes[c.name].push(tags[c.name])
            below, own = layers_over(tags[c.name], base_image())
            base, added = sum(x.size for x in below), sum(x.size for x in own)
            self.record(c.name, f"prod image (MB), {variant}", (base + added) / MB)
            self.record(c.name, f"adds over the base (MB), {variant}", added / MB)
            if c is KIT:
                self.record(
                    c.name, f"prod added / venv, {variant}", added / venv_bytes(tags["kit"])
                )
        figures = {
            "cold-cache rebuild of the same commit": "cold build",
            "source-only change": "source-only rebuild",
            "version bump": "version-bump rebuild",
            "[tool.ruff] edit": "[tool.ruff]-edit rebuild",
        }
        for i in range(self.runs):
            log(f"{variant}, run {i + 1}/{self.runs}: the changes")
            states = self.changes(workspace, variant)
            for c in self.contenders:
                for change, files in states:
                    if change == "[tool.ruff] edit" and c is not KIT:
                        continue
                    log(f"{c.name}, {variant}, run {i + 1}/{self.runs}: {change}")
                    for name, content in files.items():
                        (workspace / name).write_bytes(content)
                    if change.startswith("cold"):
                        prune_build_cache()
                    before = layers(tags[c.name])
                    seconds, output = c.build(workspace, tags[c.name])
                    uploaded = pushes[c.name].push(tags[c.name])
                    change = re.sub(r" \(.*", "", change)
                    figure = figures.get(change, "dependency-change rebuild")
                    self.record(c.name, f"{figure} (s), {variant}", seconds)
                    self.record(c.name, f"upload, {change} (kB), {variant}", uploaded / 1e3)
                    if c is KIT and change == "source-only change":
                        self.source_only_shipped(tags["kit"], before, output, variant)
            package = states[-1][0].split("(")[1].rstrip(")")
            self.added_package = self.distribution_bytes(tags["kit"], package)
        if variant == VARIANTS[0]:
            self.project_files = self.distribution_bytes(tags["kit"], "minimal-py-poetry")

    def source_only_shipped(self, tag: str, before: list[str], output: str, variant: str) -> None:
        """What the kit's source-only rebuild changed: its new layers (uncompressed), and
        whether any dependency step ran."""
        changed = set(layers(tag)) - set(before)
        if not changed:
            raise SystemExit("bench: error: a source change left the kit's prod unchanged")
        ran = float(bool(dependency_steps(steps_that_ran(output))))
        shipped = sum(x.size for x in saved_image(tag).layers if x.diff_id in changed) / 1e3
        self.record("kit", f"shipped per source change (kB), {variant}", shipped)
        self.record("kit", f"dependency step re-ran (1 = yes), {variant}", ran)

    def distribution_bytes(self, image: str, name: str) -> int:
        """The size of one distribution's installed files (its RECORD) in an image's venv."""
        script = (
            f"import importlib.metadata as m, os; d = m.distribution({name!r});"
            "print(sum(os.path.getsize(d.locate_file(f)) for f in d.files))"
        )
        return int(docker_run(image, "python", "-c", script))

    # ---- the kit alone: its budgets -------------------------------------------------------

    def dev_cold_builds(self, workspace: Path) -> None:
        """Cold: no layer cache. (Not `--no-cache`: with it, BuildKit ignores cache mounts too.)"""
        tag = self.tag("dev")
        for i in range(self.runs):
            log(f"cold builds of dev, run {i + 1}/{self.runs}")
            for mount in ("empty", "warm"):
                prune_build_cache(keep_cache_mounts=mount == "warm")
                seconds = timed(partial(docker_build, workspace, "dev", tag))
                self.record("kit", f"cold build dev, cache mount {mount} (s)", seconds)
        below, own = layers_over(tag, base_image())
        self.record("kit", "dev image (MB)", sum(x.size for x in below + own) / MB)

    def dependency_change_empty_mount(self, workspace: Path) -> None:
        """The same as side by side's dependency change, but with the venv's cache mount empty."""
        tag = self.tag("prod-deps")
        KIT.build(workspace, tag)
        for i in range(self.runs):
            package = self.add_dependency(workspace)
            log(f"dependency change (+{package}), cache mounts empty, run {i + 1}/{self.runs}")
            prune_cache_mounts()
            seconds, _ = KIT.build(workspace, tag)
            self.record("kit", "dependency-change rebuild, cache mount empty (s)", seconds)

    def devcontainer_up(self) -> None:
        for i in range(self.runs):
            workspace = copy_repo(self.top / unique("dev"))
            container = DevContainer(workspace)
            try:
                log(f"devcontainer up, cold (no image, no layer cache), run {i + 1}/{self.runs}")
                prune_build_cache(keep_cache_mounts=True)
                self.up_and_test(container, "cold")
                log(f"devcontainer up, warm (image cached, container removed), run {i + 1}")
                run(["docker", "rm", "-f", container.container_id])
                self.up_and_test(container, "warm")
            finally:
                container.remove()

    def up_and_test(self, container: DevContainer, kind: str) -> None:
        started = time.monotonic()
        container.up()
        self.record("kit", f"devcontainer up, {kind} (s)", container.up_seconds)
        container.exec("pytest", "-q")
        seconds = time.monotonic() - started
        self.record("kit", f"devcontainer up + pytest passing, {kind} (s)", seconds)

    def prod_start_stop(self, workspace: Path) -> None:
        image = self.tag("prod")
        KIT.build(workspace, image)
        for i in range(self.runs):
            log(f"prod start and stop, run {i + 1}/{self.runs}")
            started = time.monotonic()
            with serving(image) as (name, url):
                status, _ = http_get(f"{url}/health")
                assert status == 200
                seconds = time.monotonic() - started
                self.record("kit", "prod start to first 200 on /health (s)", seconds)
                stop = partial(run, ["docker", "stop", name])
                self.record("kit", "prod docker stop (s)", timed(stop))

    def clean(self) -> None:
        for tag in self.images:
            remove_image(tag)


# ---- the report -------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values)


def budgets(b: Bench) -> list[tuple[str, str, bool]]:
    """The kit's own budgets: (what, measured, met). Each limit is written once, here."""
    f = b.medians("kit")
    small, heavy = VARIANTS
    files = (b.project_files + 64_000) / 1e3
    package = (b.added_package + 64_000) / 1e3
    warm = f[f"dependency-change rebuild (s), {heavy}"]
    empty = f["dependency-change rebuild, cache mount empty (s)"]
    checks: list[tuple[str, float, float, str]] = [
        (
            "prod adds at most {limit:.2f}x its /opt/venv over the base",
            f[f"prod added / venv, {small}"],
            1.05,
            "{:.3f}x",
        ),
        *[
            (
                f"a source-only change ships at most the project's files + 64 kB"
                f" ({{limit:.1f}} kB), {v}",
                f[f"shipped per source change (kB), {v}"],
                files,
                "{:.1f} kB",
            )
            for v in VARIANTS
        ],
        *[
            (
                f"a source-only rebuild re-runs no dependency step (1 = re-ran), {v}",
                f[f"dependency step re-ran (1 = yes), {v}"],
                0,
                "{:.0f}",
            )
            for v in VARIANTS
        ],
        *[
            (
                f"a push after a {change} uploads at most the project's files + 64 kB"
                " ({limit:.1f} kB)",
                f[f"upload, {change} (kB), {small}"],
                files,
                "{:.1f} kB",
            )
            for change in (
                "source-only change",
                "version bump",
                "[tool.ruff] edit",
                "cold-cache rebuild of the same commit",
            )
        ],
        (
            "a push after adding one dependency uploads at most its files + 64 kB ({limit:.1f} kB)",
            f[f"upload, one added dependency (kB), {small}"],
            package,
            "{:.1f} kB",
        ),
        (
            "dependency-change rebuild, warm cache mount at most {limit:.1f}x an empty one",
            warm / empty,
            0.5,
            "{:.2f}x",
        ),
        (
            "devcontainer up, warm, at most {limit:.0f} s",
            f["devcontainer up, warm (s)"],
            10,
            "{:.1f} s",
        ),
        (
            "prod start to healthy at most {limit:.1f} s",
            f["prod start to first 200 on /health (s)"],
            1.5,
            "{:.2f} s",
        ),
        ("docker stop at most {limit:.0f} s", f["prod docker stop (s)"], 1, "{:.2f} s"),
        ("dev image at most {limit:.0f} MB", f["dev image (MB)"], 450, "{:.1f} MB"),
    ]
    return [
        (text.format(limit=limit), shown.format(value), value <= limit)
        for text, value, limit, shown in checks
    ]


def goals(b: Bench) -> list[tuple[str, str, float, bool]]:
    """The kit against the best peer on each figure: (figure, best peer, ratio, met)."""
    rows = []
    for variant in VARIANTS:
        for figure, limit in [(x, 1.0) for x in LEAD] + [(x, WITHIN) for x in TIMES]:
            by = b.figures[f"{figure}, {variant}"]
            best = min((c for c in by if c != "kit"), key=lambda c: median(by[c]))
            ratio = median(by["kit"]) / median(by[best])
            rows.append((f"{figure}, {variant}", best, ratio, ratio <= limit))
    return rows


def machine() -> str:
    memory = ""
    if Path("/proc/meminfo").exists():
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024**2:.0f} GiB memory"
    engine = run(["docker", "version", "--format", "{{.Server.Version}}"]).stdout.strip()
    cli = run(["devcontainer", "--version"]).stdout.strip()
    return (
        f"{os.cpu_count()} cores{memory}, {platform.machine()}, Docker Engine {engine}, "
        f"{image_store()}, Dev Containers CLI {cli}, base image {base_image()}, uv {UV_VERSION}"
    )


def cell(values: list[float] | None) -> str:
    if not values:
        return ""
    if min(values) == max(values):
        return f"{median(values):.2f}"
    return f"{median(values):.2f} ({min(values):.2f} to {max(values):.2f})"


def report(b: Bench) -> str:
    names = [c.name for c in b.contenders]
    lines = [
        "# Benchmark: the kit against what users would pick instead",
        "",
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d} on {machine()}, by `python3 -m kit.bench`"
        f" ({runs_per_figure(b.runs)}). The peers are the Dockerfiles in"
        " `bench/`, built on the same app, base image and locked versions. Sizes are uncompressed:"
        " what the layers' files hold, read from `docker save`. Uploads are what a push sends,"
        " compressed: the manifests and blobs of the new tag that the registry at"
        f" {REGISTRY} did not hold yet. A cold build starts from an empty build cache, cache mounts"
        " included.",
        "",
        f"## Goals: the kit leads every peer on size and uploads, and is within {WITHIN}x of the"
        " fastest on every build",
        "",
        "| figure | best peer | kit / best peer | met |",
        "| --- | --- | --- | --- |",
    ]
    lines += [
        f"| {figure} | {best} | {ratio:.2f}x | {'yes' if ok else '**no**'} |"
        for figure, best, ratio, ok in goals(b)
    ]
    lines += ["", "## The kit's budgets", "", "| budget | measured | met |", "| --- | --- | --- |"]
    lines += [f"| {n} | {v} | {'yes' if ok else '**no**'} |" for n, v, ok in budgets(b)]
    lines += [
        "",
        "## Side by side",
        "",
        "| figure | " + " | ".join(names) + " |",
        "| --- |" + " --- |" * len(names),
    ]
    for name, by in b.figures.items():
        if len(by) > 1:
            lines.append(f"| {name} | " + " | ".join(cell(by.get(c)) for c in names) + " |")
    lines += ["", "## The kit alone", "", "| figure | median (min to max) |", "| --- | --- |"]
    for name, by in b.figures.items():
        if len(by) == 1:
            lines.append(f"| {name} | {cell(by['kit'])} |")
    lines += ["", "![sizes, builds and uploads](chart.svg)", ""]
    return "\n".join(lines)


COLOURS = {"kit": "#2b7bb9", "baseline": "#d95f02", "seed-venv": "#7570b3",
           "poetry-venv-copy": "#e7298a", "uv-multistage": "#66a61e"}  # fmt: skip


def bars(x: int, y: int, title: str, items: list[tuple[str, float]], unit: str) -> list[str]:
    """One horizontal bar panel of the SVG chart."""
    top = max(value for _, value in items) or 1
    out = [f'<text x="{x}" y="{y}" font-weight="bold">{title}</text>']
    for i, (label, value) in enumerate(items):
        row = y + 10 + i * 20
        width = 200 * value / top
        out += [
            f'<text x="{x}" y="{row + 12}">{label}</text>',
            f'<rect x="{x + 120}" y="{row}" width="{width:.1f}" height="15"'
            f' fill="{COLOURS[label]}"/>',
            f'<text x="{x + 124 + width:.1f}" y="{row + 12}">{value:.1f} {unit}</text>',
        ]
    return out


def chart(b: Bench) -> str:
    names = [c.name for c in b.contenders]
    small = VARIANTS[0]
    panels = [
        ("Prod image (MB)", f"prod image (MB), {small}", "MB"),
        ("Cold build (s)", f"cold build (s), {small}", "s"),
        ("Source-only rebuild (s)", f"source-only rebuild (s), {small}", "s"),
        ("Dependency-change rebuild (s)", f"dependency-change rebuild (s), {small}", "s"),
        ("Upload per version bump (kB)", f"upload, version bump (kB), {small}", "kB"),
        ("Upload per source change, +numpy+pandas (kB)",
         f"upload, source-only change (kB), {VARIANTS[1]}", "kB"),
    ]  # fmt: skip
    body = []
    for i, (title, figure, unit) in enumerate(panels):
        by = b.figures[figure]
        items = [(name, median(by[name])) for name in names]
        body += bars(10 + (i % 2) * 400, 20 + (i // 2) * 140, title, items, unit)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="800" height="430" '
        'font-family="sans-serif" font-size="11">\n'
        '<rect width="100%" height="100%" fill="white"/>\n' + "\n".join(body) + "\n</svg>\n"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser("python3 -m kit.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (default 3)")
    parser.add_argument("--only", choices=["side-by-side"], help="skip the kit-alone figures")
    args = parser.parse_args(argv)
    _, env = tool_env()
    os.environ.update(env)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kit-bench-") as top:
        bench = Bench(args.runs, Path(top))
        try:
            workspace = copy_repo(Path(top) / "ws")
            bench.contenders += peers(bench.uv_images())
            bench.relock(workspace)
            bench.side_by_side(workspace, VARIANTS[0])
            if args.only is None:
                bench.prod_start_stop(workspace)
                bench.dev_cold_builds(workspace)
            log(f"adding {' and '.join(HEAVY)} to the benchmark's copy")
            bench.poetry(workspace, "add", "--lock", *HEAVY)
            bench.side_by_side(workspace, VARIANTS[1])
            if args.only is None:
                bench.dependency_change_empty_mount(workspace)
                bench.devcontainer_up()
        finally:
            bench.clean()
    if args.only:
        print(json.dumps(bench.figures, indent=1))
        return 0
    text = report(bench)
    (BENCH / "results.md").write_text(text)
    (BENCH / "chart.svg").write_text(chart(bench))
    print(text)
    log(f"done in {time.monotonic() - started:.0f} s: bench/results.md, bench/chart.svg")
    met = all(ok for *_, ok in budgets(bench)) and all(ok for *_, ok in goals(bench))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
