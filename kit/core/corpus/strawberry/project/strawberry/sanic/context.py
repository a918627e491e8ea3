from sanic.request import Request
