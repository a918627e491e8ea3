"""The ASGI application."""

from fastapi import FastAPI

app = FastAPI(title="minimal-py-poetry")


@app.get("/health")
def health() -> dict[str, str]:
    """Liveness probe: 200 as long as the process serves requests."""
    return {"status": "ok"}
