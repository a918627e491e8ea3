    from channels.routing import ProtocolTypeRouter
    from django.core.asgi import get_asgi_application
