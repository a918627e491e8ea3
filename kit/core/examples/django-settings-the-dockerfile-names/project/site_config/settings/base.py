from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
SECRET_KEY = "not-a-secret"
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "site_config.urls"
INSTALLED_APPS = ["django.contrib.staticfiles"]
MIDDLEWARE = []
STATIC_URL = "static/"
WSGI_APPLICATION = "site_config.wsgi.application"
