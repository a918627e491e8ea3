from fastapi.testclient import TestClient

from main import app


def test_hello() -> None:
    assert TestClient(app).get("/").status_code == 200


def test_the_libraries() -> None:
    from fixtures import EXPECTED

    assert TestClient(app).get("/").json() == {"shape": EXPECTED}
