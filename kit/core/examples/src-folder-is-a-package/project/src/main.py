from fastapi import FastAPI

from src.auth import SHAPE

app = FastAPI()


@app.get("/")
def hello() -> dict[str, str]:
    return {"shape": SHAPE}
