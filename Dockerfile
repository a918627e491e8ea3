# One Dockerfile: `dev` for VS Code and Codespaces, `prod` (the last stage) for `docker build .`.
# In every stage the one virtual environment is /opt/venv, outside the bind-mounted workspace.
# Why each step is as it is: docs/how-it-works.md, step by step.

# ==== Your project. `python3 scripts/adopt` writes this section; edit it as you like. Below it,
# the file is the kit's, the same in every project, so a newer kit replaces it whole.

# The Python version (or --build-arg PYTHON_VERSION=3.13): one with an official
# python:<version>-slim-trixie image that the project's Python constraint allows.
ARG PYTHON_VERSION=3.14
# How the project reaches prod: "package" builds it as a wheel and installs it into the venv;
# "files" copies its files to /app (package-mode = false, or a root Poetry cannot build); "both"
# does both (a package whose start command also needs modules or data from the project's root).
ARG APP_INSTALL=package
# What prod installs besides the main dependencies: Poetry groups (comma-separated) and extras
# (space-separated).
ARG PROD_GROUPS=
ARG PROD_EXTRAS=
# System packages that building a dependency from its sdist needs (e.g. "gcc libc6-dev"): there
# while the dependencies install, never in prod.
ARG BUILD_PACKAGES=
# System packages a dependency loads at run time (e.g. "libpq5" for psycopg, "libmagic1t64" for
# python-magic): in prod and in the dev image.
ARG RUNTIME_PACKAGES=
# A command prod's build runs once, in /app with the venv, for files the app serves or reads that
# are made from the project's (Django's "python manage.py collectstatic --noinput"); empty: none.
ARG ASSETS_COMMAND=
# The port the app serves on: prod's EXPOSE.
ARG APP_PORT=8000
# What prod's HEALTHCHECK requests (any answer below 500 is healthy; empty: no request).
ARG HEALTHCHECK_URL=http://127.0.0.1:8000/health
# Folders the app writes into at run time (space-separated, absolute; e.g. "/app/logs"): prod
# makes them the app user's. Run read-only, prod needs a volume at each (`-v /app/logs`).
ARG WRITABLE_PATHS=
# The module the start command serves (`app.main` for uvicorn's app.main:app), which prod's build
# imports: a name prod cannot import stops the build, not the app's start (empty: none named).
ARG APP_MODULE=
ARG IMAGE_TITLE="minimal-py-poetry"
ARG IMAGE_DESCRIPTION="A small HTTP service, with a dev container and a lean production image."
ARG IMAGE_SOURCE="https://github.com/minimal-py-poetry/minimal-py-poetry"

# ---- base: the interpreter every stage shares, so the venv's paths stay valid up to prod.
# Base image not found? The build arg PYTHON_VERSION must be a version that has an official
# python:<version>-slim-trixie image, such as 3.13 or 3.14.
FROM python:${PYTHON_VERSION}-slim-trixie AS base
# How prod starts the project (a JSON array, no shell). Every stage inherits it; the dev container
# runs its own command instead.
CMD ["minimal-py-poetry"]
# ==== End of your project's section.

# Activate /opt/venv for every process: `python` is the venv's, and Poetry installs into it because
# it is the active venv (Poetry never creates one of its own).
ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1
# ---- uv: the installer that puts Poetry's pinned set in place in a second, not in pip's many
# (its pin is the `uv==` line of poetry-requirements.txt). Only ever mounted: no image holds it.
FROM base AS uv
# A PyPI mirror or pull-through cache (simple index URL); unset means PyPI. Not a secret:
# credentials go in as a BuildKit secret (docs/production.md), never as a build arg. Each stage that
# downloads names it again (ARG without a value: a build arg reaches only stages that name it).
ARG POETRY_PYPI_MIRROR_URL
RUN --mount=type=cache,target=/root/.cache/pip \
    --mount=type=bind,source=poetry-requirements.txt,target=/tmp/poetry-requirements.txt <<EOF
set -eu
grep '^uv==' /tmp/poetry-requirements.txt >/tmp/uv.txt
python -m pip install --no-deps --target /opt/uv --root-user-action=ignore \
  --disable-pip-version-check ${POETRY_PYPI_MIRROR_URL:+--index-url "$POETRY_PYPI_MIRROR_URL"} \
  -r /tmp/uv.txt
EOF

# ---- poetry: Poetry and its mirror plugin in a venv of their own, never inside /opt/venv.
FROM base AS poetry
ARG POETRY_PYPI_MIRROR_URL
ENV POETRY_VIRTUALENVS_CREATE=false
# Exactly the pinned set of poetry-requirements.txt (`uv pip check` proves it whole), compiled
# now: later steps mount /opt/poetry read-only, where Poetry would recompile at every start.
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,from=uv,source=/opt/uv,target=/opt/uv \
    --mount=type=bind,source=poetry-requirements.txt,target=/tmp/poetry-requirements.txt <<EOF
set -eu
python -m venv --without-pip /opt/poetry
grep -v '^uv==' /tmp/poetry-requirements.txt >/tmp/poetry-only.txt
/opt/uv/bin/uv pip install --quiet --python /opt/poetry/bin/python --no-deps --compile-bytecode \
  --link-mode copy ${POETRY_PYPI_MIRROR_URL:+--index-url "$POETRY_PYPI_MIRROR_URL"} \
  -r /tmp/poetry-only.txt
/opt/uv/bin/uv pip check --quiet --python /opt/poetry/bin/python
rm /tmp/poetry-only.txt
chmod -R g+w /opt/poetry
ln -s /opt/poetry/bin/poetry /usr/local/bin/poetry
EOF

# ---- locked: pyproject.toml and poetry.lock, checked before anything is built from them.
FROM poetry AS locked
WORKDIR /project
# The glob lets a missing poetry.lock reach the check below, which says what to do about it.
COPY pyproject.toml poetry.lock* ./
# Then pyproject.toml is cut down to what decides the dependencies (what the lock's own hash
# covers), so a version bump or a [tool.ruff] edit leaves the dependency layer as it is.
RUN --mount=type=bind,source=kit_build.py,target=/tmp/kit_build.py \
    /opt/poetry/bin/python /tmp/kit_build.py reduce

# ---- app-files: the project's own code, staged under /app-root as prod will hold it: the package
# as a wheel in the venv, an application's files in /app, path dependencies as wheels too.
FROM locked AS app-files
ARG APP_INSTALL PROD_GROUPS PROD_EXTRAS POETRY_PYPI_MIRROR_URL
COPY . ./
RUN --mount=type=bind,from=uv,source=/opt/uv,target=/opt/uv \
    --mount=type=cache,target=/root/.cache/uv <<EOF
set -eu
case "$APP_INSTALL" in
  package|files|both) ;;
  *) echo >&2 "error: APP_INSTALL is '$APP_INSTALL': use package, files or both."; exit 1 ;;
esac
python -m venv --without-pip /opt/venv
mkdir -p /app-root/app /tmp/dist /tmp/deps
# The path dependencies prod installs: those in the main group or PROD_GROUPS, or in PROD_EXTRAS.
python kit_build.py path-deps >/tmp/path-deps
# Each a wheel: a Poetry project's with poetry-core, as the project's own; any other with uv,
# which gets its build backend from the index.
while read -r folder; do
  if [ ! -d "$folder" ]; then
    echo >&2 "error: path dependency $folder: not in the build context. It must be a folder of" \
      "the project that .dockerignore lets through (scripts/adopt writes it so)."
    exit 1
  fi
  if grep -qs poetry.core.masonry.api "$folder/pyproject.toml"; then
    /opt/poetry/bin/python kit_build.py wheel "$folder" /tmp/deps
  else
    /opt/uv/bin/uv build --quiet --wheel --out-dir /tmp/deps \
      ${POETRY_PYPI_MIRROR_URL:+--default-index "$POETRY_PYPI_MIRROR_URL"} "$folder"
  fi
done </tmp/path-deps
case "$APP_INSTALL" in
  package|both) /opt/poetry/bin/python kit_build.py wheel . /tmp/dist ;;
esac
purelib="$(/opt/poetry/bin/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"
for wheel in /tmp/deps/*.whl /tmp/dist/*.whl; do
  [ -e "$wheel" ] || continue
  PYTHONPATH="$purelib" /opt/venv/bin/python -m installer --destdir /app-root \
    --no-compile-bytecode "$wheel"
done
case "$APP_INSTALL" in
  files|both)
    # Every file but Poetry's and the kit's, the path dependencies' folders and, for "both",
    # what the wheel installed already.
    python kit_build.py stage-files /app-root/app
    ;;
esac
# Bytecode checked by hash, not by the files' times (prod is read-only: nothing recompiles); the
# modes a checkout has under any umask; and one fixed time on every file: the layer is a function
# of the project's files alone, and the app user can write none of them.
python -m compileall -q --invalidation-mode unchecked-hash -s /app-root -p / /app-root
# Prod's health check is the kit's helper too.
install -D -m 0644 kit_build.py /app-root/usr/local/lib/kit_build.py
chmod -R u=rwX,go=rX /app-root
find /app-root -exec touch -h -d @315532800 {} +
EOF

# ---- build-tools: the base image plus BUILD_PACKAGES (by default nothing). The dependency step
# sees its /usr, read-only, so an sdist with C code finds a compiler that no layer of prod holds.
FROM base AS build-tools
ARG BUILD_PACKAGES
# Not pinned: Debian's versions come with the base image's release. The list splits on spaces.
# hadolint ignore=DL3008
RUN <<EOF
set -eu
if [ -n "$BUILD_PACKAGES" ]; then
  apt-get update
  apt-get install -y --no-install-recommends $BUILD_PACKAGES
  rm -rf /var/lib/apt/lists/*
fi
EOF

# ---- venv: the locked dependencies prod installs, staged under /venv-root: a layer that no code
# change re-makes, and the build args here (a mirror's URL) stay out of prod's history.
FROM base AS venv
ARG PYTHON_VERSION TARGETPLATFORM PROD_GROUPS PROD_EXTRAS POETRY_PYPI_MIRROR_URL IMAGE_TITLE
# One venv cache per project (named by its title), platform and Python version: a build never gets
# another platform's venv, and two projects built on one machine neither wait for each other nor
# undo each other's installs.
ARG VENV_CACHE="venv-$IMAGE_TITLE-$TARGETPLATFORM-$PYTHON_VERSION"
# Poetry, the lock files, build-tools' /usr and index credentials are mounted, never copied; the
# venv lives in a cache mount (a changed lock installs only what changed), and its copy has one
# fixed time and hash-checked bytecode: the layer is a function of the lock alone.
RUN --mount=type=bind,from=poetry,source=/opt/poetry,target=/opt/poetry \
    --mount=type=bind,from=locked,source=/project,target=/project \
    --mount=type=bind,from=build-tools,source=/usr,target=/usr \
    --mount=type=cache,target=/root/.cache/pypoetry \
    --mount=type=cache,id=$VENV_CACHE,target=/root/.cache/venv,sharing=locked \
    --mount=type=secret,id=poetry-auth,target=/root/.config/pypoetry/auth.toml \
    --mount=type=bind,source=kit_build.py,target=/tmp/kit_build.py <<EOF
set -eu
# One fixed time, 1980-01-01 (as in runtime), for the venv's files and a wheel built from an sdist.
export SOURCE_DATE_EPOCH=315532800
groups="$PROD_GROUPS"
# The main group, where pyproject.toml declares dependencies (a library may have none: then Poetry
# has no `main` group to give). Not from the lock: Poetry 1.5 to 1.8 name no groups there.
if python /tmp/kit_build.py main-group /project/pyproject.toml; then
  groups="main${groups:+,$groups}"
fi
[ -n "$groups" ] || find /root/.cache/venv -mindepth 1 -delete
if [ ! -x /root/.cache/venv/bin/python ]; then
  python -m venv --without-pip /opt/venv
  cp -a /opt/venv/. /root/.cache/venv
  rm -r /opt/venv
fi
ln -s /root/.cache/venv /opt/venv
# Path dependencies are the project's own code, built in app-files: `--no-directory` skips them
# (Poetry still says that their folders do not exist here, which is expected).
if [ -n "$groups" ]; then
  POETRY_VIRTUALENVS_CREATE=false VIRTUALENV_OVERRIDE_APP_DATA=/root/.cache/pypoetry/virtualenv \
    /opt/poetry/bin/poetry --project /project sync --no-root --no-directory --only "$groups" \
    ${PROD_EXTRAS:+--extras "$PROD_EXTRAS"} \
  || { echo >&2 "error: Poetry's message above says what is wrong;" \
         "if poetry.lock is stale, run 'poetry lock' and commit poetry.lock."; exit 1; }
fi
# Poetry clones a git dependency into the venv's src/ to build its wheel, and leaves the clone:
# its history and its remote's URL, never used again. Each goes, but one that an editable install
# (develop = true) runs from, which its direct_url.json names.
for clone in /opt/venv/src/*/; do
  [ -d "$clone" ] || continue
  if ! grep -qrsF --include=direct_url.json "\"file://${clone%/}\"" /opt/venv/lib; then
    rm -rf "$clone"
  fi
done
rmdir /opt/venv/src 2>/dev/null || true
# Bytecode for every .py file whose hash-checked .pyc is missing or stale: only what changed. A
# file that does not compile (Python 2 code kept beside the package's own, a template named .py)
# stays without bytecode, as pip leaves it: importing it fails anywhere, so the build goes on.
python /tmp/kit_build.py compile /opt/venv/lib
# Poetry's parallel installer now and then leaves a file world-writable: every mode becomes
# rw-r--r-- (rwxr-xr-x where it was executable), so the app user can write nothing here.
chmod -R u=rwX,go=rX /root/.cache/venv
find /root/.cache/venv -newermt "@$SOURCE_DATE_EPOCH" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
rm /opt/venv
mkdir -p /venv-root/opt
cp -a /root/.cache/venv /venv-root/opt/venv
touch -d "@$SOURCE_DATE_EPOCH" /venv-root/opt /venv-root
EOF

# ---- runtime: what prod runs on: the base image, RUNTIME_PACKAGES and prod's user.
FROM base AS runtime
ARG RUNTIME_PACKAGES
# No pip; the system packages the app loads (without apt's lists and logs) and prod's user, all at
# one fixed time (1980-01-01), so the layer is the same on any machine and any day.
# hadolint ignore=DL3008
RUN <<EOF
set -eu
export SOURCE_DATE_EPOCH=315532800
start="$(date +%s.%N)"
python -m pip uninstall --yes --root-user-action=ignore pip
if [ -n "$RUNTIME_PACKAGES" ]; then
  apt-get update
  apt-get install -y --no-install-recommends $RUNTIME_PACKAGES
  rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/ldconfig/aux-cache \
    /var/log/apt /var/log/dpkg.log /var/cache/debconf/*-old /var/lib/dpkg/*-old
fi
groupadd --system --gid 10001 app
# Its home is /tmp, the one place a read-only prod can write (--tmpfs /tmp): libraries that cache
# under ~ (fontconfig, Matplotlib, Hugging Face's models) work there instead of failing.
useradd --system --uid 10001 --gid app --home-dir /tmp --no-create-home --no-log-init \
  --shell /usr/sbin/nologin app
mkdir /app
find /etc /usr /var /app /root /tmp -newerct "@$start" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
EOF

# Where an application's files go: made above, with the fixed time, so the layer this adds is empty.
WORKDIR /app

# ---- app: runtime plus the venv, then the project's own files, each a layer of its own: no
# Poetry, pip, compilers or source tree.
FROM runtime AS app
COPY --from=venv /venv-root/ /
COPY --from=app-files /app-root/ /
ARG HEALTHCHECK_URL
ENV PYTHONPATH=/app \
    HEALTHCHECK_URL=${HEALTHCHECK_URL}
# ASSETS_COMMAND, where the project has one: run as root, so what it writes is the app user's to
# read and never to change. Then WRITABLE_PATHS, the one place the app user may write. Both given
# one fixed time, so they stay a function of the project's files; with neither, no layer.
ARG ASSETS_COMMAND WRITABLE_PATHS
RUN <<EOF
set -eu
[ -n "$ASSETS_COMMAND$WRITABLE_PATHS" ] || exit 0
# Files get their times from the kernel's clock tick, up to one behind date's: wait one out.
start="$(date +%s.%N)"
sleep 0.05
if [ -n "$ASSETS_COMMAND" ] && ! sh -c "$ASSETS_COMMAND"; then
  echo >&2 "error: ASSETS_COMMAND failed (above). Where the settings need environment variables," \
    "give it build-time values: ASSETS_COMMAND=\"SECRET_KEY=build $ASSETS_COMMAND\"."
  exit 1
fi
for path in $WRITABLE_PATHS; do
  mkdir -p "$path"
  chown -R 10001:10001 "$path"
done
find /app /opt /root /tmp -newerct "@$start" -exec touch -h -d @315532800 {} +
EOF

# Numeric, so Kubernetes' runAsNonRoot can verify it.
USER 10001:10001
ARG APP_PORT
EXPOSE ${APP_PORT}
# The venv's own Python asks HEALTHCHECK_URL (prod has no curl): any answer below 500 is healthy,
# a redirect too. Every second while starting, then every 30 s.
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --start-interval=1s --retries=3 \
    CMD ["python", "/usr/local/lib/kit_build.py", "health"]
# Smoke test, as the app's user with prod's paths: the project's own modules import. It stops the
# build for what prod lacks (a module, a system library); code that needs the running environment
# only warns. The metadata is mounted over /tmp: a mount point made here would add a folder.
ARG APP_MODULE
RUN --mount=type=bind,from=locked,source=/project,target=/tmp,rw \
    python /usr/local/lib/kit_build.py smoke /tmp/pyproject.toml /app "$APP_MODULE"

# ---- sbom: a CycloneDX document of prod's /opt/venv, written to the host by
# `docker build --target sbom --output type=local,dest=. .` (cyclonedx-py, pinned; not in prod).
FROM base AS sbom-tool
ARG POETRY_PYPI_MIRROR_URL
RUN --mount=type=cache,target=/root/.cache/pip \
    --mount=type=bind,source=sbom-requirements.txt,target=/tmp/sbom-requirements.txt <<EOF
set -eu
python -m venv --without-pip /opt/sbom
python -m pip --python /opt/sbom/bin/python install --no-deps --root-user-action=ignore \
  --disable-pip-version-check ${POETRY_PYPI_MIRROR_URL:+--index-url "$POETRY_PYPI_MIRROR_URL"} \
  -r /tmp/sbom-requirements.txt
python -m pip --python /opt/sbom/bin/python check
EOF

# The project is the document's subject: its name, version and description, from [project] or
# [tool.poetry] (cyclonedx-py reads only the latter when it exists, so it gets them alone). With
# SOURCE_DATE_EPOCH set, that is the document's timestamp: the same image gives the same document.
ARG SOURCE_DATE_EPOCH
RUN --mount=type=bind,from=app,source=/opt/venv,target=/opt/venv \
    --mount=type=bind,from=app-files,source=/project/pyproject.toml,target=/tmp/pyproject.toml \
    --mount=type=bind,source=kit_build.py,target=/tmp/kit_build.py <<EOF
set -eu
/opt/sbom/bin/python /tmp/kit_build.py sbom-subject /tmp/pyproject.toml /tmp/subject.toml
/opt/sbom/bin/cyclonedx-py environment --pyproject /tmp/subject.toml --output-reproducible \
  --output-format JSON --output-file /sbom.cdx.json /opt/venv
EOF

FROM scratch AS sbom
COPY --from=sbom-tool /sbom.cdx.json /

# ---- dev: what the dev container runs. The workspace is bind-mounted, so no source is copied in;
# the lifecycle commands in devcontainer.json install the project editable from there.
FROM base AS dev
ARG BUILD_PACKAGES
ARG RUNTIME_PACKAGES
# The usual dev container tools (not pinned: Debian's versions come with its release), and
# BUILD_PACKAGES and RUNTIME_PACKAGES; no docs or man pages. Add what you miss to the list.
# hadolint ignore=DL3008
RUN <<EOF
set -eu
for docs in doc man info locale; do
  echo "path-exclude=/usr/share/$docs/*"
done >/etc/dpkg/dpkg.cfg.d/01-dev-slim
apt-get update
apt-get install -y --no-install-recommends \
  bash-completion curl git less openssh-client procps sudo systemd-standalone-sysusers \
  $BUILD_PACKAGES $RUNTIME_PACKAGES
apt-get clean
rm -rf /var/lib/apt/lists/*
EOF

# `vscode` (UID/GID 1000, passwordless sudo), as in the official dev container images; /opt/venv
# stays writable by the `venv` group, so `poetry add` works under your host UID too.
RUN <<EOF
set -eu
groupadd --gid 1000 vscode
useradd --uid 1000 --gid vscode --create-home --shell /bin/bash vscode
groupadd --system venv
usermod --append --groups venv vscode
echo 'vscode ALL=(root) NOPASSWD:ALL' >/etc/sudoers.d/vscode
chmod 0440 /etc/sudoers.d/vscode
install -d -o vscode -g venv -m 2775 /opt/venv
cat >/etc/profile.d/venv.sh <<'SH'
# Login shells reset PATH in /etc/profile: put the venv back in front.
export VIRTUAL_ENV=/opt/venv
case ":$PATH:" in *:/opt/venv/bin:*) ;; *) PATH="/opt/venv/bin:$PATH" ;; esac
SH
EOF

# Poetry's venv is the venv group's too: Poetry installs the plugins a project requires
# ([tool.poetry.requires-plugins]) only where it can write to its own venv.
COPY --from=poetry --chown=root:venv /opt/poetry /opt/poetry
# Packages come from Poetry here. With no pip, nothing lands outside /opt/venv and poetry.lock by
# accident (pip would fall back to a user site the venv never sees); `pip` says what to do instead.
RUN <<EOF
set -eu
python -m pip uninstall --yes --root-user-action=ignore pip
cat >/usr/local/bin/pip <<'SH'
#!/bin/sh
echo "pip: not in this dev container. Add packages with: poetry add NAME" >&2
exit 1
SH
chmod 0755 /usr/local/bin/pip
ln -s pip /usr/local/bin/pip3
ln -s /opt/poetry/bin/poetry /usr/local/bin/poetry
chmod g+w /opt/poetry  # COPY made the folder itself rwxr-xr-x
EOF

# Building an sdist, Poetry's virtualenv keeps its app data with Poetry's cache, out of the image.
ENV POETRY_VIRTUALENVS_CREATE=false \
    VIRTUALENV_OVERRIDE_APP_DATA=/home/vscode/.cache/pypoetry/virtualenv
# By name: the Dev Containers CLI finds `vscode` by name when it remaps the UID to yours.
# hadolint ignore=DL3066
USER vscode
ARG POETRY_PYPI_MIRROR_URL
# Every group and extra, installed as `vscode`, who owns what `poetry add` changes; the project and
# its path dependencies come later, from the workspace (devcontainer.json's updateContentCommand).
RUN --mount=type=cache,target=/home/vscode/.cache/pypoetry,uid=1000,gid=1000 \
    --mount=type=secret,id=poetry-auth,target=/home/vscode/.config/pypoetry/auth.toml,uid=1000 \
    --mount=type=bind,from=locked,source=/project,target=/tmp/project <<EOF
set -eu
python -m venv --without-pip /opt/venv
poetry --project /tmp/project sync --all-groups --all-extras --no-root --no-directory
chmod -R g+w /opt/venv
EOF

# ---- prod: the app's image, labelled; the last stage, so that `docker build .` builds it (as
# Railway, Render and Fly do, with no --target). The labels come last: new values re-run no step.
FROM app AS prod
# CI sets three build args: --build-arg VERSION=1.2.3 --build-arg REVISION=$(git rev-parse HEAD)
# --build-arg CREATED=$(date -u +%FT%TZ)
ARG VERSION=0.1.0 REVISION=unknown CREATED=unknown IMAGE_TITLE IMAGE_DESCRIPTION IMAGE_SOURCE
LABEL org.opencontainers.image.title="${IMAGE_TITLE}" \
      org.opencontainers.image.description="${IMAGE_DESCRIPTION}" \
      org.opencontainers.image.source="${IMAGE_SOURCE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"
