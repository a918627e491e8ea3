"""Console entry point: `minimal-py-poetry` (or `python -m minimal_py_poetry`) serves the app."""

import os

import uvicorn


def main() -> None:
    """Serve the app on $HOST:$PORT (0.0.0.0:8000 by default), as a container expects."""
    uvicorn.run(
        "minimal_py_poetry.app:app",
        # All interfaces: inside a container, loopback is unreachable from the host.
        host=os.environ.get("HOST", "0.0.0.0"),
        port=int(os.environ.get("PORT", "8000")),
        # `docker stop` sends SIGTERM: finish in-flight requests, never wait for its SIGKILL.
        timeout_graceful_shutdown=5,
    )


if __name__ == "__main__":
    main()
