from flask import Flask

app = Flask(__name__)


@app.get("/")
def index() -> dict[str, str]:
    return {"shape": "development server"}


def run() -> None:
    """`poetry run start` while developing: Flask's server, on 127.0.0.1:5000, reloading."""
    app.run(debug=True)
