SECRET_KEY = "not-a-secret"
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "config.urls"
INSTALLED_APPS = ["polls"]
WSGI_APPLICATION = "config.wsgi.application"
