# One Dockerfile: `dev` for VS Code and Codespaces, `prod` (the last stage) for `docker build .`.
# In every stage the one virtual environment is /opt/venv, outside the bind-mounted workspace.
# Why each step is as it is: docs/how-it-works.md, step by step.

# ==== Your project. `python3 scripts/adopt` writes this section; edit it as you like. Below it,
# the file is the kit's, the same in every project: a newer kit replaces it whole.

# A version with an official python:<version>-slim-trixie image (or --build-arg PYTHON_VERSION).
ARG PYTHON_VERSION=3.14
# "package": the project as a wheel in the venv; "files": its files in /app (package-mode =
# false); "both": a package whose start also needs files from the project's root.
ARG APP_INSTALL=package
# Besides the main dependencies: Poetry groups (comma-separated) and extras (space-separated).
ARG PROD_GROUPS=
ARG PROD_EXTRAS=
# System packages an sdist needs to build (e.g. "gcc libc6-dev"): never in prod.
ARG BUILD_PACKAGES=
# System packages a dependency loads at run time (e.g. "libpq5"): in prod and dev.
ARG RUNTIME_PACKAGES=
# Run once in /app at build time, e.g. Django's "python manage.py collectstatic --noinput".
ARG ASSETS_COMMAND=
# The port the app serves on: prod's EXPOSE.
ARG APP_PORT=8000
# What prod's HEALTHCHECK requests (any answer below 500 is healthy; empty: no request).
ARG HEALTHCHECK_URL=http://127.0.0.1:8000/health
# Folders the app writes at run time (e.g. "/app/logs"), the app user's; read-only, mount a volume.
ARG WRITABLE_PATHS=
# The module the start command serves (`app.main` for app.main:app): the build imports it.
ARG APP_MODULE=
ARG IMAGE_TITLE="minimal-py-poetry"
ARG IMAGE_DESCRIPTION="A small HTTP service, with a dev container and a lean production image."
ARG IMAGE_SOURCE="https://github.com/minimal-py-poetry/minimal-py-poetry"

# ---- base: every stage's interpreter. Not found? Give PYTHON_VERSION a version with an image.
FROM python:${PYTHON_VERSION}-slim-trixie AS base
# How prod starts the project (a JSON array, no shell); the dev container runs its own.
CMD ["minimal-py-poetry"]
# ==== End of your project's section.

# /opt/venv is active in every process: `python` is the venv's, and Poetry installs into it.
ENV VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1

# ---- uv: installs Poetry's pinned set in a second (its pin: `uv==` in poetry-requirements.txt).
FROM base AS uv
# A PyPI mirror (simple index URL); unset means PyPI. Credentials go in as a BuildKit secret.
ARG POETRY_PYPI_MIRROR_URL
# Just the binary, from uv's wheel on the index, cached: pip would take seconds.
RUN --mount=type=cache,target=/root/.cache/kit-uv \
    --mount=type=bind,source=poetry-requirements.txt,target=/tmp/poetry-requirements.txt \
    --mount=type=bind,source=kit_build.py,target=/tmp/kit_build.py \
    python /tmp/kit_build.py uv /opt/uv

# ---- poetry: Poetry and its mirror plugin in a venv of their own, never inside /opt/venv.
FROM base AS poetry
ARG POETRY_PYPI_MIRROR_URL
ENV POETRY_VIRTUALENVS_CREATE=false
# Exactly the pinned set, checked whole, compiled now: later steps mount /opt/poetry read-only.
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,from=uv,source=/opt/uv,target=/opt/uv \
    --mount=type=bind,source=poetry-requirements.txt,target=/tmp/poetry-requirements.txt \
    --mount=type=bind,source=kit_build.py,target=/tmp/kit_build.py <<EOF
set -eu
python /tmp/kit_build.py poetry /opt/poetry
chmod -R g+w /opt/poetry
ln -s /opt/poetry/bin/poetry /usr/local/bin/poetry
EOF

# ---- locked: pyproject.toml and poetry.lock, checked before anything is built from them.
FROM base AS locked
WORKDIR /project
# A missing lock reaches `reduce`, which says what to do, and keeps what decides the dependencies.
COPY pyproject.toml poetry.lock* ./
RUN --mount=type=bind,source=kit_build.py,target=/tmp/kit_build.py \
    python /tmp/kit_build.py reduce

# ---- app-files: the project's own code as prod holds it: a wheel in the venv, or files in /app.
FROM locked AS app-files
ARG APP_INSTALL PROD_GROUPS PROD_EXTRAS POETRY_PYPI_MIRROR_URL
COPY . ./
# Wheels by poetry-core, installed by `installer` (Poetry's pins, not all of Poetry): hash-checked
# bytecode, a checkout's modes, a fixed time.
RUN --mount=type=bind,from=uv,source=/opt/uv,target=/opt/uv \
    --mount=type=cache,target=/root/.cache/uv \
    python kit_build.py app-files /app-root

# ---- build-tools: BUILD_PACKAGES, mounted read-only where sdists build, so prod never has them.
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

# ---- venv: the locked dependencies prod installs: no code change re-makes this layer.
FROM base AS venv
ARG PYTHON_VERSION TARGETPLATFORM PROD_GROUPS PROD_EXTRAS POETRY_PYPI_MIRROR_URL IMAGE_TITLE
# One venv cache per project, platform and Python: builds never share or undo each other's venv.
ARG VENV_CACHE="venv-$IMAGE_TITLE-$TARGETPLATFORM-$PYTHON_VERSION" PROD_INSTALLER=uv
# uv installs what poetry.lock says Poetry would (Poetry itself where it cannot tell), into the
# cached venv: a changed lock installs only what changed. All mounted, never copied.
RUN --mount=type=bind,from=uv,source=/opt/uv,target=/opt/uv \
    --mount=type=bind,from=locked,source=/project,target=/project \
    --mount=type=bind,from=build-tools,source=/usr,target=/usr \
    --mount=type=cache,target=/root/.cache/uv \
    --mount=type=cache,target=/root/.cache/pypoetry \
    --mount=type=cache,id=$VENV_CACHE,target=/root/.cache/venv,sharing=locked \
    --mount=type=secret,id=poetry-auth,target=/root/.config/pypoetry/auth.toml \
    --mount=type=bind,source=poetry-requirements.txt,target=/tmp/poetry-requirements.txt \
    --mount=type=bind,source=kit_build.py,target=/tmp/kit_build.py \
    python /tmp/kit_build.py venv

# ---- runtime: what prod runs on: the base image, RUNTIME_PACKAGES and prod's user.
FROM base AS runtime
ARG RUNTIME_PACKAGES
# No pip; the system packages the app loads and prod's user, at one fixed time (1980-01-01).
# hadolint ignore=DL3008
RUN <<EOF
set -eu
export SOURCE_DATE_EPOCH=315532800  # useradd's password-change date in /etc/shadow too
start="$(date +%s.%N)"
sleep 0.05  # files get their times from the kernel's clock tick, up to one behind date's
python -m pip uninstall --yes --root-user-action=ignore pip
if [ -n "$RUNTIME_PACKAGES" ]; then
  apt-get update
  apt-get install -y --no-install-recommends $RUNTIME_PACKAGES
  rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/ldconfig/aux-cache \
    /var/log/apt /var/log/dpkg.log /var/cache/debconf/*-old /var/lib/dpkg/*-old
fi
groupadd --system --gid 10001 app
# Home is /tmp, where a read-only prod can write (--tmpfs /tmp): caches under ~ work there.
useradd --system --uid 10001 --gid app --home-dir /tmp --no-create-home --no-log-init \
  --shell /usr/sbin/nologin app
mkdir /app
find /etc /usr /var /app /root /tmp -newerct "@$start" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
EOF

WORKDIR /app

# ---- app: runtime, the venv, the project's files, each a layer: no Poetry, pip or compilers.
FROM runtime AS app
COPY --from=venv /venv-root/ /
COPY --from=app-files /app-root/ /
ARG HEALTHCHECK_URL
ENV PYTHONPATH=/app HEALTHCHECK_URL=${HEALTHCHECK_URL}
# ASSETS_COMMAND as root (the app user reads what it makes), then WRITABLE_PATHS; -B: no .pyc.
ARG ASSETS_COMMAND WRITABLE_PATHS
RUN python -B /usr/local/lib/kit_build.py assets

USER 10001:10001
ARG APP_PORT
EXPOSE ${APP_PORT}
# The venv's Python asks HEALTHCHECK_URL (no curl in prod): below 500 is healthy, a redirect too.
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --start-interval=1s --retries=3 \
    CMD ["python", "/usr/local/lib/kit_build.py", "health"]
# Smoke test, as the app's user: the project's modules import, or the build stops, saying why.
ARG APP_MODULE
RUN --mount=type=bind,from=locked,source=/project,target=/tmp,rw \
    python /usr/local/lib/kit_build.py smoke /tmp/pyproject.toml /app "$APP_MODULE"

# ---- sbom: prod's venv as CycloneDX: `docker build --target sbom --output type=local,dest=. .`
FROM base AS sbom-tool
ARG POETRY_PYPI_MIRROR_URL SOURCE_DATE_EPOCH
RUN --mount=type=cache,target=/root/.cache/pip \
    --mount=type=bind,source=sbom-requirements.txt,target=/tmp/sbom-requirements.txt \
    --mount=type=bind,from=app,source=/opt/venv,target=/opt/venv \
    --mount=type=bind,from=app-files,source=/project,target=/project \
    --mount=type=bind,source=kit_build.py,target=/tmp/kit_build.py \
    /usr/local/bin/python /tmp/kit_build.py sbom /sbom.cdx.json
FROM scratch AS sbom
COPY --from=sbom-tool /sbom.cdx.json /

# ---- dev: what the dev container runs. The workspace is bind-mounted: no source copied in.
FROM base AS dev
ARG BUILD_PACKAGES RUNTIME_PACKAGES
# The usual dev tools, without docs (the lists split on spaces); `vscode` (1000, sudo), in the
# `venv` group that may write /opt/venv; no pip: packages come from Poetry, and `pip` says so.
# hadolint ignore=DL3008,SC2086
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
python -m pip uninstall --yes --root-user-action=ignore pip
printf '#!/bin/sh\necho "%s" >&2\nexit 1\n' \
  "pip: not in this dev container. Add packages with: poetry add NAME" >/usr/local/bin/pip
chmod 0755 /usr/local/bin/pip
ln -s pip /usr/local/bin/pip3
ln -s /opt/poetry/bin/poetry /usr/local/bin/poetry
EOF

# Poetry's venv too: it installs a project's requires-plugins only where it can write.
COPY --from=poetry --chown=root:venv /opt/poetry /opt/poetry
RUN chmod g+w /opt/poetry
# Building an sdist, virtualenv's app data stays in Poetry's cache, out of the image.
ENV POETRY_VIRTUALENVS_CREATE=false \
    VIRTUALENV_OVERRIDE_APP_DATA=/home/vscode/.cache/pypoetry/virtualenv
# By name: the Dev Containers CLI finds `vscode` by name when it remaps the UID to yours.
# hadolint ignore=DL3066
USER vscode
ARG POETRY_PYPI_MIRROR_URL
# Every group and extra, as `vscode`; the project itself comes from the workspace later.
RUN --mount=type=cache,target=/home/vscode/.cache/pypoetry,uid=1000,gid=1000 \
    --mount=type=secret,id=poetry-auth,target=/home/vscode/.config/pypoetry/auth.toml,uid=1000 \
    --mount=type=bind,from=locked,source=/project,target=/tmp/project <<EOF
set -eu
python -m venv --without-pip /opt/venv
poetry --project /tmp/project sync --all-groups --all-extras --no-root --no-directory
chmod -R g+w /opt/venv
EOF

# ---- prod: the app's image, labelled, last: `docker build .` builds it. New labels re-run nothing.
FROM app AS prod
# CI sets VERSION=1.2.3, REVISION=$(git rev-parse HEAD) and CREATED=$(date -u +%FT%TZ).
ARG VERSION=0.1.0 REVISION=unknown CREATED=unknown IMAGE_TITLE IMAGE_DESCRIPTION IMAGE_SOURCE
LABEL org.opencontainers.image.title="${IMAGE_TITLE}" \
      org.opencontainers.image.description="${IMAGE_DESCRIPTION}" \
      org.opencontainers.image.source="${IMAGE_SOURCE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"
