"""What the container step refuses, and what it reads, before and besides Poetry's own work: a
project that is not Poetry's, a readme it names but lacks, a Poetry it does not allow, a stale
lock; its groups, main dependencies, console scripts and source URL. Each message says what to
do. Run here on projects written to a folder, as the step runs them on its copy."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from adoption import facts
from adoption.common import Stop

from kit.core.example import REPO

KITS_POETRY = next(
    line.split("==")[1].strip()
    for line in (REPO / "poetry-requirements.txt").read_text().splitlines()
    if line.startswith("poetry==")
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder the container step works on (/project there)."""
    monkeypatch.setattr(facts, "PROJECT", tmp_path)
    return tmp_path


def read(root: Path, pyproject: str) -> dict:
    (root / "pyproject.toml").write_text(pyproject)
    return facts.read()


@pytest.mark.parametrize(
    ("pyproject", "said"),
    [
        ('[project]\nname = "a"\n[tool.pdm]\ndistribution = true\n', " (it uses PDM)"),
        ('[project]\nname = "a"\n[tool.uv]\ndev-dependencies = []\n', " (it uses uv)"),
        ('[build-system]\nbuild-backend = "hatchling.build"\n', " (it uses Hatch)"),
        ('[project]\nname = "a"\n[tool.setuptools]\npackages = []\n', " (it uses setuptools)"),
        ('[project]\nname = "a"\n', ""),
    ],
    ids=["pdm", "uv", "hatch", "setuptools", "plain"],
)
def test_adopt_refuses_a_project_that_is_not_poetrys(
    project: Path, pyproject: str, said: str
) -> None:
    data = read(project, pyproject)

    with pytest.raises(Stop) as stopped:
        facts.check_it_is_poetry(data)

    assert str(stopped.value).startswith(
        f"this kit is for Poetry projects, and this one is not{said}:"
    )
    assert "poetry init" in str(stopped.value)


@pytest.mark.parametrize(
    "pyproject",
    ['[tool.poetry]\nname = "a"\n', '[build-system]\nbuild-backend = "poetry.core.masonry.api"\n'],
    ids=["tool-poetry", "backend"],
)
def test_a_poetry_project_is_one_by_its_table_or_its_backend(project: Path, pyproject: str) -> None:
    facts.check_it_is_poetry(read(project, pyproject))


def test_a_project_with_a_lock_is_poetrys(project: Path) -> None:
    (project / "poetry.lock").write_text("")

    facts.check_it_is_poetry(read(project, '[project]\nname = "a"\n'))


def test_broken_toml_stops_adopt_saying_where(project: Path) -> None:
    with pytest.raises(Stop, match=r"pyproject.toml is not valid TOML \(.*line 2"):
        read(project, '[project]\nname = "a\n')


@pytest.mark.parametrize(
    ("readme", "said"),
    [("readme.md", "names the readme README.md, and the project has readme.md: Linux"),
     (None, "names the readme README.md, which the project does not have")],
    ids=["other-case", "missing"],
)  # fmt: skip
def test_adopt_refuses_a_readme_that_pyproject_names_and_the_project_lacks(
    project: Path, readme: str | None, said: str
) -> None:
    if readme:
        (project / readme).write_text("# a\n")
    data = read(project, '[project]\nname = "a"\nreadme = "README.md"\n')

    with pytest.raises(Stop, match=said):
        facts.check_readmes(data)


def test_a_readme_in_a_folder_and_a_readme_list_are_found(project: Path) -> None:
    (project / "docs").mkdir()
    (project / "docs" / "README.md").write_text("")
    (project / "CHANGES.rst").write_text("")
    pyproject = '[project]\nname = "a"\nreadme = {file = "docs/README.md"}\n'
    pyproject += '[tool.poetry]\nreadme = ["docs/README.md", "CHANGES.rst"]\n'

    facts.check_readmes(read(project, pyproject))


@pytest.mark.parametrize(("wanted", "refused"), [(">=99", True), (">=2.0", False), (None, False)])
def test_adopt_refuses_a_project_that_requires_another_poetry(
    project: Path, wanted: str | None, refused: bool
) -> None:
    pyproject = '[tool.poetry]\nname = "a"\n' + (
        f'requires-poetry = "{wanted}"\n' if wanted else ""
    )
    data = read(project, pyproject)

    if not refused:
        facts.check_poetry_version(data, KITS_POETRY)
        return
    with pytest.raises(Stop, match=rf"requires Poetry >=99 .* kit installs Poetry {KITS_POETRY}"):
        facts.check_poetry_version(data, KITS_POETRY)


def checked(output: str, code: int = 1) -> subprocess.CompletedProcess[str]:
    return subprocess.CompletedProcess(["poetry", "check", "--lock"], code, output, "")


def test_a_stale_lock_stops_adopt_saying_to_run_poetry_lock() -> None:
    said = facts.what_check_found(checked(
        "Error: pyproject.toml changed significantly since poetry.lock was last generated. "
        "Run `poetry lock` to fix the lock file.\n"
    ))  # fmt: skip

    assert said.startswith(
        "poetry.lock does not match pyproject.toml (it is stale): run `poetry lock`"
    )


def test_adopt_goes_on_where_only_the_strict_check_objects(project: Path) -> None:
    """beets' docs extra names a dependency of a group; an unknown classifier: Poetry installs,
    locks and builds such a project, so adopt reports them and goes on."""
    data = read(project, '[tool.poetry]\nname = "a"\nversion = "1"\ndescription = ""\n'
                'authors = []\nclassifiers = ["Nonsense :: Here"]\n')  # fmt: skip
    errors = facts.check_errors(checked("Error: Unrecognized classifiers: ['Nonsense :: Here'].\n"))

    assert facts.only_the_check_minds(data, errors) == [
        "Unrecognized classifiers: ['Nonsense :: Here']."
    ]  # fmt: skip
    assert facts.only_the_check_minds(data, [*errors, "poetry.lock is stale"]) == []


def test_groups_are_read_from_every_place_poetry_keeps_them(project: Path) -> None:
    data = read(
        project,
        """\
[project]
name = "a"
dependencies = ["FastAPI[standard] (>=0.1)", "Six"]

[dependency-groups]
lint = ["ruff>=0.9"]

[tool.poetry.dependencies]
python = "^3.12"

[tool.poetry.group.test]
optional = true

[tool.poetry.group.test.dependencies]
httpx = "*"

[tool.poetry.dev-dependencies]
Black = "*"
""",
    )

    assert facts.groups(data) == {
        "test": {"optional": True, "names": {"httpx"}},
        "dev": {"optional": False, "names": {"black"}},
        "lint": {"optional": False, "names": {"ruff"}},
    }
    assert facts.main_dependencies(data) == {"fastapi", "six"}


def test_console_scripts_and_the_source_url_come_from_either_table(project: Path) -> None:
    data = read(
        project,
        """\
[project]
name = "a"
scripts = { a = "a.cli:main" }
urls = { Homepage = "https://example.invalid/home", Source = "https://example.invalid/src" }

[tool.poetry.scripts]
b = { reference = "b.cli:main", type = "console" }
""",
    )

    assert facts.scripts(data) == {"a": "a.cli:main", "b": "b.cli:main"}
    assert facts.source_url(data) == "https://example.invalid/src"


@pytest.mark.parametrize(
    ("pinned", "wanted", "versions", "note"),
    [
        ("3.13.1\n", "", ["3.13"], ""),
        ("3.9\n", "", ["3.14", "3.13", "3.12"], ".python-version's 3.9 has no python:3.9-slim"),
        ("3.13\n", "3.14", ["3.14"], ""),
    ],
    ids=["pinned", "no-image", "asked-for-wins"],
)
def test_the_python_version_file_picks_the_version_unless_one_is_asked_for(
    project: Path, pinned: str, wanted: str, versions: list[str], note: str
) -> None:
    (project / ".python-version").write_text(pinned)
    data = read(project, '[project]\nname = "a"\nrequires-python = ">=3.12"\n')

    chosen, _, unpinned = facts.pick(data, wanted)

    assert chosen == versions
    assert unpinned.startswith(note)
