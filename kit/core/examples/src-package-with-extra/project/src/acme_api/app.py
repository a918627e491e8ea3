import tomlkit  # the extra: prod must have it
from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def hello() -> dict[str, str]:
    return {"shape": "src-package"}
