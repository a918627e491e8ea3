"""Runs the user's app in a subprocess, with the tool's settings."""

import subprocess
import sys


def run_app(import_name: str, port: int = 8080) -> None:
    subprocess.run([sys.executable, "-m", import_name, str(port)], check=True)
