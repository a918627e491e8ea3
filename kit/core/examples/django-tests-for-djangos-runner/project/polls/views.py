from django.http import JsonResponse


def index(request):
    return JsonResponse({"shape": "django-tests-for-djangos-runner"})
