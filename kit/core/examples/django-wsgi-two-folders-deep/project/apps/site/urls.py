from django.http import JsonResponse
from django.urls import path


def hello(request):
    return JsonResponse({"shape": "wsgi two folders deep"})


urlpatterns = [path("", hello)]
