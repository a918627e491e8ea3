from quart import Quart

app = Quart(__name__)


@app.route("/")
async def hello() -> dict[str, str]:
    return {"shape": "quart"}
