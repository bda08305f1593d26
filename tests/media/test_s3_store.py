"""Media in a real S3 store (SeaweedFS): stored before the report is written, served by any app server from the
bucket, public copies made and served from it, a folder migrated into it, and a clear 503 when it is down."""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from phananh import batch
from phananh.app import create_app
from phananh.config import Settings
from phananh.media_store import open_store
from phananh.media_store.files import FileStore
from phananh.media_store.migrate import migrate
from phananh.reports import derivatives
from phananh.reports.tables import media, reports
from tests.media.conftest import in_process_client, s3_settings
from tests.support import report_body

PHOTO_HEADERS = ("content-type", "content-length", "cache-control", "content-disposition", "x-content-type-options")


def photo_bytes(seed: int | None = None) -> bytes:
    """A JPEG never seen before (noise), so that its key is new to the bucket."""
    rng = random.Random(seed)
    buf = io.BytesIO()
    Image.frombytes("RGB", (96, 72), rng.randbytes(96 * 72 * 3)).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def bucket_of(url: str) -> tuple[str, str]:
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    return bucket, prefix + "/"


def bucket_settings(seaweed, tmp_path) -> Settings:
    return Settings(media_dir=tmp_path, **seaweed.settings("s3://unused"))


def local_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


async def submit_photo(client, data: bytes):
    return await client.post("/api/v1/reports", data={"report": json.dumps(report_body())},
                             files={"files": ("hien-truong.jpg", data, "image/jpeg")})


async def test_photo_is_in_the_bucket_before_its_report_is_written_and_any_server_serves_it(
        servers, seaweed, bucket_url, media_engine, staff, monkeypatch):
    (settings_a, a), (settings_b, b) = servers
    s3 = seaweed.client()
    bucket, prefix = bucket_of(bucket_url)
    in_bucket_when_written: list[bool] = []
    real_run = batch.Batch.run

    async def watching_run(self, conn):
        for step in self.steps:
            if step.table.name == "media":  # the media rows are about to be written with the report
                keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])}
                in_bucket_when_written.extend(prefix + row["path"] in keys for row in step.rows)
        return await real_run(self, conn)

    monkeypatch.setattr(batch.Batch, "run", watching_run)
    r = await submit_photo(a, photo_bytes())
    monkeypatch.undo()
    assert r.status_code == 201, r.text
    assert in_bucket_when_written == [True]

    async with media_engine.connect() as conn:
        row = (await conn.execute(select(media).where(media.c.report_id == r.json()["id"]))).mappings().one()
    stored = s3.get_object(Bucket=bucket, Key=prefix + row["path"])
    data = stored["Body"].read()
    assert stored["ContentType"] == "image/jpeg" and hashlib.sha256(data).hexdigest() == row["sha256"]
    assert local_files(settings_a.media_dir) == [] and local_files(settings_b.media_dir) == []

    # Server B never saw the upload: it serves the original from the bucket, as server A does.
    url = r.json()["media"][0]["url"] + "/original"
    from_b = await b.get(url, headers=await staff("dispatcher"))
    from_a = await a.get(url, headers=await staff("dispatcher"))
    assert from_b.status_code == 200, from_b.text
    assert from_b.content == data == from_a.content
    assert {h: from_b.headers.get(h) for h in PHOTO_HEADERS} == {h: from_a.headers.get(h) for h in PHOTO_HEADERS}
    assert from_b.headers["content-type"] == "image/jpeg" and from_b.headers["content-length"] == str(len(data))
    assert from_b.headers["cache-control"] == "private, max-age=3600"
    assert from_b.headers["x-content-type-options"] == "nosniff"
    assert from_b.headers["content-disposition"].startswith('inline; filename="PA-')
    # Access checks are unchanged: the original only to staff, nothing to the public.
    assert (await b.get(url)).status_code == 403
    assert (await b.get(r.json()["media"][0]["url"])).status_code == 404


async def test_public_copy_is_made_from_the_bucket_and_served_from_it(servers, seaweed, bucket_url, media_engine,
                                                                      staff):
    (settings_a, a), (settings_b, b) = servers
    s3 = seaweed.client()
    bucket, prefix = bucket_of(bucket_url)
    r = await submit_photo(a, photo_bytes())
    assert r.status_code == 201, r.text
    media_id = r.json()["media"][0]["id"]

    done = await derivatives.process_due(media_engine, settings_b)  # the worker, on a third machine's settings
    assert media_id in done.ready
    async with media_engine.connect() as conn:
        copy = await derivatives.derivative_of(conn, media_id)
    assert copy["path"].startswith("derived/")
    derived = s3.get_object(Bucket=bucket, Key=prefix + copy["path"])["Body"].read()

    answer = await a.get(f"/api/v1/media/{media_id}", headers=await staff("dispatcher"))
    assert answer.status_code == 200, answer.text
    assert answer.content == derived and answer.headers["cache-control"] == "no-cache"
    assert Image.open(io.BytesIO(answer.content)).getexif() == {}  # the public copy carries no metadata
    assert local_files(settings_a.media_dir) == [] and local_files(settings_b.media_dir) == []


async def test_store_down_at_submit_answers_503_and_writes_no_report(settings, seaweed, media_db, media_engine,
                                                                     tmp_path):
    from tests.ops.test_health import closed_port

    down = s3_settings(settings, seaweed, "s3://media/down", tmp_path, media_db).model_copy(
        update={"s3_endpoint_url": f"http://127.0.0.1:{closed_port()}", "s3_timeout_seconds": 1.0})
    async with in_process_client(create_app(down), media_engine) as client:
        async with media_engine.connect() as conn:
            before = [(await conn.execute(select(func.count()).select_from(t))).scalar() for t in (reports, media)]
        r = await submit_photo(client, photo_bytes())
        assert r.status_code == 503, r.text
        error = r.json()["error"]
        assert error["code"] == "media_store_unavailable"
        assert error["message"] == "Hiện chưa thể lưu hoặc đọc ảnh, video; vui lòng thử lại sau giây lát."
        assert r.headers["retry-after"] == str(down.retry_after_seconds)
        async with media_engine.connect() as conn:
            after = [(await conn.execute(select(func.count()).select_from(t))).scalar() for t in (reports, media)]
        assert after == before  # no report, no media row: the citizen's retry makes the one report
        # A report without files never touches the store: it is accepted as always.
        assert (await client.post("/api/v1/reports", json=report_body())).status_code == 201


def test_migrate_copies_a_folder_into_a_bucket_once(seaweed, tmp_path):
    folder = FileStore(tmp_path / "media")
    photos = [photo_bytes(seed) for seed in range(3)]
    keys = []
    for data in photos:
        digest = hashlib.sha256(data).hexdigest()
        keys.append(f"{digest[:2]}/{digest}.jpg")
        folder.put_bytes(keys[-1], data, "image/jpeg")
    derived = hashlib.sha256(photos[0][:-10]).hexdigest()
    keys.append(f"derived/{derived[:2]}/{derived}.jpg")
    folder.put_bytes(keys[-1], photos[0][:-10], "image/jpeg")
    (tmp_path / "media" / ".incoming").mkdir()
    (tmp_path / "media" / ".incoming" / "upload.part").write_bytes(b"a video being checked")  # not an object
    target = f"s3://{seaweed.new_bucket('migrate')}/camau"
    env = {**os.environ, **seaweed.env(target), "PHANANH_MEDIA_DIR": str(tmp_path / "media")}
    env.pop("PHANANH_MEDIA_URL")  # the source is the configured folder

    def run():
        return subprocess.run([str(Path(sys.executable).parent / "phananh"), "media", "migrate", "--to", target], env=env,
                              capture_output=True, text=True, timeout=120)

    first = run()
    assert first.returncode == 0, first.stderr + first.stdout
    assert "4 files: 4 copied" in first.stdout and "0 already there, 0 failed" in first.stdout
    s3 = seaweed.client()
    bucket, prefix = bucket_of(target)
    listed = {o["Key"]: o["Size"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}
    assert listed == {prefix + k: (tmp_path / "media" / k).stat().st_size for k in keys}
    assert s3.get_object(Bucket=bucket, Key=prefix + keys[1])["Body"].read() == photos[1]

    again = run()
    assert again.returncode == 0, again.stderr
    assert "4 files: 0 copied (0.0 MB), 4 already there, 0 failed" in again.stdout


def test_migrate_refuses_a_file_whose_bytes_do_not_match_its_name(seaweed, tmp_path):
    folder = FileStore(tmp_path / "media")
    good = photo_bytes(10)
    digest = hashlib.sha256(good).hexdigest()
    folder.put_bytes(f"{digest[:2]}/{digest}.jpg", good, "image/jpeg")
    folder.put_bytes(f"ab/{'ab' * 32}.jpg", b"not what its name says", "image/jpeg")
    target = open_store(f"s3://{seaweed.new_bucket('migrate')}/x", bucket_settings(seaweed, tmp_path))
    result = migrate(folder, target)
    assert (result.copied, result.skipped) == (1, 0)
    assert len(result.failed) == 1 and "do not match its name" in result.failed[0]
    assert target.size(f"ab/{'ab' * 32}.jpg") is None


def test_store_streams_in_chunks_and_knows_what_it_lacks(seaweed, tmp_path):
    store = open_store(f"s3://{seaweed.new_bucket('stream')}/p", bucket_settings(seaweed, tmp_path))
    big = os.urandom(3 * 1024 * 1024 + 5)  # more than one chunk
    store.put_bytes("aa/big.bin", big, "application/octet-stream")
    opened = store.open("aa/big.bin")
    chunks = list(opened.chunks)
    assert opened.size == len(big) and len(chunks) > 1 and b"".join(chunks) == big
    assert store.open("aa/missing.bin") is None and store.size("aa/missing.bin") is None
    assert dict(store.keys()) == {"aa/big.bin": len(big)}


@pytest.mark.parametrize("url", ["ftp://host/x", "s3:///no-bucket"])
def test_an_unusable_media_url_is_refused(url, tmp_path):
    with pytest.raises(ValueError, match="PHANANH_MEDIA_URL"):
        open_store(url, Settings(media_dir=tmp_path))


async def test_ready_asks_the_bucket(servers, settings, seaweed, media_db, media_engine, tmp_path):
    from tests.ops.test_health import closed_port

    _, a = servers[0]
    r = await a.get("/ready")
    assert r.status_code == 200 and r.json()["checks"]["media"] == "ok", r.text
    down = s3_settings(settings, seaweed, "s3://media/down", tmp_path, media_db).model_copy(
        update={"s3_endpoint_url": f"http://127.0.0.1:{closed_port()}", "s3_timeout_seconds": 0.5})
    async with in_process_client(create_app(down), media_engine) as client:
        r = await client.get("/ready")
    assert r.status_code == 503 and r.json()["checks"]["media"].startswith("error:"), r.text
