import yaml
from flask import Flask

app = Flask(__name__)
SETTINGS = yaml.safe_load("greeting: the shape of its extras")


@app.get("/")
def index() -> str:
    return SETTINGS["greeting"]
