SECRET_KEY = "not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "apps.site.urls"
INSTALLED_APPS = []
MIDDLEWARE = []
WSGI_APPLICATION = "apps.site.wsgi.application"
