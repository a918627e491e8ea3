from sanic import Sanic
from sanic.response import json

app = Sanic("shapes")


@app.get("/")
async def hello(request):
    return json({"shape": "sanic"})
