"""The files the kit writes for a project, from its Project and its Decisions."""

from __future__ import annotations

import json
import re
from pathlib import Path

from .common import KIT, MANIFEST, NEVER_SHIPPED, NOT_APP, SECTION_END, dumps
from .decide import Decisions
from .project import Project

SECRET_PATTERNS = ["**/.env*", "**/*.pem", "**/*.key", "**/id_rsa*", "**/id_ecdsa*",
                   "**/id_ed25519*"]  # fmt: skip
# What a self-serving framework's app needs from prod's environment, after its CMD.
FRAMEWORK_ENV = {
    "gradio": "\n# Gradio listens on 127.0.0.1 unless told, and caches its examples in the working"
    "\n# directory, which the app user cannot write: every address, and /tmp."
    "\nENV GRADIO_SERVER_NAME=0.0.0.0 \\\n    GRADIO_EXAMPLES_CACHE=/tmp/gradio/examples",
}


def quoted(value: str) -> str:
    """A Dockerfile ARG value: one line, double-quoted, with no `$` expanded."""
    return json.dumps(" ".join(value.split())).replace("$", "\\$")


def listed(values: list[str]) -> str:
    return quoted(" ".join(values)) if values else ""


def kit_section() -> str:
    kit = (KIT / "Dockerfile").read_text()
    return kit[: kit.index(SECTION_END)]


def section_values(project: Project, decided: Decisions) -> dict[str, str]:
    """The project section's ARG values, as the Dockerfile writes them."""
    return {
        "PYTHON_VERSION": project.python,
        "APP_INSTALL": decided.install,
        "PROD_GROUPS": ",".join(decided.prod_groups),
        "PROD_EXTRAS": listed(decided.prod_extras),
        "BUILD_PACKAGES": listed(decided.build_packages),
        "RUNTIME_PACKAGES": listed(decided.runtime_packages),
        "ASSETS_COMMAND": quoted(decided.assets) if decided.assets else "",
        "APP_PORT": decided.port,
        "HEALTHCHECK_URL": decided.health,
        "WRITABLE_PATHS": listed([path for path, _ in decided.writable]),
        "APP_MODULE": decided.module,
        "IMAGE_TITLE": quoted(project.name),
        "IMAGE_DESCRIPTION": quoted(project.description or project.name),
        "IMAGE_SOURCE": quoted(project.source),
    }


def project_section(project: Project, decided: Decisions) -> str:
    """The Dockerfile's first section, for this project, from the kit's own."""
    section = kit_section()
    for key, value in section_values(project, decided).items():  # verbatim: no regex escapes
        section = re.sub(rf"(?m)^ARG {key}=.*$", lambda _, k=key, v=value: f"ARG {k}={v}", section)
    cmd = "CMD " + json.dumps(decided.command) + FRAMEWORK_ENV.get(decided.serves_itself, "")
    return re.sub(r"(?m)^CMD \[.*\]$", lambda _: cmd, section)


def with_new_settings(kept: str, fresh: str) -> tuple[str, list[str]]:
    """Your project section, with each setting (ARG) of the kit's that it lacks, as a newer kit
    adds them, comment and all, after your last one, and the environment your app's start needs
    (Gradio's ENV) after your CMD where it lacks it; and the lines added."""
    declared = set(re.findall(r"(?m)^ARG (\w+)", kept))
    blocks = re.findall(r"(?m)((?:^# .*\n)*)^(ARG (\w+)=.*\n)", fresh)
    missing = [(comment, line) for comment, line, name in blocks if name not in declared]
    lines = [line.strip() for _, line in missing]
    if missing:
        end = list(re.finditer(r"(?m)^ARG .*\n", kept))[-1].end()
        kept = kept[:end] + "".join(comment + line for comment, line in missing) + kept[end:]
    envs = re.findall(r"(?m)((?:^# .*\n)*)^(ENV (\w+)=.*\n(?:[ \t]+.*\n)*)", fresh)
    for comment, env, name in envs:
        if not re.search(rf"\b{name}=", kept):
            cmd = re.search(r"(?m)^CMD .*\n", kept)
            at = cmd.end() if cmd else len(kept)
            kept = kept[:at] + comment + env + kept[at:]
            lines.append(" ".join(env.replace("\\", " ").split()))
    return kept, lines


def dockerfile(section: str) -> str:
    kit = (KIT / "Dockerfile").read_text()
    return section + kit[kit.index(SECTION_END) :]


# What deploys, documents or builds the project but what the app reads: kept out of prod's build
# context, unless its code names it.
DEPLOYMENT = {"Procfile", "app.json", "heroku.yml", "fly.toml", "render.yaml", "railway.json",
              "railway.toml", "nixpacks.toml", "vercel.json", "netlify.toml", "Justfile",
              "justfile", "Taskfile.yml", "mkdocs.yml", "codecov.yml", "renovate.json",
              "docker-compose.yaml", "fabfile.py"}  # fmt: skip
# Files of another project inside this one (a front end, a service of its own).
PROJECT_FILES = ("pyproject.toml", "package.json", "setup.py", "Cargo.toml", "go.mod")


def not_the_apps(path: Path) -> bool:
    """A deployment manifest, a document (README.md, CHANGELOG.rst), or a folder that is a
    project of its own (frontend/ with its package.json)."""
    if path.is_dir():
        return any((path / name).is_file() for name in PROJECT_FILES)
    return path.name in DEPLOYMENT or path.suffix in (".md", ".rst")


def read_by_the_app(folder: str, code: str) -> bool:
    """Whether the app's code names a folder that is usually no part of an app (examples/, docs/)
    as a path: `Path(__file__).parent / "examples"`, `open("docs/...")`. It reads it at run time."""
    if folder in NEVER_SHIPPED or folder.startswith("."):
        return False
    return re.search(rf"""['"]{re.escape(folder)}(/[^'"]*)?['"]""", code) is not None


def dockerignore(project: Project, install: str) -> str:
    """An allowlist: Poetry's files, what the wheel is built from (wherever it is), and the app's
    top-level entries; for a package (APP_INSTALL=package) only what its wheel is built from."""
    keep = []
    named = "\n".join(project.text(path) for path in project.python_files())
    for path in sorted(project.root.iterdir()):
        name = path.name
        needed = name in project.build_reads or name in project.path_dependencies
        if (
            not needed
            and (name.startswith(".") or name in NOT_APP or name.endswith((".egg-info", ".orig")))
            and not (path.is_dir() and read_by_the_app(name, named))
        ):
            continue
        if not needed and not_the_apps(path) and not re.search(rf"\b{re.escape(name)}\b", named):
            continue
        if install == "package" and not needed:
            continue
        app_file = re.search(r"\.(py|toml|lock|txt|md|rst|cfg|ini|json|ya?ml)$|^[A-Z]+", name)
        if path.is_file() and not needed and not app_file:
            continue
        keep.append(f"!{name}/" if path.is_dir() else f"!{name}")
    keep += [f"!{folder}/" for folder in project.path_dependencies]  # built into prod too
    lines = [
        "# Allowlist (written by the kit's scripts/adopt): the build needs only these. Everything",
        "# else (.git, .venv, .env files, tests, docs, caches, secrets) never reaches the build.",
        "*",
        "!pyproject.toml",
        "!poetry.lock",
        "!poetry-requirements.txt",
        "!sbom-requirements.txt",
        "!kit_build.py",
        *keep,
        "# ...and, inside those, nothing that is not the app's.",
        "**/__pycache__",
        "**/*.py[cod]",
        "**/*.egg-info",
        "**/tests",
        "**/test_*.py",
        "**/*_test.py",
        "**/conftest.py",
        *SECRET_PATTERNS,
    ]
    return "\n".join(dict.fromkeys(lines)) + "\n"


def devcontainer(project: Project, port: str) -> str:
    config = json.loads((KIT / ".devcontainer" / "devcontainer.json").read_text())
    config["name"] = project.name
    sync = ["poetry", "sync", "--all-groups", "--all-extras"]
    if project.packages is None:
        sync.append("--no-root")
        # Nothing is installed from the workspace: its modules are found from its root.
        config["remoteEnv"] = {"PYTHONPATH": "${containerWorkspaceFolder}"}
    config["updateContentCommand"] = sync
    # The port the app serves on, forwarded to the host when it listens.
    config["forwardPorts"] = [int(port)]
    config["portsAttributes"] = {port: config["portsAttributes"]["8000"]}
    return dumps(config)


def launch_json(command: list[str]) -> str:
    """F5 for this project: its start command under debugpy."""
    if command[:2] == ["python", "-m"]:
        target = {"module": command[2], "args": command[3:]}
    elif command[0] == "python":
        target = {"program": f"${{workspaceFolder}}/{command[1]}", "args": command[2:]}
    else:
        target = {"program": f"/opt/venv/bin/{command[0]}", "args": command[1:]}
    configs = [
        {"name": "Run the app", "type": "debugpy", "request": "launch", **target,
         "justMyCode": True},
        {"name": "Debug tests", "type": "debugpy", "request": "launch",
         "purpose": ["debug-test"], "console": "integratedTerminal", "justMyCode": False},
        {"name": "Attach (port 5678)", "type": "debugpy", "request": "attach",
         "connect": {"host": "localhost", "port": 5678}},
    ]  # fmt: skip
    return dumps({"version": "0.2.0", "configurations": configs})


def kit_file(name: str) -> str:
    return (KIT / name).read_text()


def adopted_before(root: Path) -> str:
    """Your project section, where the kit was adopted before (edits and all); else ""."""
    path = root / "Dockerfile"
    text = path.read_text() if path.exists() else ""
    if (root / MANIFEST).exists() and SECTION_END in text:
        return text[: text.index(SECTION_END)]
    return ""
