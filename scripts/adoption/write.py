"""Writing the kit's files all or nothing: what you wrote is never overwritten unless --force
keeps it as NAME.orig, and on any failure every file is put back as it was."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from .common import COPIED, MANIFEST, OWNED, SECTION_END, Stop, dumps, sha256


def kit_part(name: str, text: str) -> str:
    """What of a kit file is the kit's: the Dockerfile's project section is yours to edit."""
    if name == "Dockerfile" and SECTION_END in text:
        return text[text.index(SECTION_END) :]
    return text


def check_ownership(root: Path, force: bool) -> list[str]:
    """The kit's files already there that the kit did not write (or that were edited since):
    a stop, or with --force, files to keep as .orig."""
    manifest_path = root / MANIFEST
    manifest = json.loads(manifest_path.read_text())["files"] if manifest_path.exists() else {}
    foreign = []
    for name in [*OWNED, *COPIED]:
        path = root / name
        if not path.exists():
            continue
        recorded = manifest.get(name)
        if recorded != sha256(kit_part(name, path.read_text()).encode()):
            foreign.append(name)
    if (root / ".devcontainer").is_dir() and not manifest_path.exists():
        # kept whole, as .devcontainer.orig/, with the files in it
        foreign = [name for name in foreign if not name.startswith(".devcontainer/")]
        foreign.append(".devcontainer/")
        if force and (root / ".devcontainer.orig").exists():
            raise Stop(
                ".devcontainer/ is to move aside to .devcontainer.orig/, which is there already: "
                "nothing was changed. Move .devcontainer.orig/ away, then run adopt again."
            )
    if foreign and not force:
        raise Stop(
            f"{', '.join(foreign)} already there and not written by this kit (or edited since): "
            "nothing was changed. Move them aside, or run again with --force, which keeps each "
            "as NAME.orig beside the kit's."
        )
    return [name.rstrip("/") for name in foreign]


def write_all(root: Path, files: dict[str, str], keep: list[str]) -> None:
    """Write every file, keeping `keep` as .orig first (a folder moves aside whole, so the kit's
    starts empty); on any failure put everything back: files, folders made, folders moved."""
    before: dict[Path, tuple[bytes, int] | None] = {}
    made: list[Path] = []
    moved: list[str] = []
    temporary = root / ".adopt-tmp"

    def held(path: Path) -> tuple[bytes, int] | None:  # a file's content and mode, if it is one
        return (path.read_bytes(), path.stat().st_mode) if path.is_file() else None

    try:
        for name in keep:
            original, kept = root / name, root / f"{name}.orig"
            if original.is_dir():
                os.rename(original, kept)  # check_ownership saw that no NAME.orig is in the way
                moved.append(name)
                continue
            before[kept] = held(kept)
            shutil.copy2(original, kept)
        for name, text in files.items():
            path = root / name
            before.setdefault(path, held(path))
            made += [p for p in reversed(path.parents) if root in p.parents and not p.exists()]
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(path.name + ".adopt-tmp")
            temporary.write_bytes(text.encode("utf-8"))  # LF, on Windows too
            if name.endswith(".sh"):
                temporary.chmod(0o755)
            os.replace(temporary, path)
        copies = [root / f"{name}.orig" for name in keep if name not in moved]
        owned_by_the_folders_owner(root, [root / name for name in files] + made + copies)
    except OSError:
        temporary.unlink(missing_ok=True)
        for path, was in before.items():
            if was is not None:
                path.write_bytes(was[0])
                path.chmod(was[1])
            elif path.is_file() or path.is_symlink():
                path.unlink()
        for folder in reversed(made):  # emptied above
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        for name in moved:
            os.rename(root / f"{name}.orig", root / name)
        raise


def owned_by_the_folders_owner(root: Path, paths: list[Path]) -> None:
    """Run as root (sudo, a container), adopt leaves what it wrote to the project folder's owner,
    as if that user had run it: not files only root can change in someone's project."""
    owner = root.stat()
    if os.name == "nt" or os.geteuid() != 0 or owner.st_uid == 0:
        return
    for path in paths:
        os.chown(path, owner.st_uid, owner.st_gid)


def manifest(files: dict[str, str]) -> str:
    """What the kit wrote, by hash: run again, adopt tells your edits from its own files."""
    hashes = {
        name: sha256(kit_part(name, text).encode())
        for name, text in files.items()
        if name in OWNED or name in COPIED
    }
    return dumps({"written_by": "scripts/adopt", "files": hashes})
