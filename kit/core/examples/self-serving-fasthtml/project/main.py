import os

from fasthtml.common import P, fast_app, serve

# The session key from the environment: prod cannot write FastHTML's .sesskey file in /app.
app, rt = fast_app(secret_key=os.environ.get("SESSION_SECRET", "not-a-secret"))


@rt("/")
def get():
    return P("shape: python-fasthtml")


serve()
