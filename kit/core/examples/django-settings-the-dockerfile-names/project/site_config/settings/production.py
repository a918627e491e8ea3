from .base import *  # noqa: F403

DEBUG = False
STATIC_ROOT = BASE_DIR / "staticfiles"  # noqa: F405
