from acme.common.shapes import SHAPE
from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def hello() -> dict[str, str]:
    return {"shape": SHAPE}
