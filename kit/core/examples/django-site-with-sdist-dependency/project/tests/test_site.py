from django.test import Client


def test_home() -> None:
    assert Client().get("/").json() == {"shape": "django"}
