from .code_extraction import get_full_code
