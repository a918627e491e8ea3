from pathlib import Path

import yaml
from fastapi import FastAPI

settings = yaml.safe_load(Path("settings.yaml").read_text())
app = FastAPI(title=settings["title"], description=Path("ABOUT.md").read_text())
# The site shows its examples: examples/ is read at run time, docs/ is not.
EXAMPLES = sorted(path.name for path in Path("examples").iterdir())


@app.get("/")
def hello() -> dict[str, str]:
    return {"shape": "allowlist"}
