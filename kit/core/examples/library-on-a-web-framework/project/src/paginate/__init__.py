"""Importing the package imports FastAPI (through .api): prod needs the dev group."""

from .api import Page, paginate

__all__ = ["Page", "paginate"]
