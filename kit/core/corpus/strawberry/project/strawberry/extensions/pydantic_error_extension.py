    from pydantic import ValidationError as PydanticValidationError
