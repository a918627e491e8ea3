from .base import *  # noqa: F403

DEBUG = True
INSTALLED_APPS += ["django_extensions"]  # noqa: F405: a dev-group package, not in prod
