import dataclasses
from contextlib import asynccontextmanager

import httpx

from app.server import create_app
from core.settings import get_settings
from tests.conftest import Api


def app_with(**settings_changes):
    """The app built with changed settings (the db fixture must be active)."""
    return create_app(dataclasses.replace(get_settings(), **settings_changes), manage_db=False)


@asynccontextmanager
async def api_with(**settings_changes):
    """An Api against `app_with(**settings_changes)`."""
    transport = httpx.ASGITransport(app=app_with(**settings_changes))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield Api(http)


@asynccontextmanager
async def live_server(app, **options):
    """uvicorn serving `app` on a free local port, in the test's own event loop (whose
    database connections the app uses); yields the server, stops it on exit."""
    import asyncio

    import uvicorn

    config = {"host": "127.0.0.1", "port": 0, "log_config": None, **options}
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", **config))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            serving.result()
        await asyncio.sleep(0.01)
    server.port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield server
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 10)
