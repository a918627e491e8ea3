"""`scripts/adopt` brings the kit into existing Poetry projects of every shape: each is adopted,
its prod image built, started and inspected, and its own tests run in the dev container.
Bad input stops it with a message, and leaves the project byte-identical."""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import pytest

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
    steps_that_ran,
    unique,
)
from kit.vscode import debug_the_first_test, settings_of

FASTAPI = ["fastapi (>=0.110)", "uvicorn (>=0.30)"]
APP = """\
from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def hello() -> dict[str, str]:
    return {"shape": "%s"}
"""
TEST = """\
from fastapi.testclient import TestClient

from %s import app


def test_hello() -> None:
    assert TestClient(app).get("/").status_code == 200
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
# A build system other than Poetry's.
HATCHLING = """
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
"""


def project(*, pyproject: str, files: dict[str, str]) -> dict[str, str]:
    return {"pyproject.toml": pyproject, **files}


def application(name: str, *dependencies: str, python: str = ">=3.12") -> str:
    """The pyproject.toml of an application (package-mode = false) with [project] metadata."""
    pyproject = f'[project]\nname = "{name}"\nversion = "1"\nrequires-python = "{python}"\n'
    if dependencies:
        pyproject += f"dependencies = {json.dumps(list(dependencies))}\n"
    return pyproject + "\n[tool.poetry]\npackage-mode = false\n"


def django_site(package: str, settings_module: str) -> dict[str, str]:
    """A Django site's manage.py, <package>/__init__.py and wsgi.py, as startproject writes them."""
    settings = f'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{settings_module}")\n'
    return {
        "manage.py": "import os\nimport sys\n\nfrom django.core.management import "
        f"execute_from_command_line\n\n{settings}execute_from_command_line(sys.argv)\n",
        f"{package}/__init__.py": "",
        f"{package}/wsgi.py": "import os\n\nfrom django.core.wsgi import get_wsgi_application\n\n"
        f"{settings}application = get_wsgi_application()\n",
    }


# Each shape: the project's files, what adopt must find, and what prod must answer on /.
SHAPES = {
    # Poetry 2, [project] metadata, src layout, a console script, an extra the app imports, a
    # licence file that the wheel's build reads.
    "src-package-with-extra": (
        project(
            pyproject=f"""\
[project]
name = "acme-api"
version = "1.2.0"
description = "A package in a src layout: $HOME, \\"quotes\\" and all."
license = {{ file = "LICENSE" }}
requires-python = ">=3.12"
dependencies = {json.dumps(FASTAPI)}

[project.optional-dependencies]
toml = ["tomlkit (>=0.13)"]

[project.scripts]
acme-api = "acme_api.__main__:main"

[tool.poetry.group.test.dependencies]
httpx2 = "*"
"""
            + BUILD_SYSTEM % ">=2.0.0,<3.0.0",
            files={
                "src/acme_api/__init__.py": "",
                "src/acme_api/app.py": "import tomlkit  # the extra: prod must have it\n"
                + APP % "src-package",
                "src/acme_api/__main__.py": "import uvicorn\n\n\ndef main() -> None:\n"
                '    uvicorn.run("acme_api.app:app", host="0.0.0.0", port=8000)\n',
                "tests/test_app.py": TEST % "acme_api.app",
                "README.md": "# acme-api\n",
                "LICENSE": "MIT License\n\nCopyright (c) the acme-api authors\n",
            },
        ),
        {
            "install": "package",
            "command": ["acme-api"],
            "python": "3.14",
            "description": 'A package in a src layout: $HOME, "quotes" and all.',
        },
    ),
    # Poetry 1: everything under [tool.poetry], a flat layout, an optional dev group, and a
    # Python constraint that rules out the newest image.
    "poetry1-flat-optional-group": (
        project(
            pyproject="""\
[tool.poetry]
name = "flatpkg"
version = "0.1.0"
description = "Poetry 1 metadata, flat layout."
authors = ["Someone <someone@example.invalid>"]

[tool.poetry.dependencies]
python = ">=3.11,<3.14"
fastapi = ">=0.110"
uvicorn = ">=0.30"

[tool.poetry.group.test]
optional = true

[tool.poetry.group.test.dependencies]
httpx2 = "*"
"""
            + BUILD_SYSTEM % ">=1.0.0",
            files={
                "flatpkg/__init__.py": "",
                "flatpkg/main.py": APP % "poetry1-flat",
                "tests/test_main.py": TEST % "flatpkg.main",
            },
        ),
        {"install": "package", "command": ["uvicorn", "flatpkg.main:app"], "python": "3.13"},
    ),
    # An application, no package (package-mode = false), PEP 735 groups, started by uvicorn.
    "no-package-fastapi": (
        project(
            pyproject=FASTAPI_PROJECT % ("fastapi-app", "0.3.0")
            + """
[tool.poetry]
package-mode = false

[dependency-groups]
test = ["httpx2"]
""",
            files={"main.py": APP % "no-package", "tests/test_main.py": TEST % "main"},
        ),
        {"install": "files", "command": ["uvicorn", "main:app"], "python": "3.14"},
    ),
    # A Django site (manage.py, no package) with dependencies published only as sdists: docopt
    # (pure Python) and crcmod, whose C extension builds only where a compiler is.
    "django-site-with-sdist-dependency": (
        project(
            pyproject="""\
[project]
name = "mysite"
version = "0.1.0"
requires-python = ">=3.12"
dependencies = ["django (>=5.2,<6)", "docopt (==0.6.2)", "crcmod (==1.7)"]

[tool.poetry]
package-mode = false
""",
            files={
                **django_site("mysite", "mysite.settings"),
                "mysite/settings.py": 'SECRET_KEY = "not-a-secret"\nDEBUG = False\n'
                'ALLOWED_HOSTS = ["*"]\nROOT_URLCONF = "mysite.urls"\nINSTALLED_APPS = []\n'
                "MIDDLEWARE = []\nDATABASES = {}\n",
                "mysite/urls.py": "import docopt  # an sdist-only dependency: prod must have it\n"
                "from django.http import JsonResponse\nfrom django.urls import path\n\n"
                'urlpatterns = [path("", lambda request: JsonResponse({"shape": "django"}))]\n',
                "tests/conftest.py": "import os\n\nimport django\n\n"
                'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n'
                "django.setup()\n",
                "tests/test_site.py": "from django.test import Client\n\n\n"
                "def test_home() -> None:\n"
                '    assert Client().get("/").json() == {"shape": "django"}\n',
            },
        ),
        {
            "install": "files",
            "command": ["python", "manage.py", "runserver", "0.0.0.0:8000"],
            "python": "3.14",
            "compiled": "crcmod._crcfunext",
        },
    ),
    # A service in a monorepo: its own libraries are path dependencies in libs/, one a Poetry
    # project (editable in dev), one built by hatchling; a third, for the tests only, stays out of
    # prod.
    "service-with-path-dependencies": (
        project(
            pyproject=f"""\
[project]
name = "monorepo-svc"
version = "0.1.0"
requires-python = ">=3.12"
dependencies = {json.dumps([*FASTAPI, "greeting", "shapes"])}

[tool.poetry]
package-mode = false

[tool.poetry.dependencies]
greeting = {{ path = "libs/greeting", develop = true }}
shapes = {{ path = "libs/shapes" }}

[tool.poetry.group.test.dependencies]
fixtures = {{ path = "libs/fixtures", develop = true }}
httpx2 = "*"
""",
            files={
                "main.py": "from fastapi import FastAPI\nfrom greeting import GREETING\n"
                'from shapes import SHAPE\n\napp = FastAPI()\n\n\n@app.get("/")\n'
                "def hello() -> dict[str, str]:\n"
                '    return {"shape": f"{GREETING} {SHAPE}"}\n',
                "libs/greeting/pyproject.toml": LIBRARY % "greeting" + BUILD_SYSTEM % ">=2.0",
                "libs/greeting/greeting/__init__.py": 'GREETING = "hello from"\n',
                "libs/shapes/pyproject.toml": LIBRARY % "shapes" + HATCHLING,
                "libs/shapes/shapes/__init__.py": 'SHAPE = "path dependencies"\n',
                "libs/fixtures/pyproject.toml": LIBRARY % "fixtures" + BUILD_SYSTEM % ">=2.0",
                "libs/fixtures/fixtures/__init__.py": 'EXPECTED = "hello from path dependencies"\n',
                "tests/test_main.py": (TEST % "main")
                + "\n\ndef test_the_libraries() -> None:\n    from fixtures import EXPECTED\n\n"
                '    assert TestClient(app).get("/").json() == {"shape": EXPECTED}\n',
            },
        ),
        {
            "install": "files",
            "command": ["uvicorn", "main:app"],
            "python": "3.14",
            "not_in_prod": "fixtures",
        },
    ),
    # A package whose start command needs a module and data from the project's root.
    "package-with-root-module-and-data": (
        project(
            pyproject=FASTAPI_PROJECT % ("svc", "2.0.0")
            + """
[tool.poetry]
packages = [{ include = "svc" }]

[tool.poetry.group.dev.dependencies]
httpx2 = "*"
pytest = "*"
"""
            + BUILD_SYSTEM % ">=2.0.0,<3.0.0",
            files={
                "svc/__init__.py": "",
                "svc/api.py": APP % "root-module",
                "serve.py": "import pathlib\n\nimport uvicorn\n\n"
                'assert pathlib.Path("data/greeting.txt").read_text() == "hi\\n"\n'
                'uvicorn.run("svc.api:app", host="0.0.0.0", port=8000)\n',
                "data/greeting.txt": "hi\n",
                "tests/test_api.py": TEST % "svc.api",
            },
        ),
        {
            "install": "both",
            "command": ["python", "serve.py"],
            "python": "3.14",
            "args": ["--command", "python serve.py"],
        },
    ),
}


def make_project(top: Path, files: dict[str, str]) -> Path:
    root = top / unique("project")
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def adopt(target: Path, *args: str) -> tuple[int, str]:
    result = run([sys.executable, str(REPO / "scripts" / "adopt"), str(target), *args], check=False)
    return result.returncode, result.stdout


def lock_in_container(top: Path, root: Path) -> None:
    """`poetry lock` in the kit's poetry image, for the project `root` inside `top` (mounted whole:
    a path dependency beside the project resolves)."""
    with built(REPO, "poetry") as poetry:
        mount = ["-v", f"{top}:/w", "-w", f"/w/{root.relative_to(top).as_posix()}"]
        mirror = ["-e", "POETRY_PYPI_MIRROR_URL"]
        run(["docker", "run", "--rm", *mount, *mirror, poetry, "poetry", "lock"])


def adopted_application(top: Path) -> Path:
    """The no-package FastAPI shape, adopted with adopt's defaults."""
    root = make_project(top, SHAPES["no-package-fastapi"][0])
    code, output = adopt(root)
    assert code == 0, output
    return root


def snapshot(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


def files_in(folder: Path) -> dict[str, str]:
    """The text of each file under the folder, by its path there."""
    found = sorted(path for path in folder.rglob("*") if path.is_file())
    return {path.relative_to(folder).as_posix(): path.read_text() for path in found}


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
    r"|usr/local/(bin|lib/python[\d.]+/(site|dist)-packages)/\.wh\.pip[^/]*)"
)


@pytest.mark.parametrize("shape", SHAPES.keys())
def test_adopt_builds_a_prod_that_serves_and_a_dev_container_that_passes_the_tests(
    tmp_path: Path, shape: str
) -> None:
    files, expected = SHAPES[shape]
    root = make_project(tmp_path, files)

    code, output = adopt(root, *expected.get("args", []))

    assert code == 0, output
    dockerfile = (root / "Dockerfile").read_text()
    assert arg(dockerfile, "APP_INSTALL") == expected["install"], output
    assert arg(dockerfile, "PYTHON_VERSION") == expected["python"], output
    assert bool(arg(dockerfile, "BUILD_PACKAGES")) == ("compiled" in expected), output
    command = json.loads(re.search(r"(?m)^CMD (\[.*\])$", dockerfile).group(1))
    assert command[: len(expected["command"])] == expected["command"], output
    lock = (root / "poetry.lock").read_text()
    assert all(f'name = "{tool}"' in lock for tool in ("debugpy", "ruff", "pytest", "pre-commit"))

    python = f"python:{expected['python']}-slim-trixie"
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
    assert seen_labels["org.opencontainers.image.title"] in files["pyproject.toml"]
    if "description" in expected:
        assert seen_labels["org.opencontainers.image.description"] == expected["description"]
    sbom = json.loads((tmp_path / "sbom" / "sbom.cdx.json").read_text())
    assert f'name = "{sbom["metadata"]["component"]["name"]}"' in files["pyproject.toml"]
    assert sbom["components"], "the SBOM lists no dependency"
    added = [name for layer in own for name in layer.files]
    assert [name for name in added if not ADDED.fullmatch(name)] == []
    assert not any("/tests/" in name or name.endswith("pyproject.toml") for name in added)
    assert [line for line in listing.splitlines() if line.startswith("/")] == [], listing
    if "not_in_prod" in expected:
        assert "ModuleNotFoundError" in imported, imported

    if os.geteuid() == 0:
        run(["chown", "-R", f"{HOST_UID}:{HOST_UID}", str(root)])
    with opened(root) as container:
        assert container.sh("command -v python") == "/opt/venv/bin/python"
        assert app_tests_pass(container)
        debugged = debug_the_first_test(container)

    assert debugged.stop == debugged.breakpoint.hit


# Real public Poetry projects of different shapes, downloaded from the package index at test time
# (their sdists: the projects' own files, tests included) and never committed.
REAL_PROJECTS = {
    # [project] and [tool.poetry] metadata, flat layout, no runtime dependencies at all.
    "tomlkit==0.15.2": "tomlkit",
    # Poetry 1 [tool.poetry] metadata, src layout, runtime dependencies, an optional doc group.
    "cleo==2.1.0": "cleo",
    # Poetry 1 metadata, three extras (all in prod), a large offline test suite.
    "cyclonedx-python-lib==11.12.0": "cyclonedx",
}


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
    root = download_sdist(tmp_path, requirement)

    code, output = adopt(root)

    assert code == 0, output
    with built(root, "prod") as tag:
        started = run(["docker", "run", "--rm", tag], check=False)  # a library: it imports
        user = docker_run(tag, "id", "-u")
        imported = docker_run(tag, "python", "-c", f"import {REAL_PROJECTS[requirement]} as m;"
                              " print(m.__file__)")  # fmt: skip

    assert started.returncode == 0, started.stdout
    assert user == "10001"
    assert imported.startswith("/opt/venv/lib/python")
    if os.geteuid() == 0:
        run(["chown", "-R", f"{HOST_UID}:{HOST_UID}", str(root)])
    with opened(root) as container:
        assert app_tests_pass(container)
        debugged = debug_the_first_test(container)

    # The Testing view's debug button stops in the project's own test.
    assert debugged.stop == debugged.breakpoint.hit


def test_adopt_run_again_keeps_your_project_section_and_stops_at_your_edits(
    tmp_path: Path,
) -> None:
    root = adopted_application(tmp_path)
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


def test_adopt_lets_a_lock_that_gitignore_ignored_into_git(tmp_path: Path) -> None:
    """Libraries were once advised to leave poetry.lock out of git; every build here installs
    what it pins, so a clone (CI's) without it could not build: adopt lets it in and says so."""
    files = {"pyproject.toml": application("lib"), ".gitignore": "dist/\n*.lock\n"}
    root = make_project(tmp_path, files)

    code, output = adopt(root, "--command", "python -c pass")

    assert code == 0, output
    assert "commit it" in output
    run(["git", "init", "-q", str(root)])
    run(["git", "-C", str(root), "add", "-A"])
    committed = run(["git", "-C", str(root), "ls-files"]).stdout.split()
    assert "poetry.lock" in committed
    assert (root / ".gitignore").read_text().startswith("dist/\n*.lock\n")


def test_adopt_keeps_your_vscode_settings_but_not_a_host_interpreter(tmp_path: Path) -> None:
    """In the container, the workspace's settings win over devcontainer.json's: an interpreter
    path kept there (the host's .venv) is what VS Code would run, test and debug with."""
    files, _ = SHAPES["no-package-fastapi"]
    settings = '{\n  // mine\n  "python.defaultInterpreterPath": "${workspaceFolder}/.venv/bin/'
    settings += 'python",\n  "editor.rulers": [88],\n  "python.testing.pytestEnabled": false,\n}\n'
    root = make_project(tmp_path, {**files, ".vscode/settings.json": settings})

    code, output = adopt(root)

    assert code == 0, output
    seen = settings_of(root)
    assert seen["python.defaultInterpreterPath"] == "/opt/venv/bin/python"
    assert seen["editor.rulers"] == [88] and seen["python.testing.pytestEnabled"] is False
    assert "took python.defaultInterpreterPath (${workspaceFolder}/.venv/bin/python) out" in output


def test_adopt_prints_a_build_command_whose_image_name_docker_takes(tmp_path: Path) -> None:
    """Project names may have capitals, dots and underscores; Docker image names may not."""
    pyproject = application("Acme.API_Service")
    root = make_project(tmp_path, {"pyproject.toml": pyproject, "main.py": ""})

    code, output = adopt(root, "--command", "python main.py")

    assert code == 0, output
    name = re.search(r"docker build --target prod -t (\S+) ", output).group(1)
    assert name == "acme-api-service"
    tag = f"{name}:{unique('t')}"
    try:
        run(["docker", "image", "tag", "python:3.14-slim-trixie", tag])  # Docker takes it
    finally:
        run(["docker", "image", "rm", tag], check=False)  # the tag only: the image has others


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
        ("pygobject (>=3.48,<3.51)", "libgirepository1.0-dev"),  # these say Python <4
    ],
    ids=["girepository-2", "girepository-1"],
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


@pytest.mark.parametrize(
    ("requirement", "said"),
    [
        # Linux wheels up to CPython 3.13 and none for 3.14: on 3.14 prod would compile it.
        ("pyyaml (==6.0.2)", "pyyaml 6.0.2"),
        # x86_64 wheels up to CPython 3.13, and a pure-Python one that installs on any: an old
        # lock's version installs on the newest Python through it, untested there (pydantic
        # 1.10.2, locked in 2022, installs on 3.14 and fails at import).
        ("pydantic (==1.10.24)", "pydantic 1.10.24 (x86_64: only a pure-Python fallback)"),
    ],
    ids=["compiled-only", "pure-fallback"],
)
def test_adopt_picks_the_newest_python_that_the_locked_wheels_support(
    tmp_path: Path, requirement: str, said: str
) -> None:
    pyproject = application("pinned", requirement)
    root = make_project(tmp_path, {"pyproject.toml": pyproject, "main.py": ""})

    code, output = adopt(root, "--command", "python main.py")

    assert code == 0, output
    dockerfile = (root / "Dockerfile").read_text()
    assert arg(dockerfile, "PYTHON_VERSION") == "3.13"
    assert f"3.14 has no Linux wheel locked for {said}" in output
    assert not arg(dockerfile, "BUILD_PACKAGES")


def test_adopt_reads_the_wheels_of_a_lock_that_poetry_1_1_wrote(tmp_path: Path) -> None:
    """Poetry 1.1 (lock-version 1.1, projects last locked in 2022) lists each package's files
    apart, under [metadata.files]: adopt reads them there too, and picks 3.13 for PyYAML 6.0.2."""
    pyproject = application("pinned", "pyyaml (==6.0.2)")
    root = make_project(tmp_path, {"pyproject.toml": pyproject, "main.py": "import yaml\n"})
    lock_in_container(tmp_path, root)
    lock = (root / "poetry.lock").read_text()
    files = re.findall(r'(?ms)^name = "([^"]+)"\n.*?^(files = \[\n.*?^\]\n)', lock)
    assert files, lock
    for _, block in files:
        lock = lock.replace(block, "")
    lock = lock.replace('lock-version = "2.1"', 'lock-version = "1.1"')
    lock += "\n[metadata.files]\n" + "".join(
        block.replace("files = ", f"{name} = ", 1) for name, block in files
    )
    (root / "poetry.lock").write_text(lock)

    code, output = adopt(root, "--command", "python main.py")

    assert code == 0, output
    assert arg((root / "Dockerfile").read_text(), "PYTHON_VERSION") == "3.13"
    assert "3.14 has no Linux wheel locked for pyyaml 6.0.2" in output


@pytest.mark.parametrize(
    ("pinned", "python", "said"),
    [
        ("3.13.1\n", "3.13", "python      3.13 (.python-version; constraint: >=3.12)"),
        ("3.9\n", "3.14", ".python-version's 3.9 has no python:3.9-slim-trixie image"),
    ],
    ids=["pinned", "no-image"],
)
def test_adopt_takes_the_python_version_that_python_version_names(
    tmp_path: Path, pinned: str, python: str, said: str
) -> None:
    """pyenv and uv keep the project's Python in .python-version: the version the project is
    developed and tested on, where the constraint allows newer ones."""
    files = {"pyproject.toml": application("pinned"), "main.py": "", ".python-version": pinned}
    root = make_project(tmp_path, files)

    code, output = adopt(root)

    assert code == 0, output
    assert arg((root / "Dockerfile").read_text(), "PYTHON_VERSION") == python
    assert said in output


def test_adopt_takes_the_python_version_asked_for(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"pyproject.toml": application("pinned"), "main.py": ""})

    code, output = adopt(root, "--python", "3.13")

    assert code == 0, output
    assert arg((root / "Dockerfile").read_text(), "PYTHON_VERSION") == "3.13"
    assert "python      3.13 (constraint: >=3.12)" in output


def test_adopt_says_which_python_image_docker_could_not_get(tmp_path: Path) -> None:
    """Offline, behind a registry mirror without it, or (as here) for a version with no image:
    adopt names the image and says what to do, where it showed a build log."""
    files = {"pyproject.toml": application("pinned"), "main.py": ""}

    output, unchanged = bad(tmp_path, files, "--python", "3.99")

    assert "Docker could not get the base image python:3.99-slim-trixie" in output
    assert "docker pull python:3.99-slim-trixie" in output and "--python" in output
    assert "Dockerfile:" not in output
    assert unchanged


def test_adopt_stops_for_a_python_that_a_locked_package_has_no_wheel_or_sdist_for(
    tmp_path: Path,
) -> None:
    """psycopg-binary publishes wheels only, 3.2.1's up to Python 3.12: on 3.13 Poetry finds no
    installation candidate, and the build fails. psycopg pins it, so it moves only with psycopg."""
    pyproject = application("pinned", "psycopg[binary] (==3.2.1)")
    files = {"pyproject.toml": pyproject, "main.py": "import psycopg\n"}

    output, unchanged = bad(tmp_path, files, "--python", "3.13")

    assert "Python 3.13 cannot install psycopg-binary 3.2.1" in output
    assert "Run adopt with --python 3.12" in output
    assert "poetry update psycopg-binary psycopg" in output
    assert unchanged


def test_adopt_says_to_update_a_package_without_wheels_with_the_one_that_pins_it(
    tmp_path: Path,
) -> None:
    pyproject = application("pinned", "pydantic (==2.9.2)", python=">=3.13")
    root = make_project(tmp_path, {"pyproject.toml": pyproject, "main.py": "import pydantic\n"})

    code, output = adopt(root, "--python", "3.14")

    assert code == 0, output
    assert "no Linux wheel for Python 3.14" in output
    assert "poetry update pydantic-core pydantic" in output


@pytest.mark.parametrize(
    ("taken_out", "python", "compiler"),
    [("cp314-cp314-manylinux2014_aarch64", "3.13", False), ("manylinux2014_aarch64", "3.14", True)],
    ids=["for-one-python", "for-every-python"],
)
def test_adopt_counts_the_arm64_wheels_that_an_apple_silicon_dev_container_needs(
    tmp_path: Path, taken_out: str, python: str, compiler: bool
) -> None:
    """A package locked with x86_64 wheels but no arm64 one (for glibc: a musllinux wheel does
    not count) builds from source in a dev container on Apple Silicon. Here pydantic-core, whose
    arm64 wheels are taken out of the lock, for Python 3.14 or for every Python."""
    pyproject = application("pinned", "pydantic-core (==2.50.4)", python=">=3.13")
    root = make_project(tmp_path, {"pyproject.toml": pyproject, "main.py": ""})
    lock_in_container(tmp_path, root)
    lock = (root / "poetry.lock").read_text().splitlines(keepends=True)
    kept = [line for line in lock if not ("pydantic_core-2.50.4-" in line and taken_out in line)]
    assert len(kept) < len(lock)
    (root / "poetry.lock").write_text("".join(kept))

    code, output = adopt(root, "--command", "python main.py")

    assert code == 0, output
    dockerfile = (root / "Dockerfile").read_text()
    assert arg(dockerfile, "PYTHON_VERSION") == python
    assert "3.14 has no Linux wheel locked for pydantic-core 2.50.4 (arm64)" in output
    assert bool(arg(dockerfile, "BUILD_PACKAGES")) == compiler
    if compiler:
        assert "no wheel    pydantic-core 2.50.4 (arm64): no Linux wheel for Python 3.14" in output
        assert "or update them to versions with wheels: poetry update pydantic-core\n" in output


def test_an_adopted_application_rebuilds_only_its_own_layer_after_a_code_change(
    tmp_path: Path,
) -> None:
    root = adopted_application(tmp_path)
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
    root = adopted_application(tmp_path)
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


def test_adopt_points_the_healthcheck_at_the_port_the_start_command_serves_on(
    tmp_path: Path,
) -> None:
    """Asking port 8000 of an app on 8080, the HEALTHCHECK would fail from the first second:
    'starting' for 30 s, then unhealthy for good, and an orchestrator never sends it traffic.
    The image says which port it serves on (`docker run -P`), and the dev container forwards it."""
    root = make_project(tmp_path, SHAPES["no-package-fastapi"][0])
    command = "uvicorn main:app --host 0.0.0.0 --port 8080"

    code, output = adopt(root, "--command", command)

    assert code == 0, output
    assert ":8080/" in arg((root / "Dockerfile").read_text(), "HEALTHCHECK_URL")
    config = json.loads((root / ".devcontainer" / "devcontainer.json").read_text())
    with built(root, "prod") as tag, serving(tag) as (name, _):
        health = health_within(name, 25)
        exposed = run(["docker", "inspect", "--format", "{{json .Config.ExposedPorts}}", tag])

    assert health == "healthy"
    assert json.loads(exposed.stdout) == {"8080/tcp": {}}
    assert config["forwardPorts"] == [8080] and list(config["portsAttributes"]) == ["8080"]


def test_adopt_starts_the_app_as_its_procfile_says(tmp_path: Path) -> None:
    """A Procfile's web process (Heroku, Dokku) is how the project starts: without `poetry run`,
    with the port `${PORT:-5000}` falls back to, which the healthcheck follows."""
    files, _ = SHAPES["no-package-fastapi"]
    procfile = "web: poetry run uvicorn main:app --host=0.0.0.0 --port=${PORT:-5000}\n"
    procfile += "release: alembic upgrade head\n"
    root = make_project(tmp_path, {**files, "Procfile": procfile})

    code, output = adopt(root)

    assert code == 0, output
    assert "starts with uvicorn main:app --host=0.0.0.0 --port=5000 (as Procfile says)" in output
    with built(root, "prod") as tag, serving(tag) as (name, _):
        health = health_within(name, 25)

    assert health == "healthy"


def test_a_package_file_that_the_start_command_runs_by_its_path_is_a_file_in_prod(
    tmp_path: Path,
) -> None:
    """FastAPI's docs start the app with `fastapi run app/main.py`, a path: prod must have it as
    a file, where the package would otherwise be a wheel in the venv."""
    pyproject = FASTAPI_PROJECT.replace("fastapi (", "fastapi[standard] (") % ("app", "0.1.0")
    dockerfile = 'FROM python:3.14\nCOPY ./app /code/app\nCMD ["fastapi", "run", "app/main.py"]\n'
    files = {
        "pyproject.toml": pyproject + BUILD_SYSTEM % ">=2.0",
        "app/__init__.py": "",
        "app/main.py": APP % "fastapi-run",
        "Dockerfile": dockerfile,
    }
    root = make_project(tmp_path, files)

    code, output = adopt(root, "--force")

    assert code == 0, output
    assert "starts with fastapi run app/main.py (as your Dockerfile's CMD says)" in output
    assert arg((root / "Dockerfile").read_text(), "APP_INSTALL") == "files"
    assert prod_answer(root) == (200, {"shape": "fastapi-run"})


FLASK_FACTORY = "from flask import Flask\n\n\ndef create_app() -> Flask:\n    return Flask('a')\n"


@pytest.mark.parametrize(
    ("dockerfile", "said"),
    [
        (
            'FROM python:3.12-slim\nCOPY . /app\nCMD ["gunicorn", "-w", "4", "app:create_app()"]\n',
            "gunicorn -w 4 'app:create_app()' --bind 0.0.0.0:8000 (as your Dockerfile's CMD says)",
        ),
        (
            "FROM python:3.12-slim AS build\nCMD bash\nFROM python:3.12-slim\nCOPY . /app\n"
            "CMD poetry run gunicorn \\\n  --bind 0.0.0.0:5000 app:create_app()\n",
            "gunicorn --bind 0.0.0.0:5000 'app:create_app()' (as your Dockerfile's CMD says)",
        ),
        (
            'FROM python:3.12\nCOPY app.py /code/web.py\nCMD ["gunicorn", "web:create_app()"]\n',
            "gunicorn 'app:create_app()' --bind 0.0.0.0:8000\n",
        ),
        (
            'FROM python:3.12-slim\nCOPY . /app\nCMD flask db upgrade && gunicorn "app:make()"\n',
            "gunicorn 'app:create_app()' --bind 0.0.0.0:8000\n",
        ),
        (
            'FROM python:3.12-slim\nCOPY . /app\nENTRYPOINT ["/app/entrypoint.sh"]\n'
            'CMD ["gunicorn", "-w", "4", "app:create_app()"]\n',
            "gunicorn 'app:create_app()' --bind 0.0.0.0:8000\n",
        ),
    ],
    ids=["exec-form", "shell-form-last-stage", "copied-elsewhere", "shell", "entrypoint"],
)
def test_adopt_starts_the_app_as_the_cmd_of_your_dockerfile_says_where_prod_can(
    tmp_path: Path, dockerfile: str, said: str
) -> None:
    """The Dockerfile a project had (adopt --force keeps it as Dockerfile.orig) says how it
    starts. Not where prod cannot run the command as it is: a module copied under another name,
    a shell line, an entrypoint script around it; then adopt finds the app itself."""
    files = {
        "pyproject.toml": application("shop", "flask", "gunicorn"),
        "app.py": FLASK_FACTORY,
        "Dockerfile": dockerfile,
    }
    root = make_project(tmp_path, files)

    code, output = adopt(root, "--force")

    assert code == 0, output
    assert f"starts with {said}" in output


FACTORY = """\
from %s import %s


def create_app() -> %s:
    app = %s(%s)

    @app.get("/")
    def hello() -> dict[str, str]:
        return {"shape": "factory"}

    return app
"""


@pytest.mark.parametrize(
    ("framework", "dependencies", "command"),
    [
        ("Flask", ["flask", "gunicorn"], ["gunicorn", "web:create_app()"]),
        # uvicorn comes with FastAPI's `standard` extra, as FastAPI's docs install it.
        ("FastAPI", ["fastapi[standard]"], ["uvicorn", "web:create_app", "--factory"]),
    ],
)
def test_adopt_starts_an_app_that_an_application_factory_makes(
    tmp_path: Path, framework: str, dependencies: list[str], command: list[str]
) -> None:
    """Flask's tutorial makes its app in `create_app()`, as many apps do: no module-level `app`.
    adopt starts the factory's app (gunicorn calls it; uvicorn with --factory), with the server
    the project installs, directly or through an extra."""
    pyproject = '[project]\nname = "web"\nversion = "1"\nrequires-python = ">=3.12"\n'
    pyproject += f"dependencies = {json.dumps(dependencies)}\n" + BUILD_SYSTEM % ">=2.0"
    module = framework.lower()
    arguments = "__name__" if framework == "Flask" else ""
    app = FACTORY % (module, framework, framework, framework, arguments)
    root = make_project(tmp_path, {"pyproject.toml": pyproject, "web/__init__.py": app})

    code, output = adopt(root)

    assert code == 0, output
    dockerfile = (root / "Dockerfile").read_text()
    started = json.loads(re.search(r"(?m)^CMD (\[.*\])$", dockerfile).group(1))
    assert started[: len(command)] == command
    assert arg(dockerfile, "APP_INSTALL") == "package"
    with built(root, "prod") as tag, serving(tag, *LOCKED_DOWN) as (name, url):
        status, body = http_get(f"{url}/")
        health = health_within(name, 25)

    assert (status, json.loads(body)) == (200, {"shape": "factory"})
    assert health == "healthy"


def prod_answer(root: Path) -> tuple[int, object]:
    """What the project's prod, built and run locked down, answers on /: status and JSON body."""
    with built(root, "prod") as tag, serving(tag, *LOCKED_DOWN) as (_, url):
        status, body = http_get(f"{url}/")
    return status, json.loads(body)


def test_adopt_starts_the_app_a_module_makes_by_calling_its_own_factory(tmp_path: Path) -> None:
    """`app = get_application()` at the end of app/main.py, get_application() making the FastAPI
    app (as the FastAPI RealWorld example app does): prod serves that module-level app."""
    made = (FACTORY % ("fastapi", "FastAPI", "FastAPI", "FastAPI", "")).replace(
        "create_app", "get_application"
    )
    files = {
        "pyproject.toml": application("realworld", "fastapi[standard]"),
        "app/__init__.py": "",
        "app/main.py": made + "\n\napp = get_application()\n",
    }
    root = make_project(tmp_path, files)

    code, output = adopt(root)

    assert code == 0, output
    assert "starts with uvicorn app.main:app --host 0.0.0.0 --port 8000" in output
    assert prod_answer(root) == (200, {"shape": "factory"})


def test_adopt_starts_an_app_whose_src_folder_is_a_package(tmp_path: Path) -> None:
    """src/ with an __init__.py, the code importing `from src.auth import ...` and served with
    `uvicorn src.main:app` (a layout FastAPI guides recommend): src is the package here, not the
    folder packages are in, so prod must not start `main:app`, which nothing can import."""
    files = {
        "pyproject.toml": application("shop", *FASTAPI),
        "src/__init__.py": "",
        "src/auth/__init__.py": "SHAPE = 'src-package'\n",
        "src/main.py": APP.replace('"%s"', "SHAPE").replace(
            "from fastapi import FastAPI\n",
            "from fastapi import FastAPI\n\nfrom src.auth import SHAPE\n",
        ),
    }
    root = make_project(tmp_path, files)

    code, output = adopt(root)

    assert code == 0, output
    assert "starts with uvicorn src.main:app --host 0.0.0.0 --port 8000" in output
    assert prod_answer(root) == (200, {"shape": "src-package"})


SRC_FOLDER_APP = """\
from %s import %s

from settings import SHAPE

app = %s(__name__)


@app.get("/")
def hello() -> dict[str, str]:
    return {"shape": SHAPE}
"""


@pytest.mark.parametrize(
    ("framework", "dependencies", "command"),
    [
        ("FastAPI", FASTAPI, "uvicorn main:app --app-dir src --host 0.0.0.0 --port 8000"),
        ("Flask", ["flask", "gunicorn"], "gunicorn --pythonpath src main:app --bind 0.0.0.0:8000"),
        ("Flask", ["flask"], "flask --app src/main:app run --host 0.0.0.0 --port 8000"),
    ],
)
def test_adopt_starts_an_app_from_a_src_folder_that_is_no_package(
    tmp_path: Path, framework: str, dependencies: list[str], command: str
) -> None:
    """An application (no package) whose code is in src/, without an __init__.py, its modules
    importing each other by their own names (`from settings import ...`), as when it was started
    from src/: prod, which has the files in /app, must import them from /app/src."""
    app = SRC_FOLDER_APP % (framework.lower(), framework, framework)
    files = {
        "pyproject.toml": application("shop", *dependencies),
        "src/main.py": app.replace("__name__", "" if framework == "FastAPI" else "__name__"),
        "src/settings.py": "SHAPE = 'src-folder'\n",
    }
    root = make_project(tmp_path, files)

    code, output = adopt(root)

    assert code == 0, output
    assert f"starts with {command}" in output
    assert prod_answer(root) == (200, {"shape": "src-folder"})


def test_a_django_site_with_split_settings_is_served_by_gunicorn(tmp_path: Path) -> None:
    """Django sites often split their settings into a package (config/settings/base.py,
    production.py: cookiecutter-django's layout): with gunicorn locked, prod serves the site
    through config.wsgi, not Django's development server."""
    pyproject = application("site", "django (>=5.2,<6)", "gunicorn (>=23)")
    settings = 'SECRET_KEY = "not-a-secret"\nDEBUG = False\nALLOWED_HOSTS = ["*"]\n'
    settings += 'ROOT_URLCONF = "config.urls"\nINSTALLED_APPS = []\nMIDDLEWARE = []\n'
    files = {
        **django_site("config", "config.settings.production"),
        "config/settings/__init__.py": "",
        "config/settings/base.py": settings,
        "config/settings/production.py": "from .base import *  # noqa: F403\n",
        "config/urls.py": "from django.http import JsonResponse\nfrom django.urls import path\n\n"
        'urlpatterns = [path("", lambda request: JsonResponse({"shape": "split"}))]\n',
    }
    root = make_project(tmp_path, {"pyproject.toml": pyproject, **files})

    code, output = adopt(root)

    assert code == 0, output
    dockerfile = (root / "Dockerfile").read_text()
    command = json.loads(re.search(r"(?m)^CMD (\[.*\])$", dockerfile).group(1))
    assert command[:2] == ["gunicorn", "config.wsgi"]
    with built(root, "prod") as tag, serving(tag, *LOCKED_DOWN) as (name, url):
        health = health_within(name, 25)
        status, body = http_get(f"{url}/")

    assert (status, json.loads(body)) == (200, {"shape": "split"})
    assert health == "healthy"


DJANGO_STATIC_SETTINGS = """\
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "mysite.urls"
INSTALLED_APPS = ["django.contrib.staticfiles"]
MIDDLEWARE = ["whitenoise.middleware.WhiteNoiseMiddleware"]
TEMPLATES = [
    {"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [BASE_DIR / "templates"]}
]
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
"""


def static_site(top: Path, settings: str, folder: str = "") -> tuple[Path, str]:
    """A Django site with WhiteNoise whose page links its CSS, in the project's root or in a
    folder of it, adopted: the project's root, adopt's output."""
    pyproject = application("site", "django (>=5.2,<6)", "gunicorn (>=23)", "whitenoise (>=6)")
    site = {
        **django_site("mysite", "mysite.settings"),
        "mysite/settings.py": settings,
        "mysite/urls.py": "from django.urls import path\nfrom django.views.generic import "
        "TemplateView\n\nhome = TemplateView.as_view(template_name='home.html')\n"
        'urlpatterns = [path("", home)]\n',
        "templates/home.html": "{% load static %}\n"
        '<link rel="stylesheet" href="{% static \'site.css\' %}">\n',
        "static/site.css": "body { color: teal; }\n",
    }
    files = {(Path(folder) / name).as_posix(): text for name, text in site.items()}
    root = make_project(top, {"pyproject.toml": pyproject, **files})
    code, output = adopt(root)
    assert code == 0, output
    return root, output


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
    root, output = static_site(tmp_path, DJANGO_STATIC_SETTINGS, folder)

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
    needs_a_secret = DJANGO_STATIC_SETTINGS.replace(
        'SECRET_KEY = "not-a-secret"', 'import os\n\nSECRET_KEY = os.environ["DJANGO_SECRET_KEY"]'
    )
    root, _ = static_site(tmp_path, needs_a_secret)
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


def test_prod_turns_healthy_where_the_app_redirects_plain_http_to_https(tmp_path: Path) -> None:
    """Apps behind a TLS proxy often send every plain-HTTP request to https:// (Django's
    SECURE_SSL_REDIRECT, Starlette's HTTPSRedirectMiddleware). That answer means the app serves:
    prod's HEALTHCHECK follows no redirect, so it turns healthy."""
    app = APP % "https-only"
    app += "\nfrom starlette.middleware.httpsredirect import HTTPSRedirectMiddleware\n"
    app += "\napp.add_middleware(HTTPSRedirectMiddleware)\n"
    files = {"pyproject.toml": application("secure", *FASTAPI), "main.py": app}
    root = make_project(tmp_path, files)

    code, output = adopt(root)

    assert code == 0, output
    with built(root, "prod") as tag, serving(tag, *LOCKED_DOWN) as (name, _):
        health = health_within(name, 25)

    assert health == "healthy"


def test_adopt_starts_a_script_project_with_its_main_py(tmp_path: Path) -> None:
    """A bot, a worker or a job: no package, no web app, a main.py at the root."""
    files = {"pyproject.toml": application("bot"), "main.py": "print('bot started')\n"}
    root = make_project(tmp_path, files)

    code, output = adopt(root)

    assert code == 0, output
    assert "starts with python main.py" in output
    with built(root, "prod") as tag:
        started = docker_run(tag)

    assert started == "bot started"


def test_adopt_serves_a_streamlit_app_with_streamlit_run(tmp_path: Path) -> None:
    """A Streamlit app is a script (here a multi-page one: Home.py and its pages/) that
    `streamlit run` serves, headless, on its port 8501: healthy in locked-down prod, where the
    script runs as a session runs it."""
    page = "import streamlit as st\n\nfrom helpers import TITLE\n\nst.title(TITLE)\n"
    files = {
        "pyproject.toml": application("dashboard", "streamlit (>=1.40)"),
        "Home.py": page,
        "helpers.py": "TITLE = 'shape: streamlit'\n",
        "pages/1_Data.py": "import streamlit as st\n\nst.write('data')\n",
    }
    root = make_project(tmp_path, files)

    code, output = adopt(root)

    assert code == 0, output
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


DASH_APP = """\
from dash import Dash, html

app = Dash(__name__)
server = app.server
app.layout = html.Div("shape: dash")

if __name__ == "__main__":
    app.run(debug=True)
"""


@pytest.mark.parametrize(
    ("dependencies", "command"),
    [
        (["dash", "gunicorn"], "gunicorn app:server --bind 0.0.0.0:8000"),
        (["dash"], "flask --app app:server run --host 0.0.0.0 --port 8000"),
    ],
    ids=["gunicorn", "flask"],
)
def test_adopt_serves_a_dash_app_through_its_flask_server(
    tmp_path: Path, dependencies: list[str], command: str
) -> None:
    """`python app.py` would serve a Dash app on 127.0.0.1:8050, out of reach in a container:
    prod serves the Flask server the app names, as Dash's deployment docs do."""
    files = {"pyproject.toml": application("charts", *dependencies), "app.py": DASH_APP}
    root = make_project(tmp_path, files)

    code, output = adopt(root)

    assert code == 0, output
    assert f"starts with {command}" in output
    with built(root, "prod") as tag, serving(tag, *LOCKED_DOWN) as (name, url):
        healthy = health_within(name, 40)
        status, layout = http_get(f"{url}/_dash-layout")

    assert healthy == "healthy"
    assert status == 200
    assert json.loads(layout)["props"]["children"] == "shape: dash"


GRADIO_APP = """\
import gradio as gr


def greet(name: str) -> str:
    return f"Hello {name}"


demo = gr.Interface(
    fn=greet,
    inputs="text",
    outputs="text",
    title="shape: gradio",
    examples=[["kit"]],
    cache_examples=True,  # at launch: in .gradio/ unless told
)
demo.launch()
"""
NICEGUI_APP = """\
from nicegui import ui

ui.label("shape: nicegui")

ui.run(port=8090, reload=False)
"""

FASTHTML_APP = """\
import os

from fasthtml.common import P, fast_app, serve

# The session key from the environment: prod cannot write FastHTML's .sesskey file in /app.
app, rt = fast_app(secret_key=os.environ.get("SESSION_SECRET", "not-a-secret"))


@rt("/")
def get():
    return P("shape: python-fasthtml")


serve()
"""

AIOHTTP_APP = """\
import os

from aiohttp import web

PORT = int(os.environ.get("PORT", "8081"))


async def index(request: web.Request) -> web.Response:
    return web.Response(text="shape: aiohttp")


app = web.Application()
app.router.add_get("/", index)

if __name__ == "__main__":
    web.run_app(app, port=PORT)
"""


@pytest.mark.parametrize(
    ("dependency", "script", "app", "port"),
    [
        ("gradio (>=5)", "app.py", GRADIO_APP, "7860"),
        ("nicegui (>=3)", "main.py", NICEGUI_APP, "8090"),  # the port its ui.run() names
        ("python-fasthtml (>=0.12)", "main.py", FASTHTML_APP, "5001"),
        ("aiohttp (>=3.9)", "server.py", AIOHTTP_APP, "8081"),  # the port PORT falls back to
    ],
    ids=["gradio", "nicegui", "fasthtml", "aiohttp"],
)
def test_adopt_serves_an_app_whose_script_starts_its_own_server(
    tmp_path: Path, dependency: str, script: str, app: str, port: str
) -> None:
    """Gradio, NiceGUI, FastHTML and aiohttp apps are scripts that start their own server
    (demo.launch(), as Hugging Face Spaces' app.py does; ui.run(); serve(); web.run_app()) on
    their own port (7860, 8080, 5001, 8080, or the one the script names, or gives a variable):
    prod runs the script and exposes and checks that port, where Gradio, which listens on
    127.0.0.1 and caches its examples in the working directory unless told, answers a published
    port too."""
    framework = dependency.split()[0]
    pyproject = application("demo", dependency, python=">=3.12,<4")
    root = make_project(tmp_path, {"pyproject.toml": pyproject, script: app})

    code, output = adopt(root)

    assert code == 0, output
    assert f"starts with python {script} (" in output
    assert f"'s server, on {port})" in output
    assert arg((root / "Dockerfile").read_text(), "APP_PORT") == port
    with built(root, "prod") as tag, serving(tag, *LOCKED_DOWN, port=port) as (name, url):
        healthy = health_within(name, 60)
        status, page = http_get(url)

    assert healthy == "healthy"
    assert status == 200
    assert f"shape: {framework}" in page.decode()


def test_adopt_run_again_gives_your_section_the_environment_your_app_needs(
    tmp_path: Path,
) -> None:
    """A Gradio project adopted by a kit from before the ENV lines that let Gradio listen on every
    address: run again, your section gains them after your CMD, and the report says so."""
    pyproject = application("demo", "gradio (>=5)", python=">=3.12,<4")
    root = make_project(tmp_path, {"pyproject.toml": pyproject, "app.py": GRADIO_APP})
    code, output = adopt(root)
    assert code == 0, output
    dockerfile = root / "Dockerfile"
    env = re.search(r"(?m)^# Gradio.*\n(?:# .*\n)*ENV .*\\\n.*\n", dockerfile.read_text()).group(0)
    yours = dockerfile.read_text().replace(
        'CMD ["python", "app.py"]', 'CMD ["python", "-u", "app.py"]'
    )
    dockerfile.write_text(yours.replace(env, ""))  # your CMD, as an older kit wrote the section

    again, output = adopt(root)

    assert again == 0, output
    assert 'CMD ["python", "-u", "app.py"]\n' + env in dockerfile.read_text()
    assert "added to your project section: ENV GRADIO_SERVER_NAME=0.0.0.0" in output


QUART_APP = """\
from quart import Quart

app = Quart(__name__)


@app.route("/")
async def hello() -> dict[str, str]:
    return {"shape": "quart"}
"""
STARLETTE_APP = """\
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route


async def hello(request):
    return JSONResponse({"shape": "starlette"})


app = Starlette(routes=[Route("/", hello)])
"""
FLASK_APP = """\
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> dict[str, str]:
    return {"shape": "waitress"}
"""
FALCON_APP = """\
import falcon


class Hello:
    def on_get(self, req, resp):
        resp.media = {"shape": "falcon"}


app = falcon.App()
app.add_route("/", Hello())
"""
FALCON_ASGI_APP = """\
import falcon.asgi


class Hello:
    async def on_get(self, req, resp):
        resp.media = {"shape": "falcon.asgi"}


app = falcon.asgi.App()
app.add_route("/", Hello())
"""
SANIC_APP = """\
from sanic import Sanic
from sanic.response import json

app = Sanic("shapes")


@app.get("/")
async def hello(request):
    return json({"shape": "sanic"})
"""


@pytest.mark.parametrize(
    ("dependencies", "app", "command"),
    [
        # Quart brings hypercorn, its own server
        (["quart (>=0.19)"], QUART_APP, "hypercorn main:app --bind 0.0.0.0:8000"),
        (
            ["starlette (>=0.40)", "granian (>=2)"],
            STARLETTE_APP,
            "granian --interface asgi main:app --host 0.0.0.0 --port 8000",
        ),
        # Sanic's own server, told to listen on every address
        (["sanic (>=23)"], SANIC_APP, "sanic main:app --host 0.0.0.0 --port 8000"),
        # a Flask app with waitress and no gunicorn: waitress, not Flask's development server
        (
            ["flask (>=3)", "waitress (>=3)"],
            FLASK_APP,
            "waitress-serve --listen=0.0.0.0:8000 main:app",
        ),
        # Falcon, WSGI with gunicorn and ASGI with uvicorn
        (["falcon (>=4)", "gunicorn (>=23)"], FALCON_APP, "gunicorn main:app --bind 0.0.0.0:8000"),
        (
            ["falcon (>=4)", "uvicorn (>=0.30)"],
            FALCON_ASGI_APP,
            "uvicorn main:app --host 0.0.0.0 --port 8000",
        ),
    ],
    ids=["hypercorn", "granian", "sanic", "waitress", "falcon", "falcon-asgi"],
)
def test_adopt_serves_an_app_with_the_server_the_project_has(
    tmp_path: Path, dependencies: list[str], app: str, command: str
) -> None:
    """An ASGI app whose project locks hypercorn or granian, not uvicorn, a Sanic app, a Flask
    app with waitress, not gunicorn, and Falcon apps (WSGI and ASGI): prod serves it with that
    server, or Sanic's, where adopt fell back to `python main.py`, which serves nothing (for
    Sanic, only on 127.0.0.1), or to Flask's development server."""
    pyproject = application("asgi", *dependencies)
    root = make_project(tmp_path, {"pyproject.toml": pyproject, "main.py": app})

    code, output = adopt(root)

    assert code == 0, output
    assert f"starts with {command}" in output
    with built(root, "prod") as tag, serving(tag, *LOCKED_DOWN) as (name, url):
        healthy = health_within(name, 60)
        status, page = http_get(url)

    assert healthy == "healthy"
    assert status == 200
    assert json.loads(page)["shape"] in app


def test_adopt_starts_a_bots_main_script_not_its_webhook_server(tmp_path: Path) -> None:
    """A bot with main.py (polling) and webhook.py (an aiohttp server for Telegram's webhook, as
    aiogram's examples have it): main.py is how it starts; a server script only where there is
    none (server.py above)."""
    files = {"main.py": "print('polling')\n", "webhook.py": AIOHTTP_APP}
    root = make_project(
        tmp_path, {"pyproject.toml": application("bot", "aiohttp (>=3.9)"), **files}
    )

    code, output = adopt(root)

    assert code == 0, output
    assert "starts with python main.py\n" in output
    assert arg((root / "Dockerfile").read_text(), "HEALTHCHECK_URL") == ""


def test_adopt_checks_no_port_of_a_bot_that_polls_unless_told_to_serve(tmp_path: Path) -> None:
    """One main.py, two modes: polling, or a webhook server (`if WEBHOOK: web.run_app(...)`).
    A health check on the server's port would call the polling bot unhealthy."""
    bot = AIOHTTP_APP.replace(
        "    web.run_app(app, port=PORT)",
        "    if os.environ.get('WEBHOOK'):\n        web.run_app(app, port=PORT)\n"
        "    else:\n        dispatcher.start_polling()",
    )
    root = make_project(tmp_path, {"pyproject.toml": application("bot", "aiohttp"), "main.py": bot})

    code, output = adopt(root)

    assert code == 0, output
    assert "starts with python main.py\n" in output
    assert arg((root / "Dockerfile").read_text(), "HEALTHCHECK_URL") == ""


def console_script_service(run_call: str) -> dict[str, str]:
    """A package whose console script starts uvicorn itself, with the port its settings module
    reads from the environment, falling back to 8082."""
    pyproject = FASTAPI_PROJECT % ("svc", "1") + '\n[project.scripts]\nsvc = "svc.main:start"\n'
    main = (APP % "console-script").replace("from fastapi", "import uvicorn\nfrom fastapi", 1)
    return {
        "pyproject.toml": pyproject + BUILD_SYSTEM % ">=2.0.0,<3.0.0",
        "svc/__init__.py": "",
        "svc/settings.py": 'import os\n\nPORT = int(os.environ.get("SVC_PORT", "8082"))\n',
        "svc/main.py": main.replace("from fastapi import FastAPI", "from fastapi import FastAPI"
                                    "\n\nfrom svc import settings")
        + f"\n\ndef start() -> None:\n    {run_call}\n",
    }  # fmt: skip


def test_adopt_serves_on_the_port_a_console_script_gives_its_server(tmp_path: Path) -> None:
    """A console script that runs `uvicorn.run(app, port=settings.PORT)`: prod exposes, checks and
    publishes the port the settings give, where adopt took 8000 and the container never became
    healthy."""
    run_call = 'uvicorn.run(app, host="0.0.0.0", port=settings.PORT)'
    root = make_project(tmp_path, console_script_service(run_call))

    code, output = adopt(root)

    assert code == 0, output
    assert "starts with svc (uvicorn's server, on 8082)" in output
    assert arg((root / "Dockerfile").read_text(), "APP_PORT") == "8082"
    with built(root, "prod") as tag, serving(tag, *LOCKED_DOWN, port="8082") as (name, url):
        healthy = health_within(name, 60)
        status, page = http_get(url)

    assert healthy == "healthy"
    assert status == 200
    assert json.loads(page) == {"shape": "console-script"}


def test_adopt_warns_of_a_server_that_listens_on_localhost_only(tmp_path: Path) -> None:
    """uvicorn.run() without a host listens on 127.0.0.1: healthy inside prod, unreachable
    through a published port. adopt cannot change the call; it says so, and what to write."""
    root = make_project(tmp_path, console_script_service("uvicorn.run(app, port=settings.PORT)"))

    code, output = adopt(root)

    assert code == 0, output
    assert "listens on 127.0.0.1 only" in output
    assert 'give uvicorn.run() host="0.0.0.0"' in output


TEXTS = "GREETING = 'bot started'\n"
BOT = "from %s import GREETING\n\nif __name__ == '__main__':\n    print(GREETING)\n"


@pytest.mark.parametrize(
    ("files", "command"),
    [
        # src/ a package, its modules importing each other through it, run with -m
        (
            {"src/__init__.py": "", "src/main.py": BOT % "src.texts", "src/texts.py": TEXTS},
            "python -m src.main",
        ),
        # src/ a plain folder, its modules importing each other by name, as run from there
        ({"src/main.py": BOT % "texts", "src/texts.py": TEXTS}, "python src/main.py"),
        ({"bot/__init__.py": TEXTS, "bot/__main__.py": BOT % "bot"}, "python -m bot"),
        # a folder's __main__.py that imports its neighbours by name runs as a script
        ({"src/__main__.py": BOT % "texts", "src/texts.py": TEXTS}, "python src/__main__.py"),
        ({"src/__main__.py": BOT % "src.texts", "src/texts.py": TEXTS}, "python -m src"),
    ],
)
def test_adopt_starts_a_script_project_with_the_main_module_in_its_folder(
    tmp_path: Path, files: dict[str, str], command: str
) -> None:
    """A bot or a worker whose script is not at the root: src/main.py behind an
    `if __name__ == "__main__"` guard, or a folder's __main__.py."""
    root = make_project(tmp_path, {"pyproject.toml": application("bot"), **files})

    code, output = adopt(root)

    assert code == 0, output
    assert f"starts with {command}" in output
    with built(root, "prod") as tag:
        started = docker_run(tag)

    assert started == "bot started"


def test_adopt_asks_how_to_start_a_project_it_cannot_tell(tmp_path: Path) -> None:
    files = {"pyproject.toml": application("jobs"), "nightly.py": "print('run')\n"}
    output, unchanged = bad(tmp_path, files)

    assert "could not tell how the project starts" in output
    assert '--command "python -m mypackage"' in output
    assert unchanged


def test_adopt_refuses_a_folder_without_pyproject(tmp_path: Path) -> None:
    output, unchanged = bad(tmp_path, {"main.py": "print('hi')\n"})

    assert "no pyproject.toml" in output and "this kit is for Poetry projects" in output
    assert unchanged


@pytest.mark.parametrize(
    "pyproject",
    [
        '[project]\nname = "x"\nversion = "1"\n\n[tool.pdm]\ndistribution = true\n',
        '[project]\nname = "x"\nversion = "1"\n\n[tool.uv]\npackage = true\n',
        '[project]\nname = "x"\nversion = "1"\n\n[build-system]\nrequires = ["hatchling"]\n'
        'build-backend = "hatchling.build"\n',
        '[project]\nname = "x"\nversion = "1"\n\n[build-system]\nrequires = ["setuptools"]\n'
        'build-backend = "setuptools.build_meta"\n',
    ],
    ids=["pdm", "uv", "hatch", "setuptools"],
)
def test_adopt_refuses_a_project_that_is_not_poetry(tmp_path: Path, pyproject: str) -> None:
    output, unchanged = bad(tmp_path, {"pyproject.toml": pyproject})

    assert "this kit is for Poetry projects" in output and "Move the project to Poetry" in output
    assert unchanged


@pytest.mark.parametrize("readme", ["readme.md", None], ids=["other-case", "missing"])
def test_adopt_refuses_a_readme_that_pyproject_names_and_the_project_lacks(
    tmp_path: Path, readme: str | None
) -> None:
    """`poetry init` writes readme = "README.md", and many projects then have none, or a
    readme.md, which a Mac's or Windows' folder finds and Linux (the container, CI) does not.
    Poetry's check fails on it: adopt called that a stale lock, and without a lock said nothing,
    so the wheel's build and the kit's pre-commit hook failed later."""
    pyproject = (
        '[tool.poetry]\nname = "events"\nversion = "0.1.0"\ndescription = ""\nauthors = []\n'
        'readme = "README.md"\n\n[tool.poetry.dependencies]\npython = "^3.12"\n'
    )
    files = {"pyproject.toml": pyproject, "main.py": "print('events')\n"}
    if readme:
        files[readme] = "# Events\n"
    output, unchanged = bad(tmp_path, files)

    if readme:
        assert "names the readme README.md, and the project has readme.md" in output
        assert "Rename the file or change the readme entry" in output
    else:
        assert "names the readme README.md, which the project does not have" in output
        assert "add the file, or take the readme entry out" in output
    assert "stale" not in output
    assert unchanged


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


def test_prod_gets_the_projects_extras_but_those_that_hold_its_tooling(tmp_path: Path) -> None:
    """Extras are a project's optional features, prod's to have; but projects from before Poetry
    had groups keep their docs and test tools in extras too, which prod (no tests) leaves out."""
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
    assert "extras: docs, test-tools, toml (in prod: toml: the others hold tooling)" in output
    script = "import importlib.util as u; print([m for m in ('tomlkit', 'iniconfig', 'pluggy')"
    script += " if u.find_spec(m)])"
    with built(root, "prod") as tag:
        found = docker_run(tag, "python", "-c", script)
    assert found == "['tomlkit']"


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
    root = adopted_application(tmp_path)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"uvicorn', '"six", "uvicorn'))
    before = snapshot(root)

    code, output = adopt(root)

    assert code == 2
    assert "poetry.lock does not match pyproject.toml" in output and "poetry lock" in output
    assert snapshot(root) == before


def app_with_path_dependency(name: str, path: str) -> dict[str, str]:
    """A package-mode = false app that depends on name at path, started with python main.py."""
    pyproject = application("app", name)
    pyproject += f'\n[tool.poetry.dependencies]\n{name} = {{ path = "{path}" }}\n'
    return {"pyproject.toml": pyproject, "main.py": f"import {name}\n"}


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


def test_adopt_refuses_a_path_dependency_outside_the_project(tmp_path: Path) -> None:
    """A library beside the project (../shared, locked on a machine that has it) cannot reach a
    build, which sees the project's folder alone."""
    shared = tmp_path / "shared"
    (shared / "shared").mkdir(parents=True)
    (shared / "shared" / "__init__.py").write_text("")
    (shared / "pyproject.toml").write_text(LIBRARY % "shared" + BUILD_SYSTEM % ">=2.0")

    files = app_with_path_dependency("shared", "../shared")
    locked = partial(lock_in_container, tmp_path)  # ../shared is in tmp_path too
    output, unchanged = bad(tmp_path, files, "--command", "python main.py", finish=locked)

    assert "shared is a path dependency outside the project (../shared)" in output
    assert "move it into the project" in output
    assert unchanged


def test_adopt_refuses_a_dependency_on_a_file_in_the_project(tmp_path: Path) -> None:
    """A wheel kept in the project (vendor/x.whl) would need the whole build context in the
    dependency step, which sees only the lock files."""
    wheel = "vendor/tiny-1.0-py3-none-any.whl"

    def vendor(root: Path) -> None:
        (root / "vendor").mkdir()
        with zipfile.ZipFile(root / wheel, "w") as archive:
            archive.writestr("tiny/__init__.py", "")
            archive.writestr("tiny-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: tiny\n"
                             "Version: 1.0\n")  # fmt: skip
            archive.writestr("tiny-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: hand\n"
                             "Root-Is-Purelib: true\nTag: py3-none-any\n")  # fmt: skip
            archive.writestr("tiny-1.0.dist-info/RECORD", "")

    files = app_with_path_dependency("tiny", wheel)
    output, unchanged = bad(tmp_path, files, "--command", "python main.py", finish=vendor)

    assert f"tiny is installed from a file ({wheel})" in output and "publish it" in output
    assert unchanged


def test_adopt_refuses_a_python_constraint_no_image_satisfies(tmp_path: Path) -> None:
    pyproject = application("old", python=">=3.6,<3.9")

    output, unchanged = bad(tmp_path, {"pyproject.toml": pyproject, "main.py": ""})

    assert "no official python:<version>-slim-trixie image" in output
    assert "'>=3.6,<3.9'" in output
    assert unchanged


def test_adopt_refuses_a_project_that_requires_another_poetry(tmp_path: Path) -> None:
    """requires-poetry (Poetry 2) that the kit's pinned Poetry does not meet: a project locked by
    a newer Poetry, where the lock check alone would call the lock stale."""

    def locked_by_a_newer_poetry(root: Path) -> None:
        lock_in_container(root, root)
        pyproject = root / "pyproject.toml"
        pyproject.write_text(pyproject.read_text() + 'requires-poetry = ">=9"\n')

    files = {"pyproject.toml": application("app", "six"), "main.py": "import six\n"}
    output, unchanged = bad(tmp_path, files, finish=locked_by_a_newer_poetry)

    assert "the project requires Poetry >=9 (requires-poetry in pyproject.toml)" in output
    assert "poetry-requirements.txt" in output and "stale" not in output
    assert unchanged


def test_adopt_refuses_existing_docker_files_without_force(tmp_path: Path) -> None:
    files, _ = SHAPES["no-package-fastapi"]
    ours = {**files, "Dockerfile": "FROM scratch\n", ".devcontainer/devcontainer.json": "{}\n"}

    output, unchanged = bad(tmp_path, ours)

    assert "Dockerfile" in output and ".devcontainer" in output and "--force" in output
    assert unchanged


def test_adopt_with_force_keeps_the_originals_beside_the_kit_files(tmp_path: Path) -> None:
    """A Dockerfile is kept as Dockerfile.orig; a dev container folder of your own, as many
    projects have (its devcontainer.json, a Dockerfile, a script), moves aside whole."""
    files, _ = SHAPES["no-package-fastapi"]
    yours = {
        "devcontainer.json": '{"build": {"dockerfile": "Dockerfile"}}\n',
        "Dockerfile": "FROM python:3.12\n",
        "scripts/setup.sh": "pip install poetry\n",
    }
    folder = {f".devcontainer/{name}": text for name, text in yours.items()}
    root = make_project(tmp_path, {**files, "Dockerfile": "FROM scratch\n", **folder})

    code, output = adopt(root, "--force")

    assert code == 0, output
    assert (root / "Dockerfile.orig").read_text() == "FROM scratch\n"
    assert "AS prod" in (root / "Dockerfile").read_text()
    assert files_in(root / ".devcontainer.orig") == yours
    assert files_in(root / ".devcontainer").keys() == files_in(REPO / ".devcontainer").keys()


def test_adopt_with_force_stops_where_a_kept_folder_would_land_on_an_older_one(
    tmp_path: Path,
) -> None:
    files, _ = SHAPES["no-package-fastapi"]
    older = {
        ".devcontainer.orig/devcontainer.json": "{}\n",
        ".devcontainer/devcontainer.json": "{}\n",
    }

    output, unchanged = bad(tmp_path, {**files, **older}, "--force")

    assert ".devcontainer.orig/, which is there already" in output
    assert unchanged


def test_adopt_refuses_a_target_inside_the_kit() -> None:
    code, output = adopt(REPO / "src")

    assert code == 2 and "inside the kit" in output
