from fastapi.testclient import TestClient

from acme_api.app import app


def test_hello() -> None:
    assert TestClient(app).get("/").status_code == 200
