import pydantic
