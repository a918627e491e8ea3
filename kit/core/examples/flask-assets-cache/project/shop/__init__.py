from flask import Flask
from flask_assets import Bundle, Environment


def create_app() -> Flask:
    app = Flask(__name__)
    Environment(app).register("css", Bundle("style.css", filters="cssmin", output="all.css"))

    @app.get("/")
    def home() -> str:
        return '<link rel="stylesheet" href="/static/all.css">'

    return app
