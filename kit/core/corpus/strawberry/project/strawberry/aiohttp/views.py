from aiohttp import ClientConnectionResetError, http, web
