from fastapi import APIRouter

router = APIRouter()


@router.get("/")
async def home() -> dict[str, str]:
    return {"shape": "factory"}
