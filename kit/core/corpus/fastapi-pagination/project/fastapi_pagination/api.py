from fastapi.routing import APIRoute, APIRouter
