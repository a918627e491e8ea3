    import aiohttp
