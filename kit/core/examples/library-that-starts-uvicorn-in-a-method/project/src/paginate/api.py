from typing import TYPE_CHECKING

from fastapi import Query
from pydantic import BaseModel

if TYPE_CHECKING:
    from sqlalchemy.orm import Session  # only for type checkers: no import at run time

try:
    import sqlalchemy  # optional: used where installed
except ImportError:
    sqlalchemy = None


class Page(BaseModel):
    items: list
    total: int


def paginate(items: list, size: int = Query(50)) -> Page:
    return Page(items=items[:size], total=len(items))
