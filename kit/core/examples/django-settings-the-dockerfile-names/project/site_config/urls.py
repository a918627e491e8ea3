from django.conf import settings
from django.http import JsonResponse
from django.urls import path


def hello(request):
    return JsonResponse({"shape": "production settings", "debug": settings.DEBUG})


urlpatterns = [path("", hello)]
