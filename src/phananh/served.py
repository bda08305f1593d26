"""`phananh serve`'s app: a uvicorn factory, run in each server worker process (see `phananh.asgi` for plain uvicorn).

The SLA sweep and the other background jobs run inside the server unless PHANANH_RUN_SWEEP says otherwise
(production: 0 for the web servers, with `phananh worker` processes beside them).
"""

from fastapi import FastAPI

from phananh.app import create_app
from phananh.config import get_settings
from phananh.server.runtime import tune_garbage_collector


def served_app() -> FastAPI:
    settings = get_settings()
    if "run_sweep" not in settings.model_fields_set:  # not given in the environment or .env
        settings = settings.model_copy(update={"run_sweep": True})
    app = create_app(settings)
    tune_garbage_collector()
    return app
