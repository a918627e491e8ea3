app = FastAPI(lifespan=lifespan)
