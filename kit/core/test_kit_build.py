"""kit_build.py, the Python of the Dockerfile's steps: what each step decides and writes, on
small projects made here, as the build runs it (no Docker)."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import re
import socket
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import kit_build
import pytest
from kit_build import BuildError

tomllib = kit_build.tomllib  # tomli before Python 3.11
REPO = Path(kit_build.__file__).parent

POETRY_1 = {
    "tool": {
        "poetry": {
            "name": "flat",
            "version": "1.2.3",
            "description": "about it",
            "authors": ["someone"],
            "dependencies": {"python": "^3.12", "fastapi": "*"},
            "group": {"dev": {"dependencies": {"pytest": "*"}}},
            "scripts": {"flat": "flat:main"},
        },
        "ruff": {"line-length": 100},
    }
}
PROJECT = {
    "project": {
        "name": "svc",
        "version": "2.0.0",
        "description": "a service",
        "requires-python": ">=3.12",
        "dependencies": ["fastapi"],
        "optional-dependencies": {"toml": ["tomlkit"]},
        "dynamic": ["version", "dependencies"],
        "scripts": {"svc": "svc:main"},
    },
    "tool": {"poetry": {"package-mode": False, "requires-poetry": ">=2"}},
    "dependency-groups": {"test": ["pytest"]},
}


# ---- reduce -------------------------------------------------------------------------------------


def test_reduce_keeps_what_decides_the_dependencies_of_poetry_1_metadata() -> None:
    assert kit_build.reduced(POETRY_1) == {
        "tool": {
            "poetry": {
                "name": "flat",
                "dependencies": {"python": "^3.12", "fastapi": "*"},
                "group": {"dev": {"dependencies": {"pytest": "*"}}},
                "version": "0",
            }
        }
    }


def test_reduce_keeps_what_decides_the_dependencies_of_project_metadata() -> None:
    assert kit_build.reduced(PROJECT) == {
        "project": {
            "name": "svc",
            "requires-python": ">=3.12",
            "dependencies": ["fastapi"],
            "optional-dependencies": {"toml": ["tomlkit"]},
            "version": "0",
            "dynamic": ["dependencies"],
        },
        "tool": {"poetry": {"package-mode": False}},
        "dependency-groups": {"test": ["pytest"]},
    }


def test_a_version_bump_or_a_tool_setting_leaves_the_reduced_file_as_it_was() -> None:
    bumped = {**POETRY_1, "tool": {**POETRY_1["tool"], "ruff": {"line-length": 79}}}
    bumped["tool"]["poetry"] = {**POETRY_1["tool"]["poetry"], "version": "9.9.9"}

    assert kit_build.reduced(bumped) == kit_build.reduced(POETRY_1)


def write_project(folder: Path, pyproject: str, lock: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").write_text(pyproject)
    if lock:
        (folder / "poetry.lock").write_text("# a lock\n")
    return folder


def test_reduce_rewrites_pyproject_toml_in_place(tmp_path: Path) -> None:
    write_project(tmp_path, '[project]\nname = "svc"\nversion = "1"\ndependencies = ["six"]\n')

    kit_build.reduce(str(tmp_path))

    reduced = tomllib.loads((tmp_path / "pyproject.toml").read_text())
    assert reduced == {"project": {"name": "svc", "dependencies": ["six"], "version": "0"}}


def test_reduce_without_a_lock_says_to_run_poetry_lock(tmp_path: Path) -> None:
    write_project(tmp_path, '[project]\nname = "svc"\n', lock=False)

    with pytest.raises(BuildError, match=r"poetry.lock was not found: run 'poetry lock'"):
        kit_build.reduce(str(tmp_path))


def test_reduce_of_broken_toml_names_the_line(tmp_path: Path) -> None:
    write_project(tmp_path, '[project]\nname = "svc"\nversion = "1\n')

    with pytest.raises(BuildError) as stopped:
        kit_build.reduce(str(tmp_path))

    assert "pyproject.toml is not valid TOML (TOMLDecodeError: " in str(stopped.value)
    assert "(at line 3, column" in str(stopped.value)


@pytest.mark.parametrize(
    ("pyproject", "declares"),
    [
        (PROJECT, True),
        (POETRY_1, True),
        ({"project": {"name": "lib", "dependencies": []}}, False),
        ({"tool": {"poetry": {"dependencies": {"python": "^3.12"}}}}, False),
        ({"project": {"name": "lib"}, "tool": {"poetry": {"dependencies": {"six": "*"}}}}, True),
    ],
    ids=["project", "poetry-1", "none", "python-only", "poetry-table-only"],
)
def test_the_main_group_is_there_where_the_project_declares_dependencies(
    pyproject: dict, declares: bool
) -> None:
    assert kit_build.declares_main(pyproject) is declares


def test_reduce_writes_toml_that_reads_back_as_the_reduced_project() -> None:
    odd = {
        "project": {
            "name": "odd",
            "dependencies": ['a>=1; python_version < "3.12"', "ü\x7f\n😀\\"],
            "optional-dependencies": {"b.c": ["d"], "": []},
        },
        "tool": {"poetry": {"dependencies": {"x": {"version": "1", "optional": True}}}},
    }
    for pyproject in (POETRY_1, PROJECT, odd):
        text = kit_build.toml_text(kit_build.reduced(pyproject))

        assert tomllib.loads(text) == kit_build.reduced(pyproject)


# ---- uv -----------------------------------------------------------------------------------------

UV_PAGE = "".join(
    f'<a href="../../packages/{name}#sha256={name[:6]}">{name}</a>\n'
    for name in (
        "uv-0.13.8-py3-none-macosx_11_0_arm64.whl",
        "uv-0.13.8-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64.whl",
        "uv-0.13.8-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "uv-0.13.8-py3-none-manylinux_2_28_aarch64.whl",
        "uv-0.13.8-py3-none-musllinux_1_1_x86_64.whl",
        "uv-0.13.7-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "uv-0.13.8.tar.gz",
    )
)


@pytest.mark.parametrize(
    ("machine", "wheel"),
    [
        ("x86_64", "uv-0.13.8-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"),
        (
            "aarch64",
            "uv-0.13.8-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64."
            "musllinux_1_1_aarch64.whl",
        ),
    ],
)
def test_uv_comes_from_its_manylinux_wheel_for_the_machine(machine: str, wheel: str) -> None:
    link, digest = kit_build.uv_wheel("0.13.8", machine, UV_PAGE)

    assert link == f"../../packages/{wheel}" and digest == wheel[:6]


def test_a_machine_without_a_uv_wheel_is_left_to_pip() -> None:
    with pytest.raises(LookupError, match=r"no uv 0\.13\.8 wheel for s390x"):
        kit_build.uv_wheel("0.13.8", "s390x", UV_PAGE)


@contextmanager
def index_with_uv(tmp_path: Path, login: str) -> Iterator[str]:
    """A simple index on 127.0.0.1 with one uv wheel for this machine, that answers only with
    `login` (basic auth): its URL, with the login in it."""
    import base64
    import platform

    wheel = tmp_path / f"uv-9.9.9-py3-none-manylinux_2_17_{platform.machine()}.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("uv-9.9.9.data/scripts/uv", "#!/bin/sh\necho uv 9.9.9\n")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    page = f'<a href="/files/{wheel.name}#sha256={digest}">{wheel.name}</a>'.encode()
    expected = "Basic " + base64.b64encode(login.encode()).decode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = page if self.path == "/simple/uv/" else wheel.read_bytes()
            self.send_response(200 if self.headers["Authorization"] == expected else 401)
            self.end_headers()
            self.wfile.write(body if self.headers["Authorization"] == expected else b"")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield f"http://{login}@127.0.0.1:{server.server_port}/simple"
    finally:
        server.shutdown()
        server.server_close()


def test_uv_is_its_binary_from_the_mirror_checked_and_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pins = tmp_path / "poetry-requirements.txt"
    pins.write_text("# pins\nuv==9.9.9\npoetry==2.5.1\n")
    with index_with_uv(tmp_path, "kit:s3cret") as url:
        monkeypatch.setenv("POETRY_PYPI_MIRROR_URL", url)
        kit_build.uv(str(tmp_path / "uv"), str(pins), str(tmp_path / "cache"))

    binary = tmp_path / "uv" / "bin" / "uv"
    assert binary.read_text() == "#!/bin/sh\necho uv 9.9.9\n" and os.access(binary, os.X_OK)
    binary.unlink()
    kit_build.uv(str(tmp_path / "uv"), str(pins), str(tmp_path / "cache"))  # the index is gone
    assert binary.is_file()


# ---- the lock reader ----------------------------------------------------------------------------

SAMPLE = kit_build.load(REPO / "pyproject.toml")
SAMPLE_LOCK = kit_build.load(REPO / "poetry.lock")
LINUX_314 = {
    "implementation_name": "cpython",
    "implementation_version": "3.14.2",
    "os_name": "posix",
    "platform_machine": "x86_64",
    "platform_python_implementation": "CPython",
    "platform_release": "6.8.0",
    "platform_system": "Linux",
    "platform_version": "#1 SMP",
    "python_full_version": "3.14.2",
    "python_version": "3.14",
    "sys_platform": "linux",
}


def test_the_content_hash_is_poetrys_for_the_kits_own_lock() -> None:
    assert kit_build.content_hash(SAMPLE) == SAMPLE_LOCK["metadata"]["content-hash"]


@pytest.mark.parametrize(
    ("pyproject", "content"),
    [
        (POETRY_1, POETRY_1["tool"]["poetry"] | {"source": None, "extras": None}),
        (
            PROJECT,
            {
                "project": {
                    k: PROJECT["project"][k]
                    for k in ("requires-python", "dependencies", "optional-dependencies")
                },
                "dependency-groups": PROJECT["dependency-groups"],
                "tool": {"poetry": {}},
            },
        ),
    ],
    ids=["poetry-1", "project"],
)
def test_the_content_hash_covers_what_poetry_hashes(pyproject: dict, content: dict) -> None:
    """Poetry's Locker._get_content_hash: [tool.poetry]'s legacy keys at the top level, null
    where missing, for a project without [project] or [dependency-groups]."""
    if "project" not in content:
        legacy = ("dependencies", "source", "extras", "dev-dependencies")
        content = {k: content.get(k) for k in legacy} | {"group": content["group"]}
    expected = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()

    assert kit_build.content_hash(pyproject) == expected


@pytest.mark.parametrize(
    ("marker", "extras", "holds"),
    [
        ('python_version < "3.15"', set(), True),
        ('python_version >= "3.15"', set(), False),
        ('python_version == "3.14"', set(), True),
        ('python_full_version >= "3.14.1"', set(), True),
        ('python_version ~= "3.10"', set(), True),
        ('python_full_version ~= "3.13.0"', set(), False),
        ('sys_platform == "win32"', set(), False),
        ('sys_platform != "emscripten" and python_version < "3.15"', set(), True),
        ('platform_machine == "aarch64" or platform_machine == "x86_64"', set(), True),
        ("(os_name == 'nt' or sys_platform == 'cygwin') and python_version > '3'", set(), False),
        ('"linux" in sys_platform', set(), True),
        ('platform_system not in "Windows Darwin"', set(), True),
        ('extra == "postgres"', {"postgres"}, True),
        ('extra == "postgres"', set(), False),
        ('extra == "Post_Gres"', {"post-gres"}, True),
        ('extra != "postgres"', set(), True),
        ('python_version >= "3.9" and (extra == "a" or extra == "b")', {"b"}, True),
    ],
)
def test_a_markers_truth_is_pep_508s_with_extras_as_poetry_asks_them(
    marker: str, extras: set[str], holds: bool
) -> None:
    assert kit_build.marker_holds(marker, LINUX_314, extras) is holds


@pytest.mark.parametrize(
    "marker", ['python_version < "3.15" and', 'os_name = "nt"', 'platform_magic == "x"', "(("]
)
def test_a_marker_the_reader_cannot_read_leaves_the_install_to_poetry(marker: str) -> None:
    with pytest.raises(kit_build.Unreadable):
        kit_build.marker_holds(marker, LINUX_314, set())


def locked(packages: list[dict], extras: dict | None = None, version: str = "2.1") -> dict:
    """A lock of these packages for WITH_GROUPS, as Poetry 2 writes one."""
    metadata = {"lock-version": version, "content-hash": kit_build.content_hash(WITH_GROUPS)}
    return {"package": packages, "extras": extras or {}, "metadata": metadata}


def package(name: str, groups: list[str], **more: object) -> dict:
    files = [{"file": f"{name}-1.0-py3-none-any.whl", "hash": f"sha256:{name}"}]
    return {"name": name, "version": "1.0", "groups": groups, "files": files} | more


WITH_GROUPS = {
    "project": {
        "name": "svc",
        "dependencies": ["fastapi"],
        "optional-dependencies": {"postgres": ["psycopg"]},
    },
    "tool": {
        "poetry": {
            "group": {
                "server": {"dependencies": {"gunicorn": "*"}},
                "dev": {"dependencies": {"pytest": "*"}},
            }
        }
    },
}
LOCKED = locked(
    [
        package("fastapi", ["main"]),
        package("anyio", ["main", "dev"], markers={"dev": 'sys_platform != "emscripten"'}),
        package("colorama", ["main", "dev"], markers='sys_platform == "win32"'),
        package("exceptiongroup", ["main"], markers='python_version < "3.11"'),
        package("gunicorn", ["server"]),
        package("pytest", ["dev"]),
        package("psycopg", ["main"], optional=True, markers='extra == "postgres"'),
        package(
            "tzdata",
            ["main"],
            optional=True,
            markers='extra == "postgres" and sys_platform == "win32"',
        ),
        package("shared", ["main"], source={"type": "directory", "url": "shared"}),
    ],
    extras={"postgres": ["psycopg"]},
)


@pytest.mark.parametrize(
    ("groups", "extras", "installed"),
    [
        (["main"], [], ["anyio", "fastapi"]),
        (["main", "server"], [], ["anyio", "fastapi", "gunicorn"]),
        (["main"], ["postgres"], ["anyio", "fastapi", "psycopg"]),
        (["dev"], [], ["anyio", "pytest"]),
    ],
    ids=["main", "and-a-group", "and-an-extra", "dev-only"],
)
def test_the_lock_reader_picks_what_poetry_sync_installs(
    groups: list[str], extras: list[str], installed: list[str]
) -> None:
    """Poetry 2 with installer.re-resolve off: a package of a chosen group whose marker for one
    of those groups holds (`extra` is the extras asked for); path dependencies left to the
    app-files step (--no-directory)."""
    wanted = kit_build.locked_requirements(WITH_GROUPS, LOCKED, groups, extras, LINUX_314)

    assert sorted(line.split("==")[0] for line in wanted) == installed
    assert f"{installed[0]}==1.0 --hash=sha256:{installed[0]}" in wanted


@pytest.mark.parametrize(
    ("lock", "extras", "why"),
    [
        (locked([package("six", ["main"])], version="2.0"), [], "format 2.0, before 2.1"),
        (
            LOCKED | {"metadata": {"lock-version": "2.1", "content-hash": "0"}},
            [],
            "content-hash is not pyproject.toml's",
        ),
        (LOCKED, ["mysql"], "names no group or extra mysql"),
        (
            locked([package("six", ["main"], source={"type": "git", "url": "x"})]),
            [],
            "six comes from a git source",
        ),
        (
            locked([package("six", ["main"], source={"type": "legacy", "url": "x"})]),
            [],
            "six comes from a legacy source",
        ),
        (locked([package("six", ["main"], files=[])]), [], "no file hashes for six"),
    ],
    ids=["format-2.0", "stale", "unknown-extra", "git", "private-index", "no-hashes"],
)
def test_where_the_lock_reader_cannot_match_poetry_it_says_why(
    lock: dict, extras: list[str], why: str
) -> None:
    with pytest.raises(kit_build.Unreadable, match=why):
        kit_build.locked_requirements(WITH_GROUPS, lock, ["main"], extras, LINUX_314)


def test_the_lock_reader_reads_the_kits_own_lock_for_prod() -> None:
    """The main group, without the dev group's tools; anyio, in both with a marker for dev only,
    too. (Docker's parity test compares the venv with Poetry's.)"""
    wanted = kit_build.locked_requirements(SAMPLE, SAMPLE_LOCK, ["main"], [], LINUX_314)
    names = {line.split("==")[0] for line in wanted}

    assert {"fastapi", "uvicorn", "anyio"} <= names
    assert not names & {"pytest", "ruff", "debugpy", "pre-commit"}
    assert all(re.fullmatch(r"\S+==\S+( --hash=sha256:[0-9a-f]{64})+", line) for line in wanted)


# ---- path dependencies --------------------------------------------------------------------------

LOCK = {
    "package": [
        {"name": "greeting", "source": {"type": "directory", "url": "libs/greeting"},
         "groups": ["main"]},
        {"name": "fixtures", "source": {"type": "directory", "url": "libs/fixtures"},
         "groups": ["test"]},
        {"name": "plugin", "source": {"type": "directory", "url": "libs/plugin"},
         "groups": ["main"], "optional": True},
        {"name": "six", "groups": ["main"]},
        {"name": "legacy", "source": {"type": "directory", "url": "libs/legacy"},
         "category": "main"},
    ],
    "extras": {"plugins": ["plugin (*)"]},
}  # fmt: skip


@pytest.mark.parametrize(
    ("groups", "extras", "folders"),
    [
        ({"main"}, [], ["libs/greeting", "libs/legacy"]),
        ({"main", "test"}, [], ["libs/greeting", "libs/fixtures", "libs/legacy"]),
        ({"main"}, ["plugins"], ["libs/greeting", "libs/plugin", "libs/legacy"]),
    ],
    ids=["main", "with-a-group", "with-an-extra"],
)
def test_prod_builds_the_path_dependencies_of_its_groups_and_extras(
    groups: set[str], extras: list[str], folders: list[str]
) -> None:
    assert kit_build.path_dependencies(LOCK, groups, extras) == folders


@pytest.mark.parametrize(
    ("pyproject", "named", "groups"),
    [
        (PROJECT, "", "main"),
        (PROJECT, "web, test", "main,web,test"),
        ({"project": {"name": "lib"}}, "web", "web"),
        ({"project": {"name": "lib"}}, "", ""),
    ],
    ids=["main", "main-and-prod-groups", "prod-groups-only", "none"],
)
def test_prod_installs_the_main_group_where_declared_and_the_prod_groups(
    pyproject: dict, named: str, groups: str
) -> None:
    assert kit_build.prod_groups(pyproject, named) == groups


def test_a_path_dependency_outside_the_build_context_stops_the_build_saying_why(
    tmp_path: Path,
) -> None:
    with pytest.raises(kit_build.BuildError) as stopped:
        kit_build.build_wheel(str(tmp_path / "libs" / "gone"), str(tmp_path / "dist"))

    assert "not in the build context" in str(stopped.value)
    assert ".dockerignore lets through" in str(stopped.value)


def test_an_unknown_app_install_stops_the_build_before_anything_is_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("APP_INSTALL", "wheel")

    with pytest.raises(kit_build.BuildError) as stopped:
        kit_build.app_files("/nonexistent")

    assert str(stopped.value) == "APP_INSTALL is 'wheel': use package, files or both."


def test_the_venv_keeps_only_the_git_clones_an_editable_install_runs_from(
    tmp_path: Path,
) -> None:
    for name in ("used", "spent"):
        (tmp_path / "src" / name / ".git").mkdir(parents=True)
    record = tmp_path / "lib" / "python3.14" / "site-packages" / "used-1.dist-info"
    record.mkdir(parents=True)
    url = f"file://{tmp_path}/src/used"
    (record / "direct_url.json").write_text(f'{{"dir_info": {{"editable": true}}, "url": "{url}"}}')

    assert kit_build.unused_clones(tmp_path) == [tmp_path / "src" / "spent"]


def test_settle_gives_a_checkouts_modes_and_the_fixed_time(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir(mode=0o777)
    (tmp_path / "pkg" / "mod.py").write_text("")
    (tmp_path / "pkg" / "mod.py").chmod(0o666)
    (tmp_path / "run").write_text("")
    (tmp_path / "run").chmod(0o700)
    (tmp_path / "link").symlink_to("run")

    kit_build.settle(tmp_path)

    modes = {p.name: p.lstat().st_mode & 0o777 for p in tmp_path.rglob("*") if not p.is_symlink()}
    assert modes == {"pkg": 0o755, "mod.py": 0o644, "run": 0o755}
    times = {p.lstat().st_mtime for p in [tmp_path, *tmp_path.rglob("*")]}
    assert times == {kit_build.FIXED_TIME}


# ---- the app's files ----------------------------------------------------------------------------


def wheel_of(folder: Path, files: dict[str, str]) -> Path:
    path = folder / "pkg-1-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for name, text in files.items():
            wheel.writestr(name, text)
    return path


def test_an_application_ships_every_file_but_poetrys_and_the_kits(tmp_path: Path) -> None:
    for name in ["main.py", "pyproject.toml", "poetry.lock", "kit_build.py", "alembic.ini"]:
        (tmp_path / name).write_text("")
    (tmp_path / "templates").mkdir()

    entries = kit_build.app_entries(tmp_path, [], [])

    assert [path.name for path in entries] == ["alembic.ini", "main.py", "templates"]


def test_both_ships_what_the_wheel_lacks_and_not_the_folder_it_was_built_from(
    tmp_path: Path,
) -> None:
    (tmp_path / "src" / "svc").mkdir(parents=True)
    (tmp_path / "src" / "svc" / "__init__.py").write_text("VERSION = 1\n")
    (tmp_path / "libs" / "greeting").mkdir(parents=True)
    (tmp_path / "serve.py").write_text("import svc\n")
    (tmp_path / "data").mkdir()
    wheel = wheel_of(tmp_path, {"svc/__init__.py": "VERSION = 1\n", "svc-1.dist-info/RECORD": ""})
    wheel.rename(tmp_path.parent / wheel.name)

    entries = kit_build.app_entries(tmp_path, [tmp_path.parent / wheel.name], ["libs/greeting"])

    assert [path.name for path in entries] == ["data", "serve.py"]


def test_stage_files_copies_the_app_to_prods_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, app = tmp_path / "project", tmp_path / "app"
    (project / "static").mkdir(parents=True)
    (project / "static" / "site.css").write_text("body {}\n")
    (project / "main.py").write_text("print('hi')\n")
    (project / "poetry.lock").write_text("")
    app.mkdir()
    monkeypatch.chdir(project)

    kit_build.stage_files(str(app), [], [])

    found = sorted(p.relative_to(app).as_posix() for p in app.rglob("*"))
    assert found == ["main.py", "static", "static/site.css"]


# ---- bytecode -----------------------------------------------------------------------------------


def test_compile_gives_bytecode_only_where_it_is_missing_or_stale(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("A = 1\n")
    (tmp_path / "pkg" / "b.py").write_text("B = 1\n")

    before = kit_build.stale_bytecode(tmp_path)
    kit_build.compile_venv(str(tmp_path))
    after = kit_build.stale_bytecode(tmp_path)
    (tmp_path / "pkg" / "b.py").write_text("B = 2\n")
    changed = kit_build.stale_bytecode(tmp_path)

    assert [p.name for p in before] == ["a.py", "b.py"]
    assert after == []
    assert [p.name for p in changed] == ["b.py"]


def test_a_file_that_does_not_compile_stays_without_bytecode_and_the_build_goes_on(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "good.py").write_text("GOOD = 1\n")
    (tmp_path / "py2.py").write_text("print 'hello'\n")

    kit_build.compile_venv(str(tmp_path))

    assert [p.name for p in kit_build.stale_bytecode(tmp_path)] == ["py2.py"]
    assert "they stay without bytecode, as pip leaves them" in capfd.readouterr().out


# ---- the smoke test -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (
            OSError("libGL.so.1: cannot open shared object file"),
            "error: prod cannot import m: a system library it loads is missing (above): add its"
            " Debian package to RUNTIME_PACKAGES",
        ),
        (ImportError("no pq wrapper available: libpq library not found"), "a system library"),
        (
            ModuleNotFoundError("No module named 'pytest'"),
            "error: prod cannot import m (above): "
            "is what it imports in the main dependencies (or PROD_GROUPS)",
        ),
        (
            PermissionError(13, "Permission denied", "/app/.files"),
            "error: importing m writes where the app's user cannot (above)",
        ),
        (FileNotFoundError(2, "No such file", "settings.yaml"), "warning: importing m ran code"),
        (KeyError("SECRET_KEY"), "warning: importing m ran code that failed here (above)"),
        (RuntimeError("no database"), "warning: importing m ran code that failed here"),
    ],
    ids=["shared-object", "libpq", "module", "write", "file", "setting", "database"],
)
def test_the_smoke_test_says_what_a_failed_import_means(error: Exception, said: str) -> None:
    assert said in kit_build.diagnosis("m", error)


@contextmanager
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, modules: dict[str, str]) -> Iterator:
    """A distribution `svc` on the import path, holding these top-level modules."""
    site = tmp_path / "site"
    info = site / "svc-1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: svc\nVersion: 1\n")
    (info / "RECORD").write_text("".join(f"{name},,\n" for name in modules))
    for name, text in modules.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text)
    monkeypatch.syspath_prepend(str(site))
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "svc"\n')
    (tmp_path / "app").mkdir()
    yield tmp_path
    for name in modules:
        monkeypatch.delitem(__import__("sys").modules, name.split("/")[0].removesuffix(".py"),
                            raising=False)  # fmt: skip


def test_the_smoke_test_imports_the_projects_modules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    modules = {"svc_ok/__init__.py": "OK = 1\n", "svc_cli.py": "import svc_ok\n"}
    with installed(tmp_path, monkeypatch, modules) as folder:
        assert kit_build.top_modules(kit_build.load(folder / "pyproject.toml")) == [
            "svc_cli", "svc_ok"
        ]  # fmt: skip
        kit_build.smoke(str(folder / "pyproject.toml"), str(folder / "app"))


def test_the_smoke_test_undoes_what_imports_write_into_the_writable_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logs = tmp_path / "logs"
    (logs / "kept").mkdir(parents=True)
    os.utime(logs, (315532800, 315532800))
    writes = f"import os\nos.makedirs({str(logs / 'new')!r})\nopen({str(logs / 'a.log')!r}, 'w')\n"
    monkeypatch.setenv("WRITABLE_PATHS", str(logs))
    with installed(tmp_path, monkeypatch, {"svc_logs.py": writes}) as folder:
        kit_build.smoke(str(folder / "pyproject.toml"), str(folder / "app"))

    assert sorted(path.name for path in logs.iterdir()) == ["kept"]
    assert logs.stat().st_mtime == 315532800


def test_the_smoke_test_stops_the_build_for_a_module_prod_lacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    modules = {"svc_needs_dev.py": "import a_dev_only_package_nobody_has\n"}
    with (
        installed(tmp_path, monkeypatch, modules) as folder,
        pytest.raises(BuildError, match="prod cannot import svc_needs_dev"),
    ):
        kit_build.smoke(str(folder / "pyproject.toml"), str(folder / "app"))


def test_the_smoke_test_warns_of_code_that_needs_the_running_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    modules = {"svc_settings.py": "import os\n\nSECRET = os.environ['SVC_SECRET_NOT_SET']\n"}
    with installed(tmp_path, monkeypatch, modules) as folder:
        kit_build.smoke(str(folder / "pyproject.toml"), str(folder / "app"))

    assert "warning: importing svc_settings ran code that failed" in capsys.readouterr().out


def test_the_smoke_test_stops_the_build_where_an_applications_module_is_not_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An application's files are in /app, which prod's PYTHONPATH names: a module there that
    Python does not find would fail at start. gunicorn.conf.py is no module."""
    with installed(tmp_path, monkeypatch, {}) as folder:
        (folder / "app" / "gunicorn.conf.py").write_text("bind = '0.0.0.0:8000'\n")
        (folder / "app" / "svc_main.py").write_text("")
        with pytest.raises(BuildError, match=r"svc_main\.py is not importable"):
            kit_build.smoke(str(folder / "pyproject.toml"), str(folder / "app"))
        monkeypatch.syspath_prepend(str(folder / "app"))  # as PYTHONPATH=/app does
        kit_build.smoke(str(folder / "pyproject.toml"), str(folder / "app"))


def test_the_smoke_test_imports_the_module_the_start_command_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """APP_MODULE as the wheel installs it imports; the checkout's path to it (a source folder
    in front, as a namespace package assembled from several folders has it) stops the build."""
    modules = {"acme/billing/__init__.py": "", "acme/billing/api.py": "app = object()\n"}
    with installed(tmp_path, monkeypatch, modules) as folder:
        kit_build.smoke(str(folder / "pyproject.toml"), str(folder / "app"), "acme.billing.api")
        checkout = "services.acme.billing.api"
        with pytest.raises(BuildError, match=rf"prod cannot import {re.escape(checkout)}, the"):
            kit_build.smoke(str(folder / "pyproject.toml"), str(folder / "app"), checkout)


def test_the_smoke_test_of_the_served_module_warns_of_what_it_imports_with_the_builds_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The served module's own imports follow settings that prod's start may set otherwise (a
    Django wsgi module loads the settings DJANGO_SETTINGS_MODULE names, which the CMD gives
    gunicorn): what fails there only warns; the top-level modules were checked."""
    with installed(tmp_path, monkeypatch, {}) as folder:
        (folder / "app" / "svc_web.py").write_text("import svc_dev_only_settings_module\n")
        monkeypatch.syspath_prepend(str(folder / "app"))  # as PYTHONPATH=/app does
        kit_build.smoke(str(folder / "pyproject.toml"), str(folder / "app"), "svc_web")
        monkeypatch.delitem(__import__("sys").modules, "svc_web", raising=False)

    assert "warning: importing svc_web, which the start command serves" in capsys.readouterr().out


def test_the_smoke_test_of_the_served_module_stops_for_a_write_prod_denies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A module that writes into the app's read-only files at import fails at every start."""
    with installed(tmp_path, monkeypatch, {}) as folder:
        write = "raise PermissionError(13, 'Permission denied', '/app/.files')\n"
        (folder / "app" / "svc_files.py").write_text(write)
        monkeypatch.syspath_prepend(str(folder / "app"))
        with pytest.raises(BuildError, match="importing svc_files writes where the app's user"):
            kit_build.smoke(str(folder / "pyproject.toml"), str(folder / "app"), "svc_files")
        monkeypatch.delitem(__import__("sys").modules, "svc_files", raising=False)


# ---- the SBOM's subject -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pyproject", "subject"),
    [
        (PROJECT, '[project]\nname = "svc"\nversion = "2.0.0"\ndescription = "a service"\n'),
        (POETRY_1, '[project]\nname = "flat"\nversion = "1.2.3"\ndescription = "about it"\n'),
        ({"project": {"name": 'say "hi"'}}, '[project]\nname = "say \\"hi\\""\n'),
    ],
    ids=["project", "poetry-1", "quotes"],
)
def test_the_sbom_names_the_project_as_its_subject(pyproject: dict, subject: str) -> None:
    assert kit_build.sbom_subject(pyproject) == subject
    assert tomllib.loads(subject)["project"]["name"]


# ---- the health check ---------------------------------------------------------------------------


@contextmanager
def answering(status: int) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 that answers every GET with `status`: its URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status)
            self.send_header("Location", "https://example.invalid/")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/health?deep=1"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("status", "healthy"),
    [(200, True), (302, True), (404, True), (500, False), (503, False)],
)
def test_the_health_check_counts_any_answer_below_500_as_healthy(
    status: int, healthy: bool
) -> None:
    with answering(status) as url:
        assert kit_build.healthy(url) is healthy


def test_the_health_check_fails_where_nothing_listens() -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    with pytest.raises(ConnectionRefusedError):
        kit_build.healthy(f"http://127.0.0.1:{port}/")


def test_the_health_check_of_an_app_that_serves_nothing_asks_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HEALTHCHECK_URL", "")

    assert kit_build.main(["health"]) == 0


# ---- the command line ---------------------------------------------------------------------------


def test_an_unknown_step_gets_the_list_of_steps(capsys: pytest.CaptureFixture[str]) -> None:
    assert kit_build.main(["build-everything"]) == 2
    assert "usage: kit_build.py {reduce,uv,poetry,wheel,app-files,venv" in capsys.readouterr().err


def test_a_step_that_stops_the_build_says_error_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, "[project]\n", lock=False)

    assert kit_build.main(["reduce", str(tmp_path)]) == 1
    assert capsys.readouterr().err.startswith("error: poetry.lock was not found")


def test_wheel_builds_a_poetry_projects_folder(tmp_path: Path) -> None:
    folder = write_project(
        tmp_path / "lib",
        '[project]\nname = "lib"\nversion = "1.0"\n\n[build-system]\n'
        'requires = ["poetry-core>=2"]\nbuild-backend = "poetry.core.masonry.api"\n',
    )
    (folder / "lib").mkdir()
    (folder / "lib" / "__init__.py").write_text("")
    here = Path.cwd()
    try:
        kit_build.wheel(str(folder), str(tmp_path / "dist"))
    finally:
        os.chdir(here)

    (wheel,) = (tmp_path / "dist").glob("*.whl")
    assert wheel.name.startswith("lib-1.0-") and wheel.name.endswith("-none-any.whl")
    assert "lib/__init__.py" in zipfile.ZipFile(wheel).namelist()


def test_a_failed_assets_command_stops_the_build_with_the_command_to_give_instead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ASSETS_COMMAND", "exit 3")
    monkeypatch.setenv("WRITABLE_PATHS", "")

    with pytest.raises(kit_build.BuildError) as stopped:
        kit_build.assets()

    assert str(stopped.value).endswith('ASSETS_COMMAND="SECRET_KEY=build exit 3".')
