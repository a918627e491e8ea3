"""What adopt tells you: what it found and decided, what it wrote, and what to run next."""

from __future__ import annotations

import shlex
from pathlib import Path

from .common import normalize_name
from .decide import Decisions
from .django import default_settings
from .project import Project
from .servers import SELF_SERVING

INSTALLS = {
    "package": "the wheel in /opt/venv",
    "files": "its files in /app",
    "both": "the wheel in /opt/venv and its other files in /app",
}


def starts_notes(decided: Decisions) -> list[str]:
    """Where the start command comes from, and whose server it starts, if the report can say."""
    notes = [f"stated by {decided.stated_in}"] if decided.stated_in else []
    if decided.serves_itself:
        notes.append(f"{SELF_SERVING[decided.serves_itself].title}'s server, on {decided.port}")
    if decided.local_only:
        notes.append(
            "warning: it listens on 127.0.0.1 only, which a published port does not reach: give"
            f' {decided.serves_itself}.run() host="0.0.0.0"'
        )
    return notes


def django_tests_line(tests: dict[str, str]) -> str:
    """How a Django site's tests run in the Testing view: pytest-django, and its settings."""
    module, where = tests["settings"], tests["set_in"]
    if where == "yours":
        return "pytest-django, with the settings module your pytest configuration names"
    if where:
        return f"pytest-django, with {module} (DJANGO_SETTINGS_MODULE in {where}'s pytest options)"
    return (
        f"pytest-django needs DJANGO_SETTINGS_MODULE = {module or 'your settings module'} in your "
        "pytest configuration for the Testing view to find the tests: add it there"
    )


def found_lines(project: Project, decided: Decisions, merged: dict) -> list[str]:
    """The report's findings, a line each; `merged` says what merging your files found
    (new_settings, dropped_settings, lock_ignored)."""
    p = project
    groups = ", ".join(f"{g}{' (optional)' if opt else ''}" for g, opt in p.groups.items())
    code = ", ".join(p.packages) if p.packages is not None else "no package: runs from its files"
    tools = f"added {', '.join(p.added)}" if p.added else "all there"
    notes = starts_notes(decided)
    if p.loose_tools:
        tools += "; at any version your dependencies allow, as their newest conflict with them: "
        tools += ", ".join(f"{tool} (locked: {v})" for tool, v in p.loose_tools.items())
    python_notes = "".join(f"; {note}" for note in (p.unpinned, p.why) if note)
    pinned = ".python-version; " if p.pinned else ""
    why = {
        g: f"{g}, as what prod imports at its start needs {m}"
        for g, m in decided.groups_for_imports.items()
    }
    named = [why.get(group, group) for group in decided.prod_groups]
    in_prod = f" (in prod: {'; '.join(named)})" if named else ""
    extras = ""
    if decided.prod_extras != p.extras:
        left = [extra for extra in p.extras if extra not in decided.prod_extras]
        extras = (
            f" (in prod: {', '.join(decided.prod_extras) or 'none'}; not {', '.join(left)}: "
            "nothing prod runs imports them, PROD_EXTRAS adds them)"
        )
    found = [
        f"project     {p.name} ({p.style} metadata)",
        f"python      {p.python} ({pinned}constraint: {p.constraint or 'none'}){python_notes}",
        f"code        {code}",
        f"prod gets   {decided.install}: {INSTALLS[decided.install]}",
        f"starts with {shlex.join(decided.command)}" + (f" ({'; '.join(notes)})" if notes else ""),
        f"groups      {groups or 'none'}{in_prod}; extras: {', '.join(p.extras) or 'none'}{extras}",
        f"dev tools   {tools}",
    ]
    if p.django_tests:
        found.append(f"tests       {django_tests_line(p.django_tests)}")
    if merged.get("new_settings"):
        found.append(
            "settings    new in this kit, added to your project section: "
            + ", ".join(merged["new_settings"])
        )
    settings, where = decided.django_settings
    if settings:
        found.append(f"django      settings {settings} in prod (named by {where})")
    elif p.django_folder():
        found.append(
            f"django      settings {default_settings(p, p.django_folder()) or 'none'}, manage.py's:"
            " no deployment file names others (DJANGO_SETTINGS_MODULE in your Dockerfile,"
            " heroku.yml, app.json, fly.toml, render.yaml, a compose file or .env.example)"
        )
    if decided.assets:
        found.append(f"assets      {decided.assets}, in prod's build (ASSETS_COMMAND)")
    if decided.writable:
        writes = "; ".join(f"{path} ({why})" for path, why in decided.writable)
        found.append(f"writes      {writes}: the app user's in prod (WRITABLE_PATHS)")
    build = " ".join(decided.build_packages)
    if p.sdist_only:
        found.append(
            f"sdists      {', '.join(p.sdist_only)} publish no wheel: built with "
            f"BUILD_PACKAGES ({build}), which prod never holds"
        )
    if p.from_source:
        found.append(
            f"no wheel    {', '.join(p.from_source)}: no Linux wheel for Python {p.python}, built"
            f" from source with BUILD_PACKAGES ({build}); add what else it needs to build, or"
            " update them to versions with wheels: poetry update " + " ".join(p.update)
        )
    headers, libraries = p.system_packages
    if libraries:
        found.append(
            f"system      RUNTIME_PACKAGES ({' '.join(libraries)}): libraries that locked packages"
            " load at run time"
            + (f"; BUILD_PACKAGES gets their headers ({' '.join(headers)})" if headers else "")
        )
    if merged.get("dropped_settings"):
        found.append(
            f"settings    took {', '.join(merged['dropped_settings'])} out of"
            " .vscode/settings.json: the container's interpreter is /opt/venv/bin/python"
            " (devcontainer.json sets it); on the host, pick yours with Python: Select Interpreter"
        )
    if p.check_findings:
        found.append(
            "check       poetry check --lock finds: "
            + " / ".join(finding.rstrip(".") for finding in p.check_findings)
            + ". Poetry installs and builds the project as it is, so adopt went on; the kit's"
            " pre-commit hook runs that check, on each commit that changes pyproject.toml, until"
            " you fix it"
        )
    if p.locked_first:
        found.append("lock        there was no poetry.lock: locked for the first time")
    if merged.get("lock_ignored"):
        found.append(
            "lock        .gitignore kept poetry.lock out of git; the builds need it (a clone"
            " without it cannot build): now it is let in (!poetry.lock), so commit it"
        )
    return found


def report(target: Path, found: list[str], files: list[str], keep: list[str], name: str) -> None:
    print("scripts/adopt: found\n  " + "\n  ".join(found))
    print("scripts/adopt: wrote\n  " + "\n  ".join(sorted(files)))
    if keep:
        print("scripts/adopt: kept yours as " + ", ".join(f"{k}.orig" for k in keep))
    image, folder = normalize_name(name), shlex.quote(str(target))
    print(
        "scripts/adopt: next\n"
        f"  python3 scripts/adopt {folder} --check-only    # prod built and run locked down\n"
        f"  code {folder}    # then: Reopen in Container\n"
        f"  docker build -t {image} {folder}    # prod, the last stage"
    )
