# The naive single-stage Poetry image most projects start from: the benchmark's baseline, not part
# of the kit. (The mirror plugin and build arg only let it build on machines that need a mirror.)
FROM python:3.14-slim-trixie
ARG POETRY_PYPI_MIRROR_URL=
RUN pip install ${POETRY_PYPI_MIRROR_URL:+--index-url "$POETRY_PYPI_MIRROR_URL"} \
      poetry==2.5.1 poetry-plugin-pypi-mirror==0.6.5
WORKDIR /app
COPY . .
RUN poetry install --without dev
EXPOSE 8000
CMD ["poetry", "run", "minimal-py-poetry"]
