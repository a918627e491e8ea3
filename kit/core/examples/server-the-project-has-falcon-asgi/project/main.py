import falcon.asgi


class Hello:
    async def on_get(self, req, resp):
        resp.media = {"shape": "falcon.asgi"}


app = falcon.asgi.App()
app.add_route("/", Hello())
