"""Serves an app the library's user builds: uvicorn starts when they call Driver.run()."""

import uvicorn
from fastapi import FastAPI


class Driver:
    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def run(self, host: str = "127.0.0.1", port: int = 8000) -> None:
        uvicorn.run(self.app, host=host, port=port)
