# Peer "uv-multistage", for the benchmark only: uv's official multistage example
# (astral-sh/uv-docker-example), on the kit's base image. uv comes from its image (the benchmark
# passes UV_IMAGE); the dependencies install from uv.lock with a cache mount, then the project,
# then the runtime stage copies /app, venv included, as a non-root user.
ARG PYTHON_VERSION=3.14
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.8
FROM ${UV_IMAGE} AS uv

FROM python:${PYTHON_VERSION}-slim-trixie AS builder
COPY --from=uv /uv /uvx /bin/
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_NO_DEV=1 UV_PYTHON_DOWNLOADS=0
# (Only where the benchmark's machine needs a mirror; unset, uv uses PyPI.)
ARG UV_DEFAULT_INDEX
WORKDIR /app
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=uv.lock,target=uv.lock \
    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \
    uv sync --locked --no-install-project
COPY . /app
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked

FROM python:${PYTHON_VERSION}-slim-trixie
RUN groupadd --system --gid 999 nonroot \
 && useradd --system --gid 999 --uid 999 --create-home nonroot
COPY --from=builder --chown=nonroot:nonroot /app /app
ENV PATH="/app/.venv/bin:$PATH"
USER nonroot
WORKDIR /app
EXPOSE 8000
CMD ["minimal-py-poetry"]
