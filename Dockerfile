# One Dockerfile, two targets:
#   dev   what VS Code and Codespaces open (.devcontainer/devcontainer.json)
#   prod  what CI builds and ships: `docker build --target prod .`
# In every stage the one virtual environment is /opt/venv, outside the bind-mounted workspace.

# Change the Python version here (or with --build-arg PYTHON_VERSION=3.13); everything follows.
ARG PYTHON_VERSION=3.14

# ---- base: the interpreter every stage shares, so the venv's paths stay valid from builder to prod.
# Base image not found? The build arg PYTHON_VERSION must be a version that has an official
# python:<version>-slim-trixie image, such as 3.13 or 3.14.
FROM python:${PYTHON_VERSION}-slim-trixie AS base
# Activate /opt/venv for every process: `python` is the venv's, and Poetry installs into it because
# it is the active venv (Poetry never creates one of its own).
ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1

# ---- poetry: Poetry and its mirror plugin in a venv of their own, never inside /opt/venv.
FROM base AS poetry
# A PyPI mirror or pull-through cache (simple index URL); empty means PyPI. Not a secret: credentials
# go in as a BuildKit secret (see README), never as a build arg.
ARG POETRY_PYPI_MIRROR_URL=
ENV POETRY_VIRTUALENVS_CREATE=false \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
# Exactly the versions in poetry-requirements.txt, Poetry's own dependencies included, so every
# build gets the same Poetry; `pip check` proves the set complete. The base image's pip installs
# them, so the venv itself carries no pip (/opt/venv does not exist yet: `python` is still the
# base interpreter).
RUN --mount=type=cache,target=/root/.cache/pip \
    --mount=type=bind,source=poetry-requirements.txt,target=/tmp/poetry-requirements.txt \
    python -m venv --without-pip /opt/poetry \
 && python -m pip --python /opt/poetry/bin/python install --no-deps \
      ${POETRY_PYPI_MIRROR_URL:+--index-url "$POETRY_PYPI_MIRROR_URL"} -r /tmp/poetry-requirements.txt \
 && python -m pip --python /opt/poetry/bin/python check \
 && ln -s /opt/poetry/bin/poetry /usr/local/bin/poetry

# ---- locked: the two files the dependencies come from, checked before anything is built from them.
# Without a lock, `poetry sync` would resolve afresh and install versions nobody reviewed; broken
# TOML would fail two stages at once, with tracebacks. (A stale lock stops `poetry sync` in deps,
# with Poetry's own message.)
FROM poetry AS locked
WORKDIR /project
# The glob lets a missing poetry.lock reach the check below, which says what to do about it.
COPY pyproject.toml poetry.lock* ./
RUN { test -f poetry.lock \
      || { echo >&2 "error: poetry.lock was not found: run 'poetry lock' and commit poetry.lock."; exit 1; }; } \
 && { python -c 'import sys, tomllib; sys.tracebacklimit = 0; tomllib.load(open("pyproject.toml", "rb"))' \
      || { echo >&2 "error: pyproject.toml is not valid TOML: fix it where the line above says."; exit 1; }; }

# ---- app: the project as a wheel, installed non-editable into a staging root, so prod gets only
# the project's own files in a layer of their own and the dependency layer stays byte-identical.
# The build backend (poetry-core) and `installer` from Poetry's venv do it in a fraction of a
# second, without Poetry's and pip's start-up. An empty venv at /opt/venv gives `python` the
# paths and the shebang that prod has, without waiting for the dependencies.
FROM locked AS app
COPY src ./src
RUN python -m venv --without-pip /opt/venv \
 && /opt/poetry/bin/python -c 'from poetry.core.masonry.api import build_wheel; build_wheel("/tmp/dist")' \
 && PYTHONPATH="$(/opt/poetry/bin/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')" \
    /opt/venv/bin/python -m installer --destdir /app-root --no-compile-bytecode /tmp/dist/*.whl \
 && python -m compileall -q -s /app-root -p / /app-root

# ---- deps: the runtime that prod is: the base image, its user and /opt/venv with the locked main
# dependencies. Nothing under src/ is read here, so editing code never re-runs this stage.
FROM base AS deps
# The base image's own pip goes: nothing in prod installs packages. (/opt/venv is not here yet, so
# `python` is still the base interpreter.)
RUN python -m pip uninstall --yes --root-user-action=ignore pip \
 && groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --no-create-home --no-log-init --shell /usr/sbin/nologin app
ARG PYTHON_VERSION TARGETPLATFORM POETRY_PYPI_MIRROR_URL=
# Poetry, the lock files and any index credentials (a BuildKit secret, in Poetry's auth.toml) are
# mounted, never copied: no layer or history holds them. The venv itself lives in a cache mount that
# outlives the build (one per platform and Python version), so a changed lock installs and compiles
# only what changed. Poetry works on it through /opt/venv, a symlink for the duration, so scripts
# and bytecode name /opt/venv; then a copy of it replaces the symlink and becomes this layer.
RUN --mount=type=bind,from=poetry,source=/opt/poetry,target=/opt/poetry \
    --mount=type=bind,from=locked,source=/project,target=/project \
    --mount=type=cache,target=/root/.cache/pypoetry \
    --mount=type=cache,id=venv-${TARGETPLATFORM}-${PYTHON_VERSION},target=/root/.cache/venv,sharing=locked \
    --mount=type=secret,id=poetry-auth,target=/root/.config/pypoetry/auth.toml \
    { [ -x /root/.cache/venv/bin/python ] \
      || { python -m venv --without-pip /opt/venv && cp -a /opt/venv/. /root/.cache/venv && rm -r /opt/venv; }; } \
 && ln -s /root/.cache/venv /opt/venv \
 && { POETRY_VIRTUALENVS_CREATE=false /opt/poetry/bin/poetry --project /project sync --only main --no-root \
      || { echo >&2 "error: Poetry's message above says what is wrong;" \
           "if poetry.lock is stale, run 'poetry lock' and commit poetry.lock."; exit 1; }; } \
 && python -m compileall -q -j 0 /opt/venv/lib \
 && rm /opt/venv \
 && cp -a /root/.cache/venv /opt/venv

# ---- prod: deps plus the project's own files, in a layer of their own. No Poetry, no pip, no
# compilers, no source tree.
FROM deps AS prod
COPY --link --from=app /app-root/ /
# Numeric, so Kubernetes' runAsNonRoot can verify it.
USER 10001:10001
EXPOSE 8000
# The venv's own Python does the check: prod has no curl. Every second while starting, then every 30 s.
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --start-interval=1s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2)"]
CMD ["minimal-py-poetry"]
# Last, so that new values re-run no step. CI sets the three build args, e.g.
# --build-arg VERSION=1.2.3 --build-arg REVISION=$(git rev-parse HEAD) --build-arg CREATED=$(date -u +%FT%TZ)
ARG VERSION=0.1.0 REVISION=unknown CREATED=unknown
LABEL org.opencontainers.image.title="minimal-py-poetry" \
      org.opencontainers.image.description="A small HTTP service on Python, built with Poetry." \
      org.opencontainers.image.source="https://github.com/minimal-py-poetry/minimal-py-poetry" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"

# ---- dev: what the dev container runs. The workspace is bind-mounted, so no source is copied in;
# the lifecycle commands in devcontainer.json install the project editable from there.
FROM base AS dev
# The usual dev container tools. Not pinned: Debian's versions come with the base image's release, and
# an exact pin breaks the build as soon as Debian ships a security fix. As in Debian's slim images,
# no docs, man pages or translations; and openssh-client gets the small sysusers, not all of systemd.
# Add what you miss to this list (the benchmark holds the dev image to 450 MB).
# hadolint ignore=DL3008
RUN printf 'path-exclude=%s\n' /usr/share/doc/\* /usr/share/man/\* /usr/share/info/\* /usr/share/locale/\* \
      >/etc/dpkg/dpkg.cfg.d/01-dev-slim \
 && apt-get update \
 && apt-get install -y --no-install-recommends \
      bash-completion curl git less openssh-client procps sudo systemd-standalone-sysusers \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/*
# `vscode` (UID/GID 1000, passwordless sudo) as in the official dev container images. /opt/venv belongs
# to the `venv` group and stays group-writable: when the Dev Containers CLI gives `vscode` your host
# UID (Linux hosts whose UID is not 1000), `vscode` is still in that group and `poetry add` works.
# The profile script is written literally, hence the single quotes.
# hadolint ignore=SC2016
RUN groupadd --gid 1000 vscode \
 && useradd --uid 1000 --gid vscode --create-home --shell /bin/bash vscode \
 && groupadd --system venv \
 && usermod --append --groups venv vscode \
 && echo 'vscode ALL=(root) NOPASSWD:ALL' >/etc/sudoers.d/vscode \
 && chmod 0440 /etc/sudoers.d/vscode \
 && install -d -o vscode -g venv -m 2775 /opt/venv \
 && printf '%s\n' '# Login shells reset PATH in /etc/profile: put the venv back in front.' \
      'export VIRTUAL_ENV=/opt/venv' \
      'case ":$PATH:" in *:/opt/venv/bin:*) ;; *) PATH="/opt/venv/bin:$PATH" ;; esac' \
      >/etc/profile.d/venv.sh
COPY --from=poetry /opt/poetry /opt/poetry
# Packages come from Poetry here. With no pip, nothing lands outside /opt/venv and poetry.lock by
# accident (pip would fall back to a user site the venv never sees); `pip` says what to do instead.
RUN python -m pip uninstall --yes --root-user-action=ignore pip \
 && printf '%s\n' '#!/bin/sh' \
      'echo "pip: not in this dev container. Add packages with: poetry add NAME" >&2' 'exit 1' \
      >/usr/local/bin/pip \
 && chmod 0755 /usr/local/bin/pip \
 && ln -s pip /usr/local/bin/pip3 \
 && ln -s /opt/poetry/bin/poetry /usr/local/bin/poetry
ENV POETRY_VIRTUALENVS_CREATE=false
# By name: the Dev Containers CLI finds `vscode` by name when it remaps the UID to yours.
# hadolint ignore=DL3066
USER vscode
ARG POETRY_PYPI_MIRROR_URL=
# Main and dev dependencies, installed as `vscode` so it owns what `poetry add` will change.
# The lock files come from the `locked` stage: checked, and not left behind in this image.
RUN --mount=type=cache,target=/home/vscode/.cache/pypoetry,uid=1000,gid=1000 \
    --mount=type=secret,id=poetry-auth,target=/home/vscode/.config/pypoetry/auth.toml,uid=1000 \
    --mount=type=bind,from=locked,source=/project,target=/tmp/project \
    python -m venv --without-pip /opt/venv \
 && poetry --project /tmp/project sync --no-root \
 && chmod -R g+w /opt/venv
