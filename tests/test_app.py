from fastapi.testclient import TestClient

from minimal_py_poetry.app import app

client = TestClient(app)


def test_health_returns_200_and_ok() -> None:
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_unknown_path_returns_404() -> None:
    assert client.get("/nope").status_code == 404
