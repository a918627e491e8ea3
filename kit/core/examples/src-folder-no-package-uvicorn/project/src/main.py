from fastapi import FastAPI

from settings import SHAPE

app = FastAPI()


@app.get("/")
def hello() -> dict[str, str]:
    return {"shape": SHAPE}
