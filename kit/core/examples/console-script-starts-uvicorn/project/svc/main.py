import uvicorn
from fastapi import FastAPI

from svc import settings

app = FastAPI()


@app.get("/")
def hello() -> dict[str, str]:
    return {"shape": "console-script"}


def start() -> None:
    uvicorn.run(app, host="0.0.0.0", port=settings.PORT)
