"""Your files that the kit adds to, merged: yours win, the kit's lines go where yours lack them."""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path

from .common import KIT, Stop, dumps


def jsonc(text: str, name: str) -> dict:
    """VS Code's JSON with comments and trailing commas."""
    out, i, quoted = [], 0, False
    while i < len(text):
        c = text[i]
        if quoted:
            out.append(c)
            if c == "\\":
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                quoted = False
        elif c == '"':
            quoted = True
            out.append(c)
        elif text.startswith("//", i):
            i = text.find("\n", i) if "\n" in text[i:] else len(text)
            continue
        elif text.startswith("/*", i):
            i = text.index("*/", i) + 2
            continue
        else:
            out.append(c)
        i += 1
    try:
        return json.loads(re.sub(r",(\s*[}\]])", r"\1", "".join(out)) or "{}")
    except ValueError as error:
        raise Stop(f"{name} is not valid JSON ({error}): fix it, then run adopt again.") from None


def merged_settings(root: Path) -> tuple[str, list[str]]:
    """The kit's settings under yours (yours win), and the interpreter settings taken out: the
    container's interpreter is /opt/venv's, which devcontainer.json sets, and a workspace setting
    (a host's .venv) would win over it there."""
    path = root / ".vscode" / "settings.json"
    settings = jsonc(path.read_text(), ".vscode/settings.json") if path.exists() else {}
    dropped = []
    for key in ("python.defaultInterpreterPath", "python.pythonPath"):
        if key in settings and not str(settings[key]).startswith("/opt/venv/"):
            dropped.append(f"{key} ({settings.pop(key)})")
    kit = json.loads((KIT / ".vscode" / "settings.json").read_text())
    kit["python.testing.pytestArgs"] = ["tests"] if (root / "tests").is_dir() else []
    for key, value in kit.items():
        settings.setdefault(key, value)  # yours win
    return dumps(settings), dropped


def merged_extensions(root: Path) -> str:
    path = root / ".vscode" / "extensions.json"
    found = jsonc(path.read_text(), ".vscode/extensions.json") if path.exists() else {}
    kit = json.loads((KIT / ".vscode" / "extensions.json").read_text())["recommendations"]
    found["recommendations"] = list(dict.fromkeys([*found.get("recommendations", []), *kit]))
    return dumps(found)


def appended(text: str, comment: str, lines: list[str]) -> str:
    """A line-based file's text with the kit's missing lines added at its end, under a comment;
    as it was where none is missing."""
    if not lines:
        return text
    head = text.rstrip("\n") + "\n\n" if text.strip() else ""
    return head + "\n".join([comment, *lines]) + "\n"


def ignores_the_lock(text: str) -> bool:
    """Whether a .gitignore keeps poetry.lock out of git (as libraries once were advised to)."""
    ignored = False
    for line in text.splitlines():
        pattern = line.strip().removeprefix("!").removeprefix("/").removeprefix("**/")
        if not line.strip().startswith("#") and fnmatch.fnmatchcase("poetry.lock", pattern):
            ignored = not line.strip().startswith("!")
    return ignored


def merged_gitignore(root: Path) -> tuple[str, bool]:
    """The .gitignore with the kit's lines, and whether the project's kept poetry.lock out."""
    path = root / ".gitignore"
    text = path.read_text() if path.exists() else ""
    have = {line.strip() for line in text.splitlines()}
    kit = [".venv/", ".env", ".env.*", "__pycache__/", "*.py[cod]", ".pytest_cache/",
           ".ruff_cache/"]  # fmt: skip
    missing = [line for line in kit if line not in have]
    comment = "# The dev container's venv is /opt/venv; none belongs in the workspace."
    merged = appended(text, comment, missing)
    lock_ignored = ignores_the_lock(text)
    if lock_ignored:
        merged = appended(merged, "# Every build installs what poetry.lock pins.", ["!poetry.lock"])
    return merged, lock_ignored


def merged_gitattributes(root: Path) -> str:
    """The kit's files run in the Linux container: LF in every clone, a Windows one with
    core.autocrlf=true too (a Dockerfile with CRLF fails every RUN; a script, to start)."""
    path = root / ".gitattributes"
    text = path.read_text() if path.exists() else ""
    have = [line.split() for line in text.splitlines() if not line.lstrip().startswith("#")]
    if any(parts[:1] == ["*"] and "eol=lf" in parts for parts in have):
        return text  # every file is LF already
    kit = [
        ".devcontainer/**",
        "*.sh",
        "Dockerfile",
        ".dockerignore",
        "*-requirements.txt",
        "kit_build.py",
    ]
    missing = [f"{name} text eol=lf" for name in kit if [name, "text", "eol=lf"] not in have]
    comment = "# Files that run inside the Linux container keep LF, even in a Windows clone."
    return appended(text, comment, missing)


def merged_pre_commit(root: Path) -> str:
    """The kit's hooks (ruff, the lock check, ...: all local, from /opt/venv) after yours, each
    only where your file has no hook of that id."""
    kit = (KIT / ".pre-commit-config.yaml").read_text()
    path = root / ".pre-commit-config.yaml"
    if not path.exists():
        return kit
    text = path.read_text()
    ids = set(re.findall(r"(?m)^\s*-?\s*id:\s*([\w.-]+)", text))
    ids |= {"ruff-check"} if "ruff" in ids else set()
    hooks = kit[kit.index("    hooks:\n") + len("    hooks:\n") :].split("      - id: ")[1:]
    missing = [hook for hook in hooks if hook.split("\n", 1)[0].strip() not in ids]
    if not missing:
        return text
    indent = re.search(r"(?m)^(\s*)- repo:", text)
    pad = indent.group(1) if indent else "  "
    block = [f"{pad}# The kit's hooks, run from /opt/venv (scripts/adopt added them).",
             f"{pad}- repo: local", f"{pad}  hooks:"]  # fmt: skip
    for hook in missing:
        lines = ("- id: " + hook).rstrip("\n").splitlines()
        block += [f"{pad}    {lines[0]}", *(f"{pad}  {line[4:]}" for line in lines[1:])]
    return text.rstrip("\n") + "\n" + "\n".join(block) + "\n"
