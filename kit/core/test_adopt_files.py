"""What adopt writes and how: your files merged (yours win), the kit's files rendered for the
project, all written or none, and the refusals that come before Poetry runs. No Docker."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from adoption import cli, merge, render, write
from adoption.common import SECTION_END, Stop, dumps, normalize_name
from adoption.decide import decide

from kit.core.example import REPO, project


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


# ---- your files, merged ------------------------------------------------------------------------


def test_jsonc_reads_vs_codes_comments_and_trailing_commas() -> None:
    text = '{\n  // a comment\n  "a": "http://x", /* more */\n  "b": [1, 2,],\n}\n'

    assert merge.jsonc(text, "settings.json") == {"a": "http://x", "b": [1, 2]}


def test_broken_json_stops_adopt_naming_the_file() -> None:
    with pytest.raises(Stop, match=r"^\.vscode/settings\.json is not valid JSON"):
        merge.jsonc('{"a": }', ".vscode/settings.json")


def test_your_vscode_settings_win_but_a_host_interpreter_goes(tmp_path: Path) -> None:
    settings = '{\n  "python.defaultInterpreterPath": "${workspaceFolder}/.venv/bin/python",\n'
    settings += '  "editor.rulers": [88],\n  "python.testing.pytestEnabled": false,\n}\n'
    tree(tmp_path, {".vscode/settings.json": settings, "tests/test_a.py": ""})

    text, dropped = merge.merged_settings(tmp_path)

    merged = json.loads(text)
    assert dropped == ["python.defaultInterpreterPath (${workspaceFolder}/.venv/bin/python)"]
    assert "python.defaultInterpreterPath" not in merged  # devcontainer.json's /opt/venv wins
    assert merged["editor.rulers"] == [88] and merged["python.testing.pytestEnabled"] is False
    assert merged["python.testing.pytestArgs"] == ["tests"]


def test_extensions_are_yours_then_the_kits(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {".vscode/extensions.json": '{"recommendations": ["me.mine", "ms-python.python"]}'},
    )

    found = json.loads(merge.merged_extensions(tmp_path))["recommendations"]

    assert found[:2] == ["me.mine", "ms-python.python"] and "charliermarsh.ruff" in found


@pytest.mark.parametrize(
    ("gitignore", "ignored"),
    [("dist/\n*.lock\n", True), ("/poetry.lock\n", True), ("*.lock\n!poetry.lock\n", False),
     ("# poetry.lock\n", False), ("", False)],
    ids=["glob", "rooted", "let-in-again", "comment", "none"],
)  # fmt: skip
def test_adopt_tells_whether_gitignore_keeps_the_lock_out(gitignore: str, ignored: bool) -> None:
    assert merge.ignores_the_lock(gitignore) is ignored


def test_a_lock_that_gitignore_ignored_is_let_into_git(tmp_path: Path) -> None:
    tree(tmp_path, {".gitignore": "dist/\n*.lock\n", "poetry.lock": "", "pyproject.toml": ""})

    text, ignored = merge.merged_gitignore(tmp_path)
    (tmp_path / ".gitignore").write_text(text)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "add", "-A"], check=True)
    listed = subprocess.run(["git", "-C", str(tmp_path), "ls-files"], capture_output=True,
                            text=True, check=True).stdout.split()  # fmt: skip

    assert ignored and text.startswith("dist/\n*.lock\n")
    assert "poetry.lock" in listed


def test_gitattributes_keeps_the_kits_files_lf_in_a_windows_clone(tmp_path: Path) -> None:
    tree(tmp_path, {".gitattributes": "*.png binary\n"})

    text = merge.merged_gitattributes(tmp_path)

    assert text.startswith("*.png binary\n")
    for name in ("Dockerfile", ".devcontainer/**", "*.sh", "kit_build.py"):
        assert f"{name} text eol=lf" in text
    assert merge.merged_gitattributes(tree(tmp_path, {".gitattributes": "* text=auto eol=lf\n"})) \
        == "* text=auto eol=lf\n"  # fmt: skip


def test_pre_commit_gets_the_kits_hooks_that_yours_lacks(tmp_path: Path) -> None:
    yours = "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n    rev: v0.9.0\n"
    yours += "    hooks:\n      - id: ruff\n"
    tree(tmp_path, {".pre-commit-config.yaml": yours})

    text = merge.merged_pre_commit(tmp_path)

    ids = re.findall(r"(?m)^\s*- id: ([\w-]+)", text)
    assert text.startswith(yours)
    assert ids.count("ruff") == 1 and "ruff-check" not in ids  # yours stands for both
    assert {"ruff-format", "poetry-check-lock", "check-toml"} <= set(ids)


# ---- the kit's files, rendered -----------------------------------------------------------------


def test_the_project_section_quotes_what_the_dockerfile_must_not_expand() -> None:
    found = project("src-package-with-extra")
    found.description = 'costs $HOME, "quoted"'

    section = render.project_section(found, decide(found))

    assert 'ARG IMAGE_DESCRIPTION="costs \\$HOME, \\"quoted\\""' in section
    assert 'CMD ["acme-api"]' in section and SECTION_END not in section


def test_a_newer_kit_adds_its_settings_to_your_section_after_yours() -> None:
    kit = render.kit_section()
    older = kit.replace("# The port the app serves on: prod's EXPOSE.\nARG APP_PORT=8000\n", "")
    yours = older.replace("ARG PROD_GROUPS=\n", "ARG PROD_GROUPS=web\n")

    merged, added = render.with_new_settings(yours, kit)

    assert added == ["ARG APP_PORT=8000"]
    assert "ARG PROD_GROUPS=web\n" in merged
    assert merged.index("ARG APP_PORT=8000") > merged.index("ARG IMAGE_SOURCE=")


def test_a_newer_kit_gives_your_section_the_environment_your_app_needs_after_your_cmd() -> None:
    """A Gradio project adopted before the ENV lines that let Gradio listen on every address."""
    found = project("self-serving-gradio")
    fresh = render.project_section(found, decide(found))
    env = re.search(r"(?m)^# Gradio.*\n(?:# .*\n)*ENV .*\\\n.*\n", fresh).group(0)
    cmd = 'CMD ["python", "-u", "app.py"]'  # yours
    yours = fresh.replace(env, "").replace('CMD ["python", "app.py"]', cmd)

    merged, added = render.with_new_settings(yours, fresh)

    assert cmd + "\n" + env in merged
    assert added == ["ENV GRADIO_SERVER_NAME=0.0.0.0 GRADIO_EXAMPLES_CACHE=/tmp/gradio/examples"]


def test_the_image_name_adopt_prints_is_one_docker_takes() -> None:
    # Docker's reference grammar for a repository path component (distribution/reference).
    component = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
    for name in ("Acme.API_Service", "My Project", "x__y", "a.b-c_d"):
        image = normalize_name(name.replace(" ", "-"))
        assert component.fullmatch(image), image
    assert normalize_name("Acme.API_Service") == "acme-api-service"


@pytest.mark.parametrize(
    ("command", "target"),
    [
        (["python", "-m", "bot"], {"module": "bot", "args": []}),
        (["python", "a.py", "-x"], {"program": "${workspaceFolder}/a.py", "args": ["-x"]}),
        (["uvicorn", "main:app"], {"program": "/opt/venv/bin/uvicorn", "args": ["main:app"]}),
    ],
    ids=["module", "script", "program"],
)  # fmt: skip
def test_f5_runs_the_start_command_under_debugpy(command: list[str], target: dict) -> None:
    run = json.loads(render.launch_json(command))["configurations"][0]

    assert {key: run[key] for key in target} == target
    assert run["type"] == "debugpy" and run["request"] == "launch"


def test_dumps_writes_short_lists_on_one_line() -> None:
    text = dumps({"a": [1, 2], "b": ["x" * 60, "y" * 60], "c": {"d": []}})

    assert '"a": [1, 2],' in text
    assert '"b": [\n' in text  # too long for one line


# ---- writing, all or nothing -------------------------------------------------------------------


def test_adopt_keeps_your_dockerfile_and_devcontainer_aside_with_force(tmp_path: Path) -> None:
    tree(tmp_path, {"Dockerfile": "FROM python\n", ".devcontainer/devcontainer.json": "{}\n",
                    ".devcontainer/extra/script.sh": "echo\n"})  # fmt: skip

    keep = write.check_ownership(tmp_path, force=True)
    write.write_all(tmp_path, {"Dockerfile": "kit\n", ".devcontainer/devcontainer.json": "k\n"},
                    keep)  # fmt: skip

    assert sorted(keep) == [".devcontainer", "Dockerfile"]
    assert (tmp_path / "Dockerfile.orig").read_text() == "FROM python\n"
    assert (tmp_path / ".devcontainer.orig/extra/script.sh").read_text() == "echo\n"
    assert sorted(os.listdir(tmp_path / ".devcontainer")) == ["devcontainer.json"]


def test_adopt_run_as_root_leaves_what_it_writes_to_the_folders_owner(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true: this test runs adopt's writer as root")
        pytest.skip("needs root: what adopt run as root (sudo, a container) writes")
    tree(tmp_path, {"Dockerfile": "FROM python\n", "app.py": ""})
    os.chown(tmp_path, 1000, 1000)

    keep = write.check_ownership(tmp_path, force=True)
    write.write_all(tmp_path, {"Dockerfile": "kit\n", ".devcontainer/devcontainer.json": "{}",
                               ".vscode/settings.json": "{}"}, keep)  # fmt: skip

    owners = {str(p.relative_to(tmp_path)): (p.stat().st_uid, p.stat().st_gid)
              for p in tmp_path.rglob("*")}  # fmt: skip
    assert owners.pop("app.py") == (0, 0)  # yours, as it was
    assert set(owners) == {"Dockerfile", "Dockerfile.orig", ".devcontainer", ".vscode",
                           ".devcontainer/devcontainer.json", ".vscode/settings.json"}  # fmt: skip
    assert set(owners.values()) == {(1000, 1000)}


def test_adopt_refuses_your_docker_files_without_force_and_changes_nothing(tmp_path: Path) -> None:
    tree(tmp_path, {"Dockerfile": "FROM python\n", ".dockerignore": "*\n"})

    with pytest.raises(Stop, match=r"^Dockerfile, \.dockerignore already there .* --force"):
        write.check_ownership(tmp_path, force=False)


def test_force_stops_where_the_kept_folder_would_land_on_an_older_one(tmp_path: Path) -> None:
    tree(tmp_path, {".devcontainer/devcontainer.json": "{}", ".devcontainer.orig/a": ""})

    with pytest.raises(Stop, match=r"\.devcontainer\.orig/, which is there already"):
        write.check_ownership(tmp_path, force=True)


def test_a_failed_write_puts_every_file_back(tmp_path: Path) -> None:
    tree(tmp_path, {"Dockerfile": "mine\n", ".gitignore": "dist/\n", ".devcontainer/x": "mine\n"})
    before = snapshot(tmp_path)
    (tmp_path / "blocked").mkdir()  # a file cannot be written where a folder is

    with pytest.raises(OSError):
        write.write_all(tmp_path, {".gitignore": "new\n", ".vscode/settings.json": "{}",
                                   "blocked": "x"}, ["Dockerfile", ".devcontainer"])  # fmt: skip

    (tmp_path / "blocked").rmdir()
    assert snapshot(tmp_path) == before
    assert not (tmp_path / ".devcontainer.orig").exists()


def test_a_kit_file_you_edited_is_yours_the_project_section_always_is(tmp_path: Path) -> None:
    files = {
        "Dockerfile": render.dockerfile(render.kit_section()),
        ".devcontainer/on-create.sh": "k",
    }
    tree(tmp_path, {**files, ".devcontainer/kit-manifest.json": write.manifest(files)})
    edited = (tmp_path / "Dockerfile").read_text().replace("ARG PROD_GROUPS=", "ARG PROD_GROUPS=w")
    (tmp_path / "Dockerfile").write_text(edited)

    assert write.check_ownership(tmp_path, force=False) == []
    (tmp_path / ".devcontainer/on-create.sh").write_text("# my own steps\n")
    with pytest.raises(Stop, match=r"^\.devcontainer/on-create\.sh already there"):
        write.check_ownership(tmp_path, force=False)


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda root: root / "missing", "is not a folder"),
        (lambda root: root, "no pyproject.toml in"),
        (lambda root: REPO / "kit", "is inside the kit"),
    ],
    ids=["not-a-folder", "no-pyproject", "inside-the-kit"],
)
def test_adopt_refuses_what_is_no_project_before_running_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: object, said: str
) -> None:
    target = make(tmp_path)  # type: ignore[operator]

    assert cli.main([str(target)]) == 2
    assert said in capsys.readouterr().err


def test_adopts_help_says_what_it_does_in_its_first_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])

    first = capsys.readouterr().out.split("\n\n")[1]
    assert first.startswith("Bring the kit into an existing Poetry project")
    assert first.rstrip().endswith(".")


@pytest.mark.parametrize(
    ("folder", "code", "shipped"),
    [
        ("examples", 'PATH = Path(__file__).parent.parent / "examples"\n', True),
        ("docs", "open('docs/intro.md').read()\n", True),
        ("docs", 'app = FastAPI(docs_url="/docs")\n', False),  # a URL, not the folder
        ("tests", 'pytest.main(["tests"])\n', False),  # never shipped
        (".data", 'Path(".data")\n', False),  # nor a hidden folder
    ],
    ids=["examples", "docs-file", "docs-url", "tests", "hidden"],
)
def test_a_folder_usually_left_out_gets_in_where_the_apps_code_reads_it(
    folder: str, code: str, shipped: bool
) -> None:
    assert render.read_by_the_app(folder, code) is shipped
