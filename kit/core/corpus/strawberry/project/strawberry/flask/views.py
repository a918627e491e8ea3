    from flask.typing import ResponseReturnValue
