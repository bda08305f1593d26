"""`uvicorn phananh.asgi:app` — the app with settings from the environment."""

from phananh.app import create_app

app = create_app()
