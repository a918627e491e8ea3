    import uvicorn
