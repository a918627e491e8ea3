from fastapi import FastAPI
from greeting import GREETING
from shapes import SHAPE

app = FastAPI()


@app.get("/")
def hello() -> dict[str, str]:
    return {"shape": f"{GREETING} {SHAPE}"}
