from flask import Flask

from settings import SHAPE

app = Flask(__name__)


@app.get("/")
def hello() -> dict[str, str]:
    return {"shape": SHAPE}
