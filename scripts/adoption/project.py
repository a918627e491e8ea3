"""The project as adopt sees it: the facts Poetry reports (read once, in a container, by
facts.py) and the project's files, with the questions about its layout that every rule asks."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import asdict, dataclass, field, fields
from functools import cached_property
from pathlib import Path

from .common import NOT_APP, SECTION_END, TOOLING_WORDS, normalize_name
from .servers import IMPORT_NAMES

# Groups whose names say that prod needs them (gunicorn kept in a `production` group).
PRODUCTION_GROUPS = ("production", "prod", "server", "web", "deploy")
STANDARD_LIBRARY = {normalize_name(name) for name in sys.stdlib_module_names}
# An import statement at the start of a line: `from a.b import c, d`, `from . import x`, `import a`.
TOP_LEVEL_IMPORT = re.compile(
    r"(?m)^(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+\(?([\w, \t]*)|import[ \t]+([\w., \t]+))"
)


def for_tooling(group: str) -> bool:
    """Whether a group's name says it holds tooling (dev, test, docs-build)."""
    return bool(set(re.split(r"[-_.]", group)) & TOOLING_WORDS)


def import_targets(package: str, source: str, names: str, plain: str) -> list[str]:
    """The modules an import statement (TOP_LEVEL_IMPORT's groups) may import, absolute, in a
    module of `package`: `from .api import Page` in fastapi_pagination gives
    fastapi_pagination.api and fastapi_pagination.api.Page (a module or not)."""
    if plain:
        return [name.split()[0] for name in plain.split(",") if name.strip()]
    base = source.lstrip(".")
    dots = len(source) - len(base)
    if dots:
        parts = package.split(".")[: len(package.split(".")) - dots + 1]
        base = ".".join([*parts, base] if base else parts)
    return [base, *(f"{base}.{name.split()[0]}" for name in names.split(",") if name.strip())]


@dataclass
class Project:
    """What facts.py reports, by Poetry, of the project at `root` (after adding the dev tools)."""

    root: Path
    name: str
    style: str = "project"  # where its metadata is: "project" or "tool.poetry"
    description: str = ""
    source: str = ""  # its repository's URL
    python: str = "3.14"  # the image's Python version
    why: str = ""  # why not a newer one
    pinned: str = ""  # the version .python-version names, where taken
    unpinned: str = ""  # why the version .python-version names was not taken
    constraint: str = ""
    from_source: list[str] = field(default_factory=list)  # no wheel for `python`: "cffi 1.17.1"
    update: list[str] = field(default_factory=list)  # what `poetry update` names for those
    # The top-level names its wheel holds; None where it is no package (it runs from its files).
    packages: list[str] | None = None
    # The top-level entries its wheel is built from (what the build context must let in).
    build_reads: list[str] = field(default_factory=list)
    # A top-level name of the wheel -> the folders it is in (src, lib; several for a namespace).
    package_folders: dict[str, list[str]] = field(default_factory=dict)
    # Its console scripts: name -> module:function.
    scripts: dict[str, str] = field(default_factory=dict)
    dependencies: list[str] = field(default_factory=list)  # the main group's, as declared
    prod_packages: list[str] = field(default_factory=list)  # every locked package of main
    # Every other group's locked packages (facts recorded before this field: none known).
    group_packages: dict[str, list[str]] = field(default_factory=dict)
    groups: dict[str, bool] = field(default_factory=dict)  # name -> optional
    extras: list[str] = field(default_factory=list)
    extra_packages: dict[str, list[str]] = field(default_factory=dict)  # extra -> its packages
    added: list[str] = field(default_factory=list)  # dev tools adopt added
    loose_tools: dict[str, str] = field(default_factory=dict)  # added at any version: locked one
    sdist_only: list[str] = field(default_factory=list)
    # Debian packages: the headers building from source needs, the libraries run time loads.
    system_packages: tuple[list[str], list[str]] = ([], [])
    path_dependencies: list[str] = field(default_factory=list)  # folders, relative to the root
    locked_first: bool = False
    # A Django site's settings module for tests, and where it is set (facts.django_tests).
    django_tests: dict[str, str] = field(default_factory=dict)
    check_findings: list[str] = field(default_factory=list)

    @classmethod
    def from_facts(cls, root: Path, facts: dict) -> Project:
        known = {f.name for f in fields(cls)} - {"root"}
        values = {key: value for key, value in facts.items() if key in known}
        if "system_packages" in values:
            values["system_packages"] = tuple(values["system_packages"])
        return cls(root=root, **values)

    def facts(self) -> dict:
        """What from_facts takes: the facts alone, as JSON has them."""
        found = asdict(self)
        del found["root"]
        found["system_packages"] = list(found["system_packages"])
        return json.loads(json.dumps(found))

    # ---- what the project has ------------------------------------------------------------------

    @property
    def has(self) -> set[str]:
        """The packages prod has: the main dependencies and what they bring (uvicorn through
        fastapi[standard], hypercorn through Quart, aiohttp through aiogram), and the packages
        of the groups it installs (prod_groups)."""
        grouped = [self.group_packages.get(group, []) for group in self.prod_groups]
        return set(self.dependencies).union(self.prod_packages, *grouped)

    @cached_property
    def prod_groups(self) -> list[str]:
        """The groups prod installs besides main (PROD_GROUPS): those whose names mean production,
        and those the project's own Dockerfile installs (`poetry install --with web`), but
        groups of tooling (dev, test, docs)."""
        dockerfile = self.root / "Dockerfile"
        text = self.text(dockerfile) if dockerfile.is_file() else ""
        named = re.findall(r"--(?:with|only)[= ]+([\w,.-]+)", "" if SECTION_END in text else text)
        installed = {normalize_name(g) for found in named for g in found.split(",")}
        return [
            group
            for group in self.groups
            if (group in PRODUCTION_GROUPS or group in installed) and not for_tooling(group)
        ]

    def groups_imports_need(self, modules: list[str]) -> dict[str, str]:
        """Groups prod must install as well, as importing these modules of the project's (its
        package, the start command's) needs a package of theirs that neither the main group nor
        an extra has (a library that leaves its framework to its users, keeping it in dev for
        its tests): group -> the module. Without them, prod would fail at the import."""
        needed: dict[str, str] = {}
        extras = {name for names in self.extra_packages.values() for name in names}
        prod_has = self.has | extras
        groups = sorted(self.group_packages, key=for_tooling)
        # A module of the standard library is no package's (the `asyncio` or `typing` on PyPI).
        for module in sorted(self.imported_on_import(modules) - STANDARD_LIBRARY):
            for group in groups:
                names = self.group_packages[group]
                held = [n for n in names if normalize_name(IMPORT_NAMES.get(n, n)) == module]
                if held and not set(held) & prod_has and module not in needed.values():
                    needed.setdefault(group, module)
        return needed

    def imported_on_import(self, modules: list[str]) -> set[str]:
        """The top-level modules (normalized) that importing these modules of the project's own
        imports: the statements at the start of a line of their files (not in a function, an
        `if TYPE_CHECKING` or a `try`), and of the project's modules those import, all the way."""
        own = set(self.packages or [])
        seen: set[str] = set()
        found: set[str] = set()
        todo = list(modules)
        while todo:
            module = todo.pop()
            path = self.module_file(module)
            if module in seen or path is None:
                continue
            seen.add(module)
            package = module if path.name == "__init__.py" else module.rpartition(".")[0]
            for source, names, plain in TOP_LEVEL_IMPORT.findall(self.text(path)):
                for target in import_targets(package, source, names, plain):
                    if target.split(".")[0] in own or self.module_file(target):
                        todo.append(target)
                    else:
                        found.add(normalize_name(target.split(".")[0]))
        return found

    @property
    def prod_scripts(self) -> set[str]:
        """The console scripts prod has: the project's, where prod installs it as a package."""
        return set(self.scripts) if self.packages is not None else set()

    def groups_with(self, package: str) -> list[str]:
        """The groups whose locked packages include this one."""
        return [group for group, names in self.group_packages.items() if package in names]

    def text(self, path: Path) -> str:
        return path.read_text(errors="replace")

    def python_files(self) -> list[Path]:
        """The project's Python files that may be the app's: not tests, docs, tooling."""
        found = []
        for path in sorted(self.root.rglob("*.py")):
            parts = path.relative_to(self.root).parts
            if not any(part in NOT_APP or part.startswith(".") for part in parts):
                found.append(path)
        return found

    def import_folders(self) -> list[str]:
        """The folders, besides the root, that the project's modules are imported from: its
        packages' folders (src/, lib/, ...), and src/ unless src/ is a package itself (`uvicorn
        src.main:app`)."""
        folders = {folder for found in self.package_folders.values() for folder in found} - {""}
        if not (self.root / "src" / "__init__.py").exists():
            folders.add("src")
        return sorted(folders)

    def module_name(self, path: Path) -> str:
        """The module a file is, imported from the folder it is in (see import_folders)."""
        relative = path.relative_to(self.root)
        for folder in self.import_folders():
            if relative.is_relative_to(folder):
                relative = relative.relative_to(folder)
                break
        return ".".join(relative.with_suffix("").parts).removesuffix(".__init__")

    def folder_to_import_from(self, module: str) -> str:
        """The folder (src/, ...) that an application's module is in where neither prod nor the
        dev container would import it from: both import the project's files from its root (prod's
        /app), and a built package's modules from the venv. Empty where it imports as it is."""
        if module.split(".")[0] in (self.packages or []):
            return ""  # in the project's wheel

        def holds(folder: Path) -> bool:
            path = folder.joinpath(*module.split("."))
            return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()

        if holds(self.root):
            return ""
        return next((f for f in self.import_folders() if holds(self.root / f)), "")

    def module_file(self, module: str) -> Path | None:
        """The project's file of a module, imported from the root or its import folders."""
        for folder in ["", *self.import_folders()]:
            path = self.root.joinpath(folder, *module.split("."))
            for found in (path.with_suffix(".py"), path / "__init__.py"):
                if found.is_file():
                    return found
        return None

    def has_module(self, name: str, bases: list[Path]) -> bool:
        path = name.replace(".", "/")
        return any((base / f"{path}.py").is_file() or (base / path).is_dir() for base in bases)

    def source_dir(self, package: str) -> Path:
        folders = self.package_folders.get(package) or [""]
        found = [f for f in folders if (self.root / f / package).is_dir()] or folders
        return self.root / found[0] / package

    def django_folder(self) -> str:
        """Where a Django site's manage.py is: the root ("."), or a folder of it, where the
        project keeps its site beside other parts (backend/ beside frontend/, src/); "" for no
        Django site."""
        if (self.root / "manage.py").exists():
            return "."
        found = [p.parent.name for p in sorted(self.root.glob("*/manage.py"))]
        return next((name for name in found if name not in NOT_APP and name[0] != "."), "")

    def imported(self) -> set[str]:
        """The top-level modules the project's own code imports (its app's files, not tests)."""
        found: set[str] = set()
        statement = re.compile(r"(?m)^[ \t]*(?:from[ \t]+(\w+)|import[ \t]+([\w., \t]+))")
        for path in self.python_files():
            for source, names in statement.findall(self.text(path)):
                listed = [n.split()[0].split(".")[0] for n in names.split(",") if n.strip()]
                found |= {source} if source else set(listed)
        return found

    def files_matching(self, pattern: str) -> list[Path]:
        """The project's Python files whose text matches a regular expression."""
        found = re.compile(pattern)
        return [p for p in self.python_files() if found.search(self.text(p))]
