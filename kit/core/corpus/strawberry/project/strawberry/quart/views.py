    from quart.typing import ResponseReturnValue
