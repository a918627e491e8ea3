from beanie.odm.queries.find import FindMany
from motor.motor_asyncio import AsyncIOMotorClientSession
