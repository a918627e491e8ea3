# Peer "poetry-venv-copy", for the benchmark only: the widespread Poetry multi-stage pattern. Poetry
# makes an in-project .venv in a builder stage (its cache in a cache mount); the runtime stage
# copies the whole venv and the source, and runs the app from the source tree.
ARG PYTHON_VERSION=3.14
FROM python:${PYTHON_VERSION}-slim-trixie AS builder
# (The mirror plugin and build arg only let it build on machines that need a mirror.)
ARG POETRY_PYPI_MIRROR_URL=
RUN pip install ${POETRY_PYPI_MIRROR_URL:+--index-url "$POETRY_PYPI_MIRROR_URL"} \
      poetry==2.5.1 poetry-plugin-pypi-mirror==0.6.5
ENV POETRY_NO_INTERACTION=1 \
    POETRY_VIRTUALENVS_IN_PROJECT=1 \
    POETRY_VIRTUALENVS_CREATE=1 \
    POETRY_CACHE_DIR=/tmp/poetry_cache
WORKDIR /app
COPY pyproject.toml poetry.lock ./
RUN --mount=type=cache,target=/tmp/poetry_cache poetry install --without dev --no-root

FROM python:${PYTHON_VERSION}-slim-trixie AS runtime
ENV VIRTUAL_ENV=/app/.venv \
    PATH=/app/.venv/bin:$PATH \
    PYTHONPATH=/app/src
COPY --from=builder ${VIRTUAL_ENV} ${VIRTUAL_ENV}
COPY src /app/src
WORKDIR /app
EXPOSE 8000
CMD ["python", "-m", "minimal_py_poetry"]
