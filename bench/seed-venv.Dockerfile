# Peer "seed-venv", for the benchmark only: the seed's own idea. A venv made with `python -m venv`
# at /opt/venv and activated, so Poetry installs into it; the runtime stage copies /opt/venv and
# the project, whose root package Poetry installed editable from /app.
ARG PYTHON_VERSION=3.14
FROM python:${PYTHON_VERSION}-slim-trixie AS builder
# (The mirror plugin and build arg only let it build on machines that need a mirror.)
ARG POETRY_PYPI_MIRROR_URL=
RUN pip install ${POETRY_PYPI_MIRROR_URL:+--index-url "$POETRY_PYPI_MIRROR_URL"} \
      poetry==2.5.1 poetry-plugin-pypi-mirror==0.6.5
RUN python -m venv /opt/venv
ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH
WORKDIR /app
COPY pyproject.toml poetry.lock ./
RUN poetry install --only main --no-root
COPY . .
RUN poetry install --only main

FROM python:${PYTHON_VERSION}-slim-trixie
ENV PATH=/opt/venv/bin:$PATH
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app /app
WORKDIR /app
EXPOSE 8000
CMD ["minimal-py-poetry"]
