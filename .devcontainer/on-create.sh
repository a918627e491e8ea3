#!/bin/sh
# onCreateCommand: runs once, as vscode, when the container is created. Every path is quoted:
# workspaces live in folders such as "My Projects" or "Données (copie)".
set -eu
workspace=$1

# git refuses a repository owned by another UID ("dubious ownership"), as on Docker Desktop: trust
# the workspace, and the repository's root where that is above it (a project in a monorepo's
# subfolder: VS Code mounts the repository's root and opens the subfolder in it). From /, because
# git stops at a worktree's .git file that points outside the container, even for this.
sudo git -C / config --system --add safe.directory "$workspace"
repository=$workspace
while [ "$repository" != / ] && [ ! -e "$repository/.git" ]; do
  repository=$(dirname "$repository")
done
if [ "$repository" != / ] && [ "$repository" != "$workspace" ]; then
  sudo git -C / config --system --add safe.directory "$repository"
fi

# On Linux the Dev Containers CLI gives vscode your UID and GID, but keeps GID 1000 where the image
# already has a group with your GID (100 `users` on openSUSE, 20 `dialout`). Then vscode takes that
# group as its own, so that what it writes in the workspace is yours, group and all.
uid=$(stat -c %u "$workspace")
gid=$(stat -c %g "$workspace")
if [ "$uid" = "$(id -u)" ] && [ "$gid" != "$(id -g)" ] && getent group "$gid" >/dev/null; then
  sudo usermod --gid "$gid" vscode
  echo "on-create: vscode's group is now $(getent group "$gid" | cut -d: -f1) (GID $gid), as yours."
fi
