from fastapi.utils import generate_unique_id
from starlette import status
