"""`uvicorn phananh.asgi:app` — the app with settings from the environment, in a server worker process."""

from phananh.app import create_app
from phananh.server.runtime import tune_garbage_collector

app = create_app()
tune_garbage_collector()
