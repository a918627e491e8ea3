    import uvicorn
        uvicorn.run(
            host=host or str(self.config.host),
