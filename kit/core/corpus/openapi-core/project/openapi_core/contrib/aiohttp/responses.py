from aiohttp import web
