import pathlib

import uvicorn

assert pathlib.Path("data/greeting.txt").read_text() == "hi\n"
uvicorn.run("svc.api:app", host="0.0.0.0", port=8000)
