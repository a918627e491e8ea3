"""`scripts/adopt` on projects of every shape, end to end: what only Docker proves. Each project is
adopted (Poetry in its container), its prod image built, started and inspected, and its own tests
run in the dev container. What adopt decides for each shape is proven without Docker, in
kit/core/ (the example projects and their expected decisions)."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from kit.core import example
from kit.support import (
    HOST_UID,
    LOCKED_DOWN,
    REPO,
    app_tests_pass,
    built,
    commit_everything,
    dependency_steps,
    docker_build,
    docker_run,
    health_within,
    http_get,
    image_tag,
    labels,
    layers,
    layers_over,
    opened,
    run,
    serving,
    snapshot,
    steps_that_ran,
    unique,
    venv_distributions,
)
from kit.vscode import DebuggedTest, debug_the_first_test

FASTAPI = ["fastapi (>=0.110)", "uvicorn (>=0.30)"]
APP = """\
from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def hello() -> dict[str, str]:
    return {"shape": "%s"}
"""
# A FastAPI app's [project] table: its name and version.
FASTAPI_PROJECT = f"""\
[project]
name = "%s"
version = "%s"
requires-python = ">=3.12"
dependencies = {json.dumps(FASTAPI)}
"""
# A Poetry project's [build-system] table, for a version range of poetry-core.
BUILD_SYSTEM = """
[build-system]
requires = ["poetry-core%s"]
build-backend = "poetry.core.masonry.api"
"""

# A library of the project's own, in its own folder: its [project] table.
LIBRARY = """\
[project]
name = "%s"
version = "0.1.0"
requires-python = ">=3.12"
"""


def project(*, pyproject: str, files: dict[str, str]) -> dict[str, str]:
    return {"pyproject.toml": pyproject, **files}


def application(name: str, *dependencies: str, python: str = ">=3.12") -> str:
    """The pyproject.toml of an application (package-mode = false) with [project] metadata."""
    pyproject = f'[project]\nname = "{name}"\nversion = "1"\nrequires-python = "{python}"\n'
    if dependencies:
        pyproject += f"dependencies = {json.dumps(list(dependencies))}\n"
    return pyproject + "\n[tool.poetry]\npackage-mode = false\n"


def make_project(top: Path, files: dict[str, str]) -> Path:
    root = top / unique("project")
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def adopt(target: Path, *args: str) -> tuple[int, str]:
    result = run([sys.executable, str(REPO / "scripts" / "adopt"), str(target), *args], check=False)
    return result.returncode, result.stdout


def adopted_example(top: Path, name: str, into: str = "") -> tuple[Path, str]:
    """An example project (kit/core/examples/), copied and adopted with the options it names
    (--force where it has its own Dockerfile): its root, and adopt's report."""
    root = example.copy(name, top / unique(name), into)
    given = example.options(name)
    args = [f"--{key}={value}" for key, value in given.items()]
    code, output = adopt(root, *args, *(["--force"] if (root / "Dockerfile").exists() else []))
    assert code == 0, output
    return root, output


def debugged_in_the_dev_container_where_tests_pass(root: Path) -> DebuggedTest:
    """The adopted project opened in its dev container as the host user's (UID 1000): `python`
    is the venv's, the project's own tests pass, and the Testing view's debug button is pressed
    on its first test; where that stopped."""
    if os.geteuid() == 0:
        run(["chown", "-R", f"{HOST_UID}:{HOST_UID}", str(root)])
    with opened(root) as container:
        assert container.sh("command -v python") == "/opt/venv/bin/python"
        assert app_tests_pass(container)
        return debug_the_first_test(container)


def section_in(root: Path) -> dict:
    """The values the project section of an adopted project's Dockerfile sets, and its CMD."""
    text = (root / "Dockerfile").read_text()
    section = text[: text.index("# ==== End of your project's section.")]
    values: dict = dict(re.findall(r"(?m)^ARG (\w+)=(.*)$", section))
    values["CMD"] = json.loads(re.search(r"(?m)^CMD (\[.*\])$", section).group(1))
    return values


def arg(dockerfile: str, name: str) -> str:
    return re.search(rf"(?m)^ARG {name}=(.*)$", dockerfile).group(1)


def packages_in(dockerfile: str, name: str) -> set[str]:
    """The Debian packages a list ARG (BUILD_PACKAGES, RUNTIME_PACKAGES) names."""
    return set(arg(dockerfile, name).strip('"').split())


def adopted_script(
    top: Path, name: str, requirements: tuple[str, ...], script: str, python: str = ">=3.14"
) -> Path:
    """An application whose main.py is `script`, adopted with adopt's defaults."""
    pyproject = application(name, *requirements, python=python)
    root = make_project(top, {"pyproject.toml": pyproject, "main.py": script})
    code, output = adopt(root)
    assert code == 0, output
    return root


def headers_where_the_base_lacks_them(base: str, dockerfile: str) -> list[str]:
    """The official python images carry Python's C headers; this machine's stand-ins for them do
    not, so a C extension also needs Debian's python3.X-dev there (and only there)."""
    packages = arg(dockerfile, "BUILD_PACKAGES").strip('"')
    if not packages or "stand-in" not in json.dumps(labels(base)):
        return []
    version = base.split(":")[1].split("-")[0]
    return ["--build-arg", f"BUILD_PACKAGES={packages} python{version}-dev"]


# What prod may add to its base image for any shape (see test_prod.ADDED).
ADDED = re.compile(
    r"(opt(/venv(/.*)?)?|app(/.*)?|etc(/(\.pwd\.lock|(passwd|group|shadow|gshadow)-?))?|tmp|root"
    r"|usr(/local(/bin|/lib(/python[\d.]+(/(site|dist)-packages)?)?)?)?"
    r"|usr/local/(bin|lib/python[\d.]+/(site|dist)-packages)/\.wh\.pip[^/]*"
    r"|usr/local/lib/kit_build\.py)"
)


# One example project per install shape, and what its prod must hold, or lack.
# The dev container is opened for three of them: a package (installed editable from the
# workspace), files (found from its root), and path dependencies (editable where they say so).
SHAPES = {
    "src-package-with-extra": {"dev": True},  # a package: src layout, a script, an extra, a licence
    "poetry1-flat-optional-group": {},  # a package: Poetry 1 metadata, a Python below 3.14
    "no-package-fastapi": {"dev": True},  # files: package-mode = false
    "package-with-root-module-and-data": {},  # both: a package started by a root script
    "django-site-with-sdist-dependency": {"compiled": "crcmod._crcfunext"},  # sdist-only, C
    "service-with-path-dependencies": {"not_in_prod": "fixtures", "dev": True},  # path deps
}


@pytest.mark.parametrize("shape", SHAPES.keys())
def test_adopt_builds_a_prod_that_serves_and_a_dev_container_that_passes_the_tests(
    tmp_path: Path, shape: str
) -> None:
    """One project per install shape (package, files, both, path dependencies, sdist-only): the
    files adopt writes build a prod that serves as UID 10001 and holds nothing else, and its SBOM;
    and (SHAPES' "dev") a dev container where the project's tests pass and the Testing view's
    debug button stops in them."""
    expected, about = SHAPES[shape], example.project(shape)

    root, output = adopted_example(tmp_path, shape)

    assert section_in(root) == example.expected(shape)["section"], output  # Poetry's facts hold
    dockerfile = (root / "Dockerfile").read_text()
    lock = (root / "poetry.lock").read_text()
    assert all(f'name = "{tool}"' in lock for tool in ("debugpy", "ruff", "pytest", "pre-commit"))

    python = f"python:{about.python}-slim-trixie"
    with built(root, "prod", *headers_where_the_base_lacks_them(python, dockerfile)) as tag:
        with serving(tag, *LOCKED_DOWN) as (name, url):
            status, body = http_get(f"{url}/")
            user = run(["docker", "exec", name, "id", "-u"]).stdout.strip()
            health = health_within(name, 25)
            seen_labels = labels(name)
        _, own = layers_over(tag, python)
        sbom_output = f"type=local,dest={tmp_path / 'sbom'}"
        docker_build(root, "sbom", "", "--output", sbom_output)
        listing = docker_run(tag, "sh", "-c", "ls -A /app; command -v poetry pip gcc cc || true")
        if "compiled" in expected:  # built from its sdist with a compiler that prod lacks
            docker_run(tag, "python", "-c", f"import {expected['compiled']}")
        imported = ""
        if "not_in_prod" in expected:  # a path dependency of a group that prod does not install
            script = ["python", "-c", f"import {expected['not_in_prod']}"]
            imported = run(["docker", "run", "--rm", tag, *script], check=False).stdout

    assert status == 200 and json.loads(body)["shape"], body
    assert user == "10001"
    assert health == "healthy"
    assert seen_labels["org.opencontainers.image.title"] == about.name
    assert seen_labels["org.opencontainers.image.description"] == (about.description or about.name)
    sbom = json.loads((tmp_path / "sbom" / "sbom.cdx.json").read_text())
    assert sbom["metadata"]["component"]["name"] == about.name
    assert sbom["components"], "the SBOM lists no dependency"
    added = [name for layer in own for name in layer.files]
    assert [name for name in added if not ADDED.fullmatch(name)] == []
    assert not any("/tests/" in name or name.endswith("pyproject.toml") for name in added)
    assert [line for line in listing.splitlines() if line.startswith("/")] == [], listing
    if "not_in_prod" in expected:
        assert "ModuleNotFoundError" in imported, imported
    if not expected.get("dev"):
        return

    debugged = debugged_in_the_dev_container_where_tests_pass(root)

    assert debugged.stop == debugged.breakpoint.hit


# Real public Poetry projects of different shapes, downloaded from the package index at test time
# (their sdists: the projects' own files, tests included) and never committed.
REAL_PROJECTS = {
    # [project] and [tool.poetry] metadata, flat layout, no runtime dependencies at all.
    "tomlkit==0.15.2": "tomlkit",
    # Poetry 1 [tool.poetry] metadata, src layout, runtime dependencies, an optional doc group.
    "cleo==2.1.0": "cleo",
}
# (The corpus, kit/core/corpus/, holds many more real projects, each built and run here once; its
# decisions are the fast tier's.)


def download_sdist(top: Path, requirement: str) -> Path:
    """The project as its sdist holds it, unpacked: what a user's checkout holds, without git."""
    mirror = os.environ.get("POETRY_PYPI_MIRROR_URL")
    index = ["--index-url", mirror] if mirror else []
    pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", *index]
    run([*pip, "-q", "-d", str(top), requirement])
    (archive,) = top.glob("*.tar.gz")
    run(["tar", "-xzf", str(archive), "-C", str(top)])
    (root,) = [path for path in top.iterdir() if path.is_dir()]
    return root


@pytest.mark.parametrize("requirement", REAL_PROJECTS.keys())
def test_a_real_poetry_project_adopts_builds_starts_and_passes_its_own_tests(
    tmp_path: Path, requirement: str
) -> None:
    """Projects the kit never saw, as their sdists ship them: adopt and its check (prod built and
    run locked down), prod's user and imports, and the dev container with the projects' own
    tests."""
    root = download_sdist(tmp_path, requirement)

    code, output = adopt(root, "--check")

    assert code == 0, output
    assert "\ncheck: works: " in output, output  # a library: its start command imports it
    with built(root, "prod") as tag:
        user = docker_run(tag, "id", "-u")
        imported = docker_run(tag, "python", "-c", f"import {REAL_PROJECTS[requirement]} as m;"
                              " print(m.__file__)")  # fmt: skip

    assert user == "10001"
    assert imported.startswith("/opt/venv/lib/python")
    debugged = debugged_in_the_dev_container_where_tests_pass(root)

    # The Testing view's debug button stops in the project's own test.
    assert debugged.stop == debugged.breakpoint.hit


def test_adopt_run_again_keeps_your_project_section_and_stops_at_your_edits(
    tmp_path: Path,
) -> None:
    """adopt run again, Poetry and all: nothing is re-resolved, your section stays and gains what a
    newer kit adds, and a kit file you edited stops it (--force keeps yours)."""
    root, _ = adopted_example(tmp_path, "no-package-fastapi")
    dockerfile = root / "Dockerfile"
    yours = dockerfile.read_text().replace("ARG PROD_GROUPS=\n", "ARG PROD_GROUPS=web\n")
    newer = "# The port the app serves on: prod's EXPOSE.\nARG APP_PORT=8000\n"
    dockerfile.write_text(yours.replace(newer, ""))  # as an older kit wrote it, without APP_PORT
    lock = (root / "poetry.lock").read_text()

    again, output = adopt(root)
    assert again == 0, output
    assert "ARG PROD_GROUPS=web\n" in dockerfile.read_text()  # your section stays
    assert newer in dockerfile.read_text()  # and gains what a newer kit adds
    assert "added to your project section: ARG APP_PORT=8000" in output
    assert (root / "poetry.lock").read_text() == lock  # nothing re-resolved

    (root / ".devcontainer" / "on-create.sh").write_text("# my own steps\n")
    before = snapshot(root)
    refused, output = adopt(root)
    assert refused == 2 and ".devcontainer/on-create.sh" in output and "--force" in output
    assert snapshot(root) == before

    forced, output = adopt(root, "--force")
    assert forced == 0, output
    assert (root / ".devcontainer" / "on-create.sh.orig").read_text() == "# my own steps\n"


def test_a_package_builds_from_where_pyproject_says_its_code_and_readme_are(
    tmp_path: Path,
) -> None:
    """The wheel's build reads the package from the folder `packages` names (lib/ here, not src/)
    and the README from docs/, folders that are otherwise no part of prod; and prod starts the
    package's __main__ from there."""
    pyproject = '[project]\nname = "tiny"\nversion = "1"\nreadme = "docs/README.md"\n'
    pyproject += 'requires-python = ">=3.12"\n'
    pyproject += '[tool.poetry]\npackages = [{ include = "tiny", from = "lib" }]\n'
    pyproject += BUILD_SYSTEM % ">=2.0"
    files = {
        "lib/tiny/__init__.py": "",
        "lib/tiny/__main__.py": "print('tiny runs')\n",
        "docs/README.md": "# tiny, documented\n",
    }
    root = make_project(tmp_path, {"pyproject.toml": pyproject, **files})

    code, output = adopt(root)

    assert code == 0, output
    script = "import importlib.metadata as m; print(m.metadata('tiny').get_payload())"
    with built(root, "prod") as tag:
        started = docker_run(tag)
        description = docker_run(tag, "python", "-c", script)

    assert started == "tiny runs"
    assert description == "# tiny, documented"


def test_a_dependency_that_loads_a_system_library_gets_it_in_prod_and_dev(
    tmp_path: Path,
) -> None:
    """psycopg, pure Python, loads libpq when imported: adopt puts libpq5 in RUNTIME_PACKAGES, so
    prod and the dev image have it; a prod without it stops at the smoke test, saying so."""
    pyproject = '[project]\nname = "pgcheck"\nversion = "1"\nrequires-python = ">=3.12"\n'
    pyproject += 'dependencies = ["psycopg (>=3.2)"]\n' + BUILD_SYSTEM % ">=2.0"
    files = {
        "pgcheck/__init__.py": "import psycopg\n",
        "pgcheck/__main__.py": "import psycopg\n\nprint(psycopg.pq.version())\n",
    }
    root = make_project(tmp_path, {"pyproject.toml": pyproject, **files})

    code, output = adopt(root)

    assert code == 0, output
    assert arg((root / "Dockerfile").read_text(), "RUNTIME_PACKAGES") == '"libpq5"'
    libpq_version = "import psycopg; print(psycopg.pq.version())"
    with built(root, "prod") as tag:
        libpq_in_prod = docker_run(tag)
        docker_build(root, "dev", tag)
        libpq_in_dev = docker_run(tag, "python", "-c", libpq_version)
        without = docker_build(root, "prod", tag, "--build-arg", "RUNTIME_PACKAGES=", check=False)

    assert libpq_in_prod.isdigit() and libpq_in_dev == libpq_in_prod
    assert without.returncode != 0
    assert "a system library it loads is missing" in without.stdout
    assert "add its Debian package to RUNTIME_PACKAGES" in without.stdout


def test_dependencies_that_build_from_source_get_their_libraries_in_prod_and_dev(
    tmp_path: Path,
) -> None:
    """python-ldap and PyAudio publish no Linux wheel; psycopg2-binary 2.9.10 and cffi 1.17.1,
    locked before CPython 3.14, have none for it, and on 3.14 build from source against the
    libraries their wheels bundle. adopt gives each its headers to build with and its library to
    load."""
    requirements = ("python-ldap (>=3.4)", "psycopg2-binary (==2.9.10)", "cffi (==1.17.1)")
    requirements += ("pyaudio (>=0.2.14)",)
    versions = "import ldap, psycopg2, pyaudio, cffi, _cffi_backend\n"
    versions += "print(psycopg2.__libpq_version__, pyaudio.get_portaudio_version())"

    root = adopted_script(tmp_path, "directory", requirements, versions)

    dockerfile = (root / "Dockerfile").read_text()
    assert arg(dockerfile, "PYTHON_VERSION") == "3.14"
    build = packages_in(dockerfile, "BUILD_PACKAGES")
    assert {"gcc", "libldap-dev", "libsasl2-dev", "libpq-dev", "libffi-dev"} <= build
    assert "portaudio19-dev" in build
    assert arg(dockerfile, "RUNTIME_PACKAGES") == '"libffi8 libldap2 libportaudio2 libpq5"'
    headers = headers_where_the_base_lacks_them("python:3.14-slim-trixie", dockerfile)
    with built(root, "prod", *headers) as tag:
        in_prod = docker_run(tag)
        docker_build(root, "dev", tag, *headers)
        in_dev = docker_run(tag, "python", "-c", versions)

    assert re.fullmatch(r"\d+ \d+", in_prod) and in_dev == in_prod


def test_packages_that_leave_libraries_and_programs_to_the_system_get_them_in_prod(
    tmp_path: Path,
) -> None:
    """OpenCV's wheel loads libGL and GLib, WeasyPrint loads Pango through cffi, pyodbc's wheel
    loads unixODBC, and pdf2image and pytesseract run Poppler's and Tesseract's programs: a slim
    image has none of them ("libGL.so.1: cannot open shared object file", "Unable to get page
    count. Is poppler installed?"). adopt puts them in RUNTIME_PACKAGES."""
    script = "import cv2, pdf2image, pyodbc, pytesseract, weasyprint\n\n"
    script += "pdf = weasyprint.HTML(string='<p>Hi</p>').write_pdf()\n"
    script += "page = pdf2image.convert_from_bytes(pdf, dpi=72)[0]\n"
    script += "tesseract = pytesseract.get_tesseract_version()\n"
    script += "print(cv2.__version__, pdf[:5].decode(), page.size, tesseract.major)\n"
    script += "print(pyodbc.drivers())\n"  # asks unixODBC
    requirements = ("opencv-python", "weasyprint", "pyodbc", "pdf2image", "pytesseract")

    root = adopted_script(tmp_path, "docs", requirements, script)

    runtime = packages_in((root / "Dockerfile").read_text(), "RUNTIME_PACKAGES")
    assert {"libgl1", "libglib2.0-0t64", "libpango-1.0-0", "libpangoft2-1.0-0"} <= runtime
    assert {"libodbc2", "poppler-utils", "tesseract-ocr"} <= runtime
    with built(root, "prod") as tag:
        printed = docker_run(tag)  # and fontconfig's note that it has no cache: prod is read-only
    # an A4 page at 72 dpi, rendered by Poppler's pdftoppm; Tesseract 5; no ODBC driver set up
    assert re.fullmatch(r"[\d.]+ %PDF- \(59\d, 84\d\) 5", printed.splitlines()[-2]), printed
    assert printed.splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    ("pygobject", "girepository"),
    [
        ("pygobject", "libgirepository-2.0-dev"),
        # PyGObject before 3.51 (GObject Introspection's first API): kit/core/test_adopt_lock.py
    ],
    ids=["girepository-2"],
)
def test_gnome_bindings_without_linux_wheels_build_with_their_headers_in_prod(
    tmp_path: Path, pygobject: str, girepository: str
) -> None:
    """PyCairo, PyGObject and dbus-python publish no Linux wheel (beets' bpd, replaygain and
    metasync extras need them): each builds from source, against headers adopt names (PyGObject
    before 3.51 against GObject Introspection's first API), and loads its library in prod, which
    has no compiler."""
    requirements = ("pycairo", pygobject, "dbus-python")
    versions = "import cairo, gi, dbus; print(cairo.version, gi.__version__, dbus.__version__)"

    root = adopted_script(tmp_path, "player", requirements, versions, python=">=3.14,<4")

    dockerfile = (root / "Dockerfile").read_text()
    build = packages_in(dockerfile, "BUILD_PACKAGES")
    assert {"gcc", "libcairo2-dev", girepository, "libdbus-1-dev"} <= build
    headers = headers_where_the_base_lacks_them("python:3.14-slim-trixie", dockerfile)
    with built(root, "prod", *headers) as tag:
        assert re.fullmatch(r"[\d.]+ [\d.]+ [\d.]+", docker_run(tag))


def test_adopt_says_which_python_image_docker_could_not_get(tmp_path: Path) -> None:
    """Offline, behind a registry mirror without it, or (as here) for a version with no image:
    adopt names the image and says what to do, where it showed a build log."""
    files = {"pyproject.toml": application("pinned"), "main.py": ""}

    output, unchanged = bad(tmp_path, files, "--python", "3.99")

    assert "Docker could not get the base image python:3.99-slim-trixie" in output
    assert "docker pull python:3.99-slim-trixie" in output and "--python" in output
    assert "Dockerfile:" not in output
    assert unchanged


def test_an_adopted_application_rebuilds_only_its_own_layer_after_a_code_change(
    tmp_path: Path,
) -> None:
    """BuildKit's cache, on an adopted application: a code change re-runs only the app's files."""
    root, _ = adopted_example(tmp_path, "no-package-fastapi")
    with built(root, "prod") as tag:
        before = layers(tag)
        (root / "main.py").write_text((root / "main.py").read_text() + f"# {unique('edit')}\n")
        ran = steps_that_ran(docker_build(root, "prod", tag).stdout)
        after = layers(tag)

    assert any(step.startswith("[app-files ") for step in ran), ran
    assert dependency_steps(ran) == [], ran
    assert after[:-1] == before[:-1] and after[-1] != before[-1]


def test_an_adopted_project_cloned_on_windows_keeps_the_kit_files_lf_and_builds(
    tmp_path: Path,
) -> None:
    """Git for Windows checks text files out with CRLF (core.autocrlf=true): a Dockerfile so
    checked out fails every RUN (`set -eu\\r`), a script so checked out does not start."""
    root, _ = adopted_example(tmp_path, "no-package-fastapi")
    run(["git", "init", "-q"], cwd=root)
    commit_everything(root, "adopted")
    clone = tmp_path / unique("windows")
    run(["git", "clone", "-q", "-c", "core.autocrlf=true", str(root), str(clone)])
    kit_files = [*(p for p in (clone / ".devcontainer").iterdir()), clone / "Dockerfile"]
    kit_files += [clone / name for name in (".dockerignore", "poetry-requirements.txt")]
    with image_tag() as tag:
        build = docker_build(clone, "prod", tag, check=False)

    assert b"\r\n" in (clone / "main.py").read_bytes()  # a Windows clone: your files have CRLF
    assert [p.name for p in kit_files if b"\r\n" in p.read_bytes()] == []
    assert build.returncode == 0, build.stdout[-3000:]


def test_a_lock_written_by_poetry_1_8_is_kept_and_prod_gets_its_dependencies(
    tmp_path: Path,
) -> None:
    """Poetry 1.5 to 1.8 write no groups into poetry.lock; projects locked so are everywhere, and
    a teammate with Poetry 1.8 on the host re-locks so after adoption too."""
    tools = "".join(f'{tool} = "*"\n' for tool in ("debugpy", "ruff", "pytest", "pre-commit",
                                                   "pre-commit-hooks", "httpx"))  # fmt: skip
    pyproject = '[tool.poetry]\nname = "legacy"\nversion = "0.1.0"\ndescription = ""\n'
    pyproject += 'authors = ["Kit Tests <kit-tests@example.invalid>"]\npackage-mode = false\n\n'
    pyproject += '[tool.poetry.dependencies]\npython = "^3.12"\nfastapi = ">=0.110"\n'
    pyproject += f'uvicorn = ">=0.30"\n\n[tool.poetry.group.dev.dependencies]\n{tools}'
    root = make_project(tmp_path, {"pyproject.toml": pyproject, "main.py": APP % "poetry-1.8"})
    poetry_1_8 = "pip install -q --disable-pip-version-check poetry==1.8.5"
    poetry_1_8 += " poetry-plugin-pypi-mirror==0.4.2 && poetry lock"
    mirror = os.environ.get("POETRY_PYPI_MIRROR_URL", "")
    index = ["-e", f"PIP_INDEX_URL={mirror}", "-e", "POETRY_PYPI_MIRROR_URL"] if mirror else []
    mount = ["-v", f"{root}:/w", "-w", "/w", *index]
    run(["docker", "run", "--rm", *mount, "python:3.13-slim-trixie", "sh", "-c", poetry_1_8])
    locked = (root / "poetry.lock").read_text()
    assert "@generated by Poetry 1.8.5" in locked and "\ngroups = " not in locked

    code, output = adopt(root)

    assert code == 0, output
    assert (root / "poetry.lock").read_text() == locked  # every dev tool was there: kept as it is
    with built(root, "prod") as tag, serving(tag) as (_, url):
        status, body = http_get(f"{url}/")

    assert status == 200 and json.loads(body)["shape"] == "poetry-1.8", body


def test_the_kit_is_what_adopt_makes_of_its_own_sample(repo_copy: Path) -> None:
    # One code path: the kit's own files are exactly adopt's output for the sample project.
    """One code path: adopt, Poetry and all, run on the kit itself changes no byte of it."""
    before = snapshot(repo_copy)

    code, output = adopt(repo_copy)

    assert code == 0, output
    assert snapshot(repo_copy) == before


# --- bad input: a clear message, and the project byte-identical --------------------------------


def bad(
    tmp_path: Path, files: dict[str, str], *args: str, finish: Callable[[Path], None] | None = None
) -> tuple[str, bool]:
    """Adopt a project that must be refused: (message, whether the project was left as it was).
    finish(root) completes the project (a lock, a wheel) before adopt sees it."""
    root = make_project(tmp_path, files)
    if finish:
        finish(root)
    before = snapshot(root)
    code, output = adopt(root, *args)
    assert code == 2, output
    return output, snapshot(root) == before


# Example projects whose prod serves HTTP, one per server and way to start it: an application
# factory (gunicorn calls it, uvicorn with --factory), an app in a src/ folder that is no package
# (each server's own way to import it from there), scripts that start their own server (Gradio,
# aiohttp), the server the project has (hypercorn, granian, Sanic's, waitress), a console script
# that starts uvicorn on the port its settings give, and `fastapi run` on a package's file. The
# other examples' decisions are the fast tier's; their servers are among these.
SERVED = [
    "application-factory-flask",
    "application-factory-fastapi",
    "src-folder-no-package-uvicorn",
    "src-folder-no-package-gunicorn",
    "src-folder-no-package-flask",
    "self-serving-gradio",
    "self-serving-aiohttp",
    "server-the-project-has-hypercorn",
    "server-the-project-has-granian",
    "server-the-project-has-sanic",
    "server-the-project-has-waitress",
    "console-script-starts-uvicorn",
    "fastapi-run-a-packages-file",
    "console-script-runs-the-development-server",  # gunicorn on its app, not Flask's own server
    "your-dockerfile-installs-a-group",  # its CMD's uvicorn from the group its Dockerfile installs
    "django-settings-the-dockerfile-names",  # collectstatic and gunicorn with production's
    "django-wsgi-two-folders-deep",  # gunicorn apps.site.wsgi, where WSGI_APPLICATION says
    "extras-only-those-prod-needs",  # gunicorn and PyYAML from the extras that have them
    "compose-web-service-command",  # its compose file's web command, on 8080, not reloading
    "namespace-package-over-two-folders",  # acme.billing.api, as the wheel installs it
    "allowlist-leaves-out-what-the-app-does-not-read",  # but examples/, which its code reads
]


@pytest.mark.parametrize("name", SERVED)
def test_an_example_app_is_adopted_as_expected_and_prod_serves_it(
    tmp_path: Path, name: str
) -> None:
    """What only Docker proves for the example: Poetry reports of it what its facts.json holds
    (adopt writes the section expected.json has), and the prod those files build turns healthy,
    locked down, and answers on the port it publishes."""
    root, output = adopted_example(tmp_path, name)

    section = section_in(root)
    assert section == example.expected(name)["section"], output
    port = section["APP_PORT"]
    with built(root, "prod") as tag, serving(tag, *LOCKED_DOWN, port=port) as (container, url):
        healthy = health_within(container, 60)
        status, page = http_get(f"{url}/")

    assert healthy == "healthy"
    assert status == 200, page
    assert b"shape" in page, page


def test_a_start_module_named_by_its_checkout_path_stops_prods_build(tmp_path: Path) -> None:
    """A namespace package assembled from two source folders installs as `acme.billing`: a CMD
    that names its module by the checkout's path (`services.acme.billing.api`, which adopt once
    wrote) died at start with `No module named 'services'`; prod's build imports APP_MODULE and
    stops, naming it."""
    root, _ = adopted_example(tmp_path, "namespace-package-over-two-folders")
    checkout = "services.acme.billing.api"

    with image_tag() as tag:
        built_here = docker_build(
            root, "prod", tag, "--build-arg", f"APP_MODULE={checkout}", check=False
        )

    assert built_here.returncode != 0
    assert (
        f"error: prod cannot import {checkout}, the module the start command" in built_here.stdout
    )


def test_a_django_sites_tests_for_djangos_runner_run_and_debug_in_the_testing_view(
    tmp_path: Path,
) -> None:
    """Tests written for Django's runner (a django.test.TestCase in polls/tests.py, run with
    manage.py test) run under the Testing view's pytest: adopt adds pytest-django and names the
    site's settings for tests in pyproject.toml's pytest options; the debug button stops in the
    test. Without them, discovery shows `ImproperlyConfigured` (and tests.py is no test file)."""
    root, output = adopted_example(tmp_path, "django-tests-for-djangos-runner")

    assert "pytest-django, with config.settings.test" in output, output
    debugged = debugged_in_the_dev_container_where_tests_pass(root)

    assert debugged.stop == debugged.breakpoint.hit


@pytest.mark.parametrize(
    ("folder", "manage", "server"),
    [("", "manage.py", "gunicorn mysite.wsgi"),
     # beside the front end, as in Django and React boilerplates: pyproject.toml at the root
     ("backend", "backend/manage.py", "gunicorn --chdir backend mysite.wsgi")],
    ids=["at-the-root", "in-backend"],
)  # fmt: skip
def test_a_django_site_gets_its_static_files_collected_in_prod(
    tmp_path: Path, folder: str, manage: str, server: str
) -> None:
    """A Django site serves its static files in production from STATIC_ROOT, which only
    `collectstatic` fills (WhiteNoise's manifest storage, as its docs and cookiecutter-django set
    it up, answers 500 for any page that links one until then): prod's build collects them."""
    root, output = adopted_example(tmp_path, "django-static-files", into=folder)

    assert f"assets      python {manage} collectstatic --noinput" in output
    assert f"starts with {server} --bind 0.0.0.0:8000" in output
    with built(root, "prod") as tag, serving(tag, *LOCKED_DOWN) as (_, url):
        status, page = http_get(f"{url}/")
        css = re.search(r'href="(/static/site\.\w+\.css)"', page.decode())
        css_status, css_body = http_get(f"{url}{css.group(1)}") if css else (0, b"")
        static_root = (Path("/app") / folder / "staticfiles").as_posix()
        owner = docker_run(tag, "stat", "-c", "%U", static_root)

    assert status == 200, page
    assert (css_status, css_body) == (200, b"body { color: teal; }\n")
    assert owner == "root"  # the app's to read, not to change


def test_collectstatic_that_needs_a_secret_stops_the_build_saying_how_to_give_one(
    tmp_path: Path,
) -> None:
    """Settings that read their secret from the environment cannot load in a build that has none:
    the build stops and says how to give a build-time value, and the way it says works."""
    root, _ = adopted_example(tmp_path, "django-static-files")
    settings = root / "mysite" / "settings.py"
    secret = 'import os\n\nSECRET_KEY = os.environ["DJANGO_SECRET_KEY"]'
    settings.write_text(settings.read_text().replace('SECRET_KEY = "not-a-secret"', secret))
    given = "DJANGO_SECRET_KEY=build python manage.py collectstatic --noinput"

    with image_tag() as tag:
        failed = docker_build(root, "prod", tag, check=False)
        fixed = docker_build(root, "prod", tag, "--build-arg", f"ASSETS_COMMAND={given}")

    assert failed.returncode != 0
    assert "error: ASSETS_COMMAND failed (above)" in failed.stdout
    assert 'ASSETS_COMMAND="SECRET_KEY=build python manage.py collectstatic' in failed.stdout
    assert "KeyError: 'DJANGO_SECRET_KEY'" in failed.stdout
    assert fixed.returncode == 0


ALEMBIC_ENV = """\
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
engine = engine_from_config(config.get_section(config.config_ini_section), poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
"""
MIGRATION = """\
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table("items", sa.Column("id", sa.Integer, primary_key=True))
"""


def test_a_packaged_app_with_alembic_migrations_runs_them_from_prod(tmp_path: Path) -> None:
    """A packaged service (src/ layout) whose migrations sit at the project's root (alembic.ini,
    alembic/), as `alembic init` makes them: prod gets them in /app beside the wheel (with its
    templates/svc/, and not the code in src/ twice), so the release step `alembic upgrade head`
    runs from the image."""
    pyproject = FASTAPI_PROJECT % ("svc", "1.0.0")
    pyproject = pyproject.replace('"uvicorn (>=0.30)"', '"uvicorn (>=0.30)", "alembic (>=1.13)"')
    files = {
        "pyproject.toml": pyproject + BUILD_SYSTEM % ">=2.0",
        "src/svc/__init__.py": "",
        "src/svc/main.py": APP % "migrated",
        "alembic.ini": "[alembic]\nscript_location = alembic\n"
        "sqlalchemy.url = sqlite:////tmp/app.db\n",
        "alembic/env.py": ALEMBIC_ENV,
        "alembic/versions/0001_items.py": MIGRATION,
        "templates/svc/page.html": "<p>migrated</p>\n",  # named as the package is
    }
    root = make_project(tmp_path, files)

    code, output = adopt(root)

    assert code == 0, output
    assert arg((root / "Dockerfile").read_text(), "APP_INSTALL") == "both"
    with built(root, "prod") as tag:
        version = "import sqlite3; print(sqlite3.connect('/tmp/app.db').execute("
        version += "'select version_num from alembic_version').fetchone()[0])"
        script = f'alembic upgrade head && python -c "{version}"'
        migrated = run(["docker", "run", "--rm", *LOCKED_DOWN, tag, "sh", "-c", script])
        served = docker_run(tag, "python", "-c", "import svc.main; print(svc.main.__file__)")
        in_app = docker_run(tag, "ls", "/app").split()

    assert migrated.stdout.strip() == "0001"  # the database is at the migration's revision
    assert served.startswith("/opt/venv/lib/python")
    assert in_app == ["alembic", "alembic.ini", "templates"]


def test_adopt_serves_a_streamlit_app_with_streamlit_run(tmp_path: Path) -> None:
    """A Streamlit app is a script (here a multi-page one: Home.py and its pages/) that
    `streamlit run` serves, headless, on its port 8501: healthy in locked-down prod, where the
    script runs as a session runs it."""
    root, output = adopted_example(tmp_path, "streamlit-multi-page")

    assert "starts with streamlit run Home.py --server.address 0.0.0.0 --server.port 8501" in output
    session = "from streamlit.testing.v1 import AppTest\n"
    session += "print(AppTest.from_file('Home.py').run().title[0].value)"
    health = "import urllib.request as r\n"
    health += "print(r.urlopen('http://127.0.0.1:8501/_stcore/health').read().decode())"
    with built(root, "prod") as tag, serving(tag, *LOCKED_DOWN) as (name, _):
        healthy = health_within(name, 40)
        answer = run(["docker", "exec", name, "python", "-c", health]).stdout.strip()
        title = docker_run(tag, "python", "-c", session).splitlines()[-1]  # after its warnings

    assert healthy == "healthy"
    assert answer == "ok"
    assert title == "shape: streamlit"


def test_adopt_serves_a_dash_app_through_its_flask_server(tmp_path: Path) -> None:
    """`python app.py` would serve a Dash app on 127.0.0.1:8050, out of reach in a container:
    prod serves the Flask server the app names, as Dash's deployment docs do, and its layout
    answers."""
    root, output = adopted_example(tmp_path, "dash-server-gunicorn")

    assert "starts with gunicorn app:server --bind 0.0.0.0:8000" in output
    with built(root, "prod") as tag, serving(tag, *LOCKED_DOWN) as (name, url):
        healthy = health_within(name, 40)
        status, layout = http_get(f"{url}/_dash-layout")

    assert healthy == "healthy"
    assert status == 200
    assert json.loads(layout)["props"]["children"] == "shape: dash"


@pytest.mark.parametrize(
    ("name", "command"),
    [
        # src/ a package, its modules importing each other through it, run with -m
        ("script-in-a-folder-src-package", "python -m src.main"),
        # a folder's __main__.py that imports its neighbours by name runs as a script
        ("script-in-a-folder-dunder-main-imports-neighbours", "python src/__main__.py"),
    ],
)
def test_adopt_starts_a_script_project_with_the_main_module_in_its_folder(
    tmp_path: Path, name: str, command: str
) -> None:
    """A bot or a worker whose script is not at the root: src/main.py behind an
    `if __name__ == "__main__"` guard, or a folder's __main__.py."""
    root, output = adopted_example(tmp_path, name)

    assert f"starts with {command}" in output
    with built(root, "prod") as tag:
        started = docker_run(tag)

    assert started == "bot started"


def test_adopt_goes_on_where_only_poetrys_strict_check_fails_and_says_what_it_found(
    tmp_path: Path,
) -> None:
    """`poetry check` holds a project to rules that Poetry's install, lock and build do not: an
    extra naming a package that is no optional dependency (as beets' docs extra does), a classifier
    its trove-classifiers does not know. Poetry works with the project as it is, so adopt does."""
    pyproject = """\
[tool.poetry]
name = "tagger"
version = "1"
package-mode = false
classifiers = ["Not :: Real"]

[tool.poetry.dependencies]
python = ">=3.12"
six = "*"

[tool.poetry.group.docs.dependencies]
iniconfig = "*"

[tool.poetry.extras]
docs = ["iniconfig"]
"""
    root = make_project(tmp_path, {"pyproject.toml": pyproject, "main.py": "import six\n"})

    code, output = adopt(root)

    assert code == 0, output
    assert "poetry check --lock finds: " in output and "Unrecognized classifiers" in output
    assert 'Cannot find dependency "iniconfig" for extra "docs"' in output
    assert "so adopt went on" in output
    with built(root, "prod") as tag:
        assert docker_run(tag, "python", "-c", "import six; print(six.__name__)") == "six"


def test_prod_gets_the_extras_the_app_imports_and_not_the_others(tmp_path: Path) -> None:
    """Extras are a project's optional features: prod gets those whose packages the app imports;
    the others (here docs and test tools, kept in extras from before Poetry had groups) stay out,
    and the report says how to add them."""
    pyproject = application("svc", "six") + "\n"
    pyproject = pyproject.replace(
        "\n\n[tool.poetry]",
        '\n\n[project.optional-dependencies]\ntoml = ["tomlkit"]\ndocs = ["iniconfig"]\n'
        'test-tools = ["pluggy"]\n\n[tool.poetry]',
    )
    root = make_project(tmp_path, {"pyproject.toml": pyproject, "main.py": "import tomlkit\n"})

    code, output = adopt(root)

    assert code == 0, output
    assert arg((root / "Dockerfile").read_text(), "PROD_EXTRAS") == '"toml"'
    assert (
        "extras: docs, test-tools, toml (in prod: toml; not docs, test-tools: nothing prod runs "
        "imports them, PROD_EXTRAS adds them)" in output
    )
    script = "import importlib.util as u; print([m for m in ('tomlkit', 'iniconfig', 'pluggy')"
    script += " if u.find_spec(m)])"
    with built(root, "prod") as tag:
        found = docker_run(tag, "python", "-c", script)
    assert found == "['tomlkit']"
    # The lock reader gives uv what Poetry installs with the extra.
    by_uv = venv_distributions(root)
    by_poetry = venv_distributions(root, "--build-arg", "PROD_INSTALLER=poetry")
    assert by_uv.pop("(said)") == "" and by_poetry.pop("(said)")
    assert by_uv == by_poetry and "tomlkit" in by_uv


def test_a_library_whose_import_needs_its_dev_group_gets_it_in_prod(tmp_path: Path) -> None:
    """A library that leaves its framework to its users keeps it in dev, for its tests: prod,
    which installs the dev group too, builds (its smoke test imports the package) and imports it;
    a package imported only in a `try` or for type checkers does not count."""
    root, output = adopted_example(tmp_path, "library-whose-framework-is-in-dev")

    assert section_in(root)["PROD_GROUPS"] == "dev", output
    with built(root, "prod") as tag:
        imported = docker_run(tag, "python", "-c", "import paginate; print(paginate.Page)")
    assert imported == "<class 'paginate.api.Page'>"


def test_adopt_adds_a_dev_tool_whose_newest_release_the_projects_pins_rule_out(
    tmp_path: Path,
) -> None:
    """Poetry adds a tool at its newest release: pytest 9.2 needs packaging 24 or newer, which a
    project that pins packaging<24 (as langchain-core 0.1 does) rules out. adopt adds that one at
    any version the project's dependencies allow, says which it locked, and the dev image runs it
    beside the project's pin."""
    files = {"pyproject.toml": application("pinned", "packaging (<24)"), "main.py": "print(1)\n"}
    root = make_project(tmp_path, files)

    code, output = adopt(root)

    assert code == 0, output
    said = re.search(r"as their newest conflict with them: pytest \(locked: ([\d.]+)\)", output)
    assert said, output
    assert '    "pytest",\n' in (root / "pyproject.toml").read_text()  # any version
    versions = "import packaging, pytest; print(packaging.__version__, pytest.__version__)"
    with built(root, "dev") as tag:
        packaging, pytest_version = docker_run(tag, "python", "-c", versions).split()

    assert int(packaging.split(".")[0]) < 24
    assert pytest_version == said.group(1)


def test_adopt_refuses_a_stale_lock(tmp_path: Path) -> None:
    """Poetry's own check finds the lock stale: adopt says to run `poetry lock`, and the project is
    left as it was."""
    root, _ = adopted_example(tmp_path, "no-package-fastapi")
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"uvicorn', '"six", "uvicorn'))
    before = snapshot(root)

    code, output = adopt(root)

    assert code == 2
    assert "poetry.lock does not match pyproject.toml" in output and "poetry lock" in output
    assert snapshot(root) == before


@contextmanager
def git_server(top: Path) -> Iterator[str]:
    """`git daemon` serving the bare repositories in a folder on the Docker bridge's gateway,
    which builds and containers reach; yields its git:// base URL."""
    bridge = "{{(index .IPAM.Config 0).Gateway}}"
    gateway = run(["docker", "network", "inspect", "bridge", "--format", bridge]).stdout.strip()
    with socket.socket() as probe:
        probe.bind((gateway, 0))
        port = probe.getsockname()[1]
    listen = [f"--listen={gateway}", f"--port={port}", f"--base-path={top}"]
    daemon = subprocess.Popen(["git", "daemon", "--export-all", *listen, str(top)])
    url = f"git://{gateway}:{port}"
    served = f"{url}/{next(top.iterdir()).name}"
    try:
        deadline = time.monotonic() + 30
        while run(["git", "ls-remote", served], check=False).returncode:
            assert time.monotonic() < deadline and daemon.poll() is None, "git daemon: no answer"
            time.sleep(0.2)
        yield url
    finally:
        daemon.terminate()
        daemon.wait()


GREETING = "def hello() -> str:\n    return 'hello from git'\n"


@contextmanager
def app_on_a_git_library(top: Path, library: dict[str, str]) -> Iterator[Path]:
    """An application (main.py prints greeting.hello()) that depends on the library `greeting`
    (its files: `library`) at tag v0.1.0 of a git repository, which git_server serves while the
    context lasts: a company's shared code, a fork with a fix. Yields the application's folder."""
    work = make_project(top / "work", {
        "pyproject.toml": LIBRARY % "greeting" + BUILD_SYSTEM % ">=2.0", **library,
    })  # fmt: skip
    run(["git", "init", "-q"], cwd=work)
    commit_everything(work, "greeting 0.1.0")
    run(["git", "tag", "v0.1.0"], cwd=work)
    run(["git", "clone", "-q", "--bare", str(work), str(top / "git" / "greeting.git")])
    with git_server(top / "git") as server:
        pyproject = application("app", "greeting")
        pyproject += "\n[tool.poetry.dependencies]\n"
        pyproject += f'greeting = {{ git = "{server}/greeting.git", tag = "v0.1.0" }}\n'
        main = "import greeting\n\nprint(greeting.hello())\n"
        yield make_project(top, {"pyproject.toml": pyproject, "main.py": main})


def test_a_git_dependency_is_in_prod_as_a_package_without_its_clone(tmp_path: Path) -> None:
    """Poetry clones a git dependency into the venv to build it and leaves the clone there; its
    history and its remote's URL stay out of prod."""
    with app_on_a_git_library(tmp_path, {"greeting/__init__.py": GREETING}) as root:
        code, output = adopt(root)

        assert code == 0, output
        with built(root, "prod") as tag:
            started = docker_run(tag)
            venv = docker_run(tag, "ls", "-A", "/opt/venv")

    assert started == "hello from git"
    assert "src" not in venv.split(), venv


def test_a_dependency_with_a_file_python_3_cannot_compile_installs_as_pip_installs_it(
    tmp_path: Path,
) -> None:
    """Packages keep Python 2 modules beside their own code (imported only there), or templates
    named .py; some are Python 2 only (`environ`, where django-environ was meant). pip compiles
    what compiles and leaves the rest; the kit's bytecode step stopped the build at the first."""
    library = {"greeting/__init__.py": GREETING, "greeting/_py2.py": 'print "hello"\n'}
    with app_on_a_git_library(tmp_path, library) as root:
        code, output = adopt(root)

        assert code == 0, output
        with image_tag() as tag:
            build = docker_build(root, "prod", tag)
            started = docker_run(tag)
            bytecode = docker_run(tag, "python", "-c", "import greeting, os;"
                                  " print(*os.listdir(os.path.dirname(greeting.__file__)"
                                  " + '/__pycache__'))")  # fmt: skip

    assert "warning: the files above do not compile" in build.stdout
    assert started == "hello from git"
    assert bytecode.startswith("__init__.cpython-") and "_py2" not in bytecode
