import docopt  # an sdist-only dependency: prod must have it
from django.http import JsonResponse
from django.urls import path

urlpatterns = [path("", lambda request: JsonResponse({"shape": "django"}))]
