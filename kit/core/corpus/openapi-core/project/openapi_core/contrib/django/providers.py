from django.core.exceptions import ImproperlyConfigured
