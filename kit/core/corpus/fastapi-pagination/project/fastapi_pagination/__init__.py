from .api import (
