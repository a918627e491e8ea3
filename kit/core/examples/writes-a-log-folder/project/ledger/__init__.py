import logging
import os

from flask import Flask

os.makedirs("logs", exist_ok=True)
logging.getLogger().addHandler(logging.FileHandler("logs/ledger.log"))


def create_app() -> Flask:
    app = Flask(__name__, static_folder=None)

    @app.get("/")
    def balance() -> dict[str, int]:
        logging.getLogger(__name__).warning("balance asked")
        return {"balance": 0}

    return app
