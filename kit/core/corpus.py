"""Real public Poetry projects that adopt was tried on, kept as decision fixtures in
kit/core/corpus/NAME/ and shown in docs/adopt.md:

- source.json: the repository, the commit, the folder of its pyproject.toml, its licence, its
  shape, and the result of the one end-to-end run here (adopt, `docker build --target prod`,
  `docker run` locked down): `healthy`, `ran` (a command that ends, exit code 0), `runs` (a
  worker or bot, still up), or why it failed;
- facts.json: what Poetry reported of it (adopt's container step);
- expected.json: what adopt decided;
- project/: a skeleton of the project, never its code: its paths, and of its files only the lines
  adopt's decisions turn on (found by removing files, then lines, while the decisions stay the
  same), so that the fast tier decides for it as adopt did for the whole project.

    python3 -m kit.core.corpus add NAME OWNER/REPO COMMIT --git GITDIR [--folder F]
        [--shape TEXT] [--env NAME=VALUE] [--env-file .env.example]  # settings its docs give
    python3 -m kit.core.corpus again NAME --git GITDIR  # the end-to-end run once more
    python3 -m kit.core.corpus table                    # docs/adopt.md's table, written anew
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from adoption import check
from adoption.common import Stop, dumps
from adoption.project import Project

from kit.core.example import decisions_for

REPO = Path(__file__).resolve().parent.parent.parent
CORPUS = Path(__file__).resolve().parent / "corpus"
# Where the end-to-end runs leave adopt's report and the build's log, to read.
LOGS = Path(tempfile.gettempdir()) / "kit-corpus-logs"
# What a licence file's text says, for the licences whose projects the corpus takes.
LICENCES = [
    ("MIT", r"Permission is hereby granted, free of charge"),
    ("Apache-2.0", r"Apache License[\s\S]{0,40}Version 2\.0"),
    ("BSD-3-Clause", r"Neither the name of"),
    ("BSD-2-Clause", r"Redistribution and use in source and binary forms"),
]


def names() -> list[str]:
    return sorted(path.name for path in CORPUS.iterdir() if (path / "source.json").is_file())


def source(name: str) -> dict:
    return json.loads((CORPUS / name / "source.json").read_text())


def project(name: str) -> Project:
    facts = json.loads((CORPUS / name / "facts.json").read_text())
    return Project.from_facts(CORPUS / name / "project", facts)


def decisions(name: str) -> dict:
    return decisions_for(project(name), source(name).get("command", ""))


def expected(name: str) -> dict:
    return json.loads((CORPUS / name / "expected.json").read_text())


def passed(result: str) -> bool:
    """A result that says the project works: healthy, ran (exit code 0), runs (still up)."""
    return bool(re.match(r"(healthy|ran|runs)\b", result))


# ---- a project's skeleton ---------------------------------------------------------------------


def fewest(items: list, without: Callable[[list], bool]) -> list:
    """The items left after dropping every chunk, halving chunks down to one item, whose removal
    `without(chunk)` accepts (it removes the chunk and answers whether all is still the same, or
    puts it back and answers False)."""
    kept = list(items)
    size = len(kept)
    while size >= 1:
        start = 0
        while start < len(kept):
            chunk = kept[start : start + size]
            if without(chunk):
                kept = kept[:start] + kept[start + size :]
            else:
                start += size
        size //= 2
    return kept


def cut_lines(path: Path, same: Callable[[], bool]) -> None:
    """Drop the file's lines that the decisions do not turn on."""
    lines = [f"{line}\n" for line in path.read_text(errors="replace").splitlines()]
    kept = set(range(len(lines)))  # each line ends in a newline, as the kit's pre-commit hook asks

    def without(chunk: list[int]) -> bool:
        path.write_text("".join(lines[n] for n in sorted(kept - set(chunk))))
        if same():
            kept.difference_update(chunk)
            return True
        path.write_text("".join(lines[n] for n in sorted(kept)))
        return False

    fewest(list(range(len(lines))), without)


def skeleton(root: Path, facts: dict, command: str) -> dict:
    """Cut the project at `root` down, in place, to what adopt's decisions turn on (they stay
    exactly as they were); the decisions."""
    wanted = decisions_for(Project.from_facts(root, facts), command)

    def same() -> bool:
        for folder in sorted((p for p in root.rglob("*") if p.is_dir()), reverse=True):
            if not any(folder.iterdir()):
                folder.rmdir()  # git keeps no empty folder
        return decisions_for(Project.from_facts(root, facts), command) == wanted

    stash = Path(tempfile.mkdtemp(prefix="kit-corpus-stash-"))

    def without_files(chunk: list[Path]) -> bool:
        for index, path in enumerate(chunk):
            (stash / str(index)).parent.mkdir(parents=True, exist_ok=True)
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(path, stash / str(index))
        if same():
            shutil.rmtree(stash)
            stash.mkdir()
            return True
        for index, path in enumerate(chunk):
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(stash / str(index), path)
        return False

    files = sorted(p for p in root.rglob("*") if p.is_file() or p.is_symlink())
    for path in files:
        if path.is_symlink() or b"\0" in path.read_bytes()[:4096]:
            path.unlink()
            path.write_text("")  # no links, no binaries: an empty file of the same name
    for path in fewest(files, without_files):
        cut_lines(path, same)
        if path.suffix == ".json" and not path.read_text().strip():
            path.write_text("{}\n")  # valid JSON, as the kit's own pre-commit hook checks
            if not same():
                path.write_text("")
    shutil.rmtree(stash, ignore_errors=True)
    assert same(), "the skeleton's decisions differ from the project's"
    return wanted


# ---- the end-to-end run -----------------------------------------------------------------------


def exported(git_dir: Path, commit: str, dest: Path) -> Path:
    """The commit's files in `dest`: git archive, or where the clone lacks some objects (a
    snapshot without its largest files), every file it has, those it lacks empty."""
    dest.mkdir(parents=True)
    git = ["git", "--git-dir", str(git_dir)]
    archive = subprocess.run([*git, "archive", commit], capture_output=True)
    if archive.returncode == 0:
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
        return dest
    listing = subprocess.run([*git, "ls-tree", "-r", "-z", commit], capture_output=True, check=True)
    entries = [line.split(b"\t", 1) for line in listing.stdout.split(b"\0") if line]
    blobs = [(meta.split()[2].decode(), path.decode()) for meta, path in entries
             if meta.split()[1] == b"blob"]  # fmt: skip
    wanted = "".join(f"{sha}\n" for sha, _ in blobs).encode()
    batch = subprocess.run([*git, "cat-file", "--batch"], input=wanted, capture_output=True)
    out, at = batch.stdout, 0
    for _, path in blobs:
        header_end = out.index(b"\n", at)
        header = out[at:header_end].split()
        target = dest / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if header[-1] == b"missing":
            target.write_bytes(b"")
            at = header_end + 1
            continue
        size = int(header[2])
        target.write_bytes(out[header_end + 1 : header_end + 1 + size])
        at = header_end + 1 + size + 1
    return dest


def licence(checkout: Path) -> str:
    for path in sorted(checkout.glob("LICEN[CS]E*")) + sorted(checkout.glob("COPYING*")):
        text = path.read_text(errors="replace")
        for name, pattern in LICENCES:
            if re.search(pattern, text):
                return name
    raise SystemExit("no MIT, BSD or Apache licence file at the repository's root: not taken")


def quoted_tail(text: str) -> str:
    """The line of a log that says what went wrong: the last exception's, else the last line."""
    found = [line.strip() for line in text.strip().splitlines() if line.strip()]
    raised = [line for line in found if re.match(r"[\w.]*(Error|Exception|Exit)\b", line)]
    return (raised or found or [""])[-1][:300]


def stand_in(python: str) -> bool:
    """Whether this machine's image of that Python is a stand-in (shared/ci builds them from
    Debian where no registry answers: no C headers)."""
    label = '{{index .Config.Labels "org.opencontainers.image.description"}}'
    image = f"python:{python}-slim-trixie"
    found = subprocess.run(["docker", "image", "inspect", "--format", label, image],
                           capture_output=True, text=True)  # fmt: skip
    return "stand-in" in found.stdout


def tried(root: Path, python: str, expect: dict, env: list[str], env_file: str) -> str:
    """adopt, prod built and run as the README runs it (with the settings the project's own
    docs give, where it needs some): the one-line result."""
    own = ["Dockerfile", ".dockerignore", ".devcontainer"]  # adopt keeps them with --force
    force = ["--force"] if any((root / name).exists() for name in own) else []
    flags = force + (["--python", python] if python else [])
    adopt = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "adopt"), str(root), *flags],
        capture_output=True,
        text=True,
    )
    if adopt.returncode != 0:
        return f"adopt stops: {quoted_tail(adopt.stderr)}"
    tag = f"kit-corpus-{root.parent.name.lower()}"
    section = expect["section"]
    headers = []
    if section["BUILD_PACKAGES"] and stand_in(section["PYTHON_VERSION"]):
        # This machine's Python images are Debian's python3.X without its C headers, which the
        # official images have: a dependency built from source gets them here, never in prod.
        packages = f"{json.loads(section['BUILD_PACKAGES'])} python{section['PYTHON_VERSION']}-dev"
        headers = ["--build-arg", f"BUILD_PACKAGES={packages}"]
    build = subprocess.run(
        ["docker", "build", "--progress=plain", "--build-arg", "POETRY_PYPI_MIRROR_URL",
         *headers, "--target", "prod", "-t", tag, str(root)],
        capture_output=True, text=True,
    )  # fmt: skip
    LOGS.mkdir(exist_ok=True)
    (LOGS / f"{tag}.log").write_text(adopt.stdout + build.stderr)
    if build.returncode != 0:
        said = [line for line in build.stderr.splitlines() if re.search(r"\berror\b", line)]
        return f"build fails: {quoted_tail(chr(10).join(said[:1]) or build.stderr)}"
    settings = [f"--env={setting}" for setting in env]
    settings += [f"--env-file={root / env_file}"] if env_file else []
    settings += check.volumes(section)
    try:
        works, said, seen = check.outcome(tag, section, settings)
        mounts = [] if works else check.writable_mounts(tag, section, settings, seen)
    finally:
        subprocess.run(["docker", "image", "rm", "-f", tag], capture_output=True)
    (LOGS / f"{tag}-run.log").write_text(seen.log)
    tried = f"; with a tmpfs at {', '.join(mounts)}, it works" if mounts else ""
    return said if works else f"{seen.state} (exit code {seen.exit_code}): {said}{tried}"


# ---- the commands -----------------------------------------------------------------------------


def add(args: argparse.Namespace) -> None:
    from adoption.docker import inspect_with_poetry

    fixture = CORPUS / args.name
    said = source(args.name) if (fixture / "source.json").is_file() else {}
    with tempfile.TemporaryDirectory(prefix="kit-corpus-") as temporary:
        checkout = exported(args.git, args.commit, Path(temporary) / "checkout")
        entry = {
            "repository": args.repository,
            "commit": args.commit,
            "folder": args.folder,
            "licence": licence(checkout),
            "shape": args.shape,
            "python": args.python,
            "env": args.env,
            "env_file": args.env_file,
        }
        root = checkout / args.folder
        work = Path(temporary) / "facts" / "project"
        shutil.copytree(root, work, symlinks=True)
        try:
            facts = inspect_with_poetry(work, args.python)
        except Stop as stopped:
            no_image = "could not get the base image" in str(stopped)
            if said and not no_image:
                # Poetry's step stops it now: the fixture keeps the facts and decisions it had
                # (what adopt decides, where it goes on), and the run says where it stops.
                entry["result"] = f"adopt stops: {stopped}"
                print(f"kit.core.corpus: {args.name}: {entry['result']}")
                (fixture / "source.json").write_text(dumps(said | entry))
                return
            if args.python or not no_image:
                raise SystemExit(f"adopt stops: {stopped}") from None
            # This machine has the images of the two newest Pythons only (docs/troubleshooting.md)
            args.python = entry["python"] = "3.13"
            shutil.rmtree(work)
            shutil.copytree(root, work, symlinks=True)
            facts = inspect_with_poetry(work, args.python)
        trial = Path(temporary) / args.name / "project"
        shutil.copytree(root, trial, symlinks=True)
        wanted = decisions_for(Project.from_facts(root, facts), "")
        entry["result"] = (
            tried(trial, args.python, wanted, args.env, args.env_file)
            if "section" in wanted
            else "adopt stops"
        )
        print(f"kit.core.corpus: {args.name}: {entry['result']}")
        skeleton(root, facts, "")
        if fixture.exists():
            shutil.rmtree(fixture)
        fixture.mkdir(parents=True)
        shutil.copytree(root, fixture / "project")
    if not passed(entry["result"]):  # why, as said before, where it still fails
        entry |= {key: said[key] for key in ("reason", "evidence") if key in said}
    (fixture / "source.json").write_text(dumps(entry))
    (fixture / "facts.json").write_text(dumps(facts))
    (fixture / "expected.json").write_text(dumps(wanted))


# docs/adopt.md's table follows this line.
TABLE_MARK = "<!-- the corpus table: python3 -m kit.core.corpus table -->"


def table() -> str:
    """docs/adopt.md's table of the corpus."""
    rows = [
        "| project | shape | prod starts with (decided by) | result here | why it fails |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name in names():
        entry, decided = source(name), expected(name)
        link = f"[{entry['repository']}](https://github.com/{entry['repository']})"
        if "stop" in decided:
            starts = "adopt stops: " + decided["stop"].split(":")[0]
        else:
            line = next(line for line in decided["report"] if line.startswith("starts with"))
            stated = re.search(r"stated by ([^;)]+)", line)
            by = stated.group(1) if stated else "found in its files"
            starts = f"`{shlex.join(decided['section']['CMD'])}` ({by})"
        result = re.sub(r"#\d+ [\d.]+ +", "", entry["result"]).replace("|", "\\|")
        given = entry.get("env", []) + [f"--env-file {entry['env_file']}"] * bool(
            entry.get("env_file")
        )
        result += f" (run with {', '.join(given)})" if given else ""
        rows.append(
            f"| {link} | {entry['shape']} | {starts} | {result} | {entry.get('reason', '')} |"
        )
    ran = [name for name in names() if passed(source(name)["result"])]
    rows.append(f"\n{len(ran)} of {len(names())} projects work end to end.")
    return "\n".join(rows) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m kit.core.corpus")
    commands = parser.add_subparsers(dest="what", required=True)
    adding = commands.add_parser("add", help="take a project into the corpus, run it once")
    adding.add_argument("name")
    adding.add_argument("repository", help="OWNER/NAME on GitHub")
    adding.add_argument("commit")
    adding.add_argument("--git", type=Path, required=True, help="a clone's git directory")
    adding.add_argument("--folder", default="", help="the folder of its pyproject.toml")
    adding.add_argument("--python", default="", help="only where this machine lacks the lock's")
    adding.add_argument("--shape", default="", help="what it is: a Flask site, a CLI, ...")
    adding.add_argument("--env", action="append", default=[], help="NAME=value its docs give")
    adding.add_argument("--env-file", default="", help="its example settings (.env.example)")
    again = commands.add_parser("again", help="take it in again as source.json says, run it")
    again.add_argument("name")
    again.add_argument("--git", type=Path, required=True, help="a clone's git directory")
    commands.add_parser("table", help="write docs/adopt.md's table anew")
    args = parser.parse_args(argv)
    if args.what == "again":
        entry = source(args.name)
        args.what = "add"
        args.repository, args.commit, args.folder = (
            entry["repository"],
            entry["commit"],
            entry["folder"],
        )
        args.python, args.shape, args.env = entry["python"], entry["shape"], entry["env"]
        args.env_file = entry.get("env_file", "")
    if args.what == "add":
        add(args)
    else:
        docs = REPO / "docs" / "adopt.md"
        text = docs.read_text()
        docs.write_text(text[: text.index(TABLE_MARK) + len(TABLE_MARK)] + "\n\n" + table())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
