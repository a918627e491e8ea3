"""adopt, as modules: what the project is (project, facts, lock), how it starts (rules,
servers, serving), what the kit writes for it (decide, render, merge), and writing it all or
nothing (write). scripts/adopt is the command; cli.py runs it."""
