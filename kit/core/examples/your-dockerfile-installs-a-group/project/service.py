from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route


async def hello(request):
    return JSONResponse({"shape": "your Dockerfile installs a group"})


app = Starlette(routes=[Route("/", hello)])
