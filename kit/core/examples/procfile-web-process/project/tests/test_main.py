from fastapi.testclient import TestClient

from main import app


def test_hello() -> None:
    assert TestClient(app).get("/").status_code == 200
