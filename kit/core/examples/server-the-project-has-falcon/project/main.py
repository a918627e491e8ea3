import falcon


class Hello:
    def on_get(self, req, resp):
        resp.media = {"shape": "falcon"}


app = falcon.App()
app.add_route("/", Hello())
