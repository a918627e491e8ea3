#!/bin/sh
# postCreateCommand: runs as vscode after the container is created (not in a Codespaces prebuild).
set -eu

# The pre-commit hook goes into the repository's hooks, so it needs git to reach the repository:
# not yet in a folder without git, never in a git worktree whose repository is not mounted.
if reason=$(git rev-parse --git-common-dir 2>&1 >/dev/null); then
  pre-commit install
else
  echo "post-create: no pre-commit hook, because git says: $reason"
  echo "post-create: after 'git init' (or for a worktree, see docs/troubleshooting.md), run: pre-commit install"
fi
