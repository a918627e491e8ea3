import os

from aiohttp import web

PORT = int(os.environ.get("PORT", "8081"))


async def index(request: web.Request) -> web.Response:
    return web.Response(text="shape: aiohttp")


app = web.Application()
app.router.add_get("/", index)

if __name__ == "__main__":
    web.run_app(app, port=PORT)
