"""Media in a bucket of an S3-compatible store (AWS S3, SeaweedFS, MinIO, Ceph), through boto3.

boto3 is blocking, and so is every method here: the callers run them in threads (as they did the fsyncs of the file
store). A PUT answered 200 is durable in the store (S3's contract); the SDK sends a CRC32 of the body, which the
store checks before it answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from phananh.config import Settings
from phananh.media_store import CHUNK, MediaStore, Opened, StoreUnavailable

_MISSING = {"404", "NoSuchKey", "NotFound"}


class S3Store(MediaStore):
    def __init__(self, url: str, *, bucket: str, prefix: str, settings: Settings, incoming: Path):
        self.url, self.bucket, self.incoming = url, bucket, incoming
        self.prefix = f"{prefix}/" if prefix else ""
        secret = settings.aws_secret_access_key.get_secret_value() if settings.aws_secret_access_key else None
        timeout = settings.s3_timeout_seconds
        config = Config(connect_timeout=timeout, read_timeout=timeout, retries={"max_attempts": 2, "mode": "standard"},
                        max_pool_connections=32,
                        # A store of our own (SeaweedFS, MinIO) is reached by path: no DNS name per bucket.
                        s3={"addressing_style": "path"} if settings.s3_endpoint_url else None)
        self.client = boto3.session.Session().client(
            "s3", endpoint_url=settings.s3_endpoint_url, aws_access_key_id=settings.aws_access_key_id,
            aws_secret_access_key=secret, region_name=settings.aws_region, config=config)

    def _key(self, key: str) -> str:
        return self.prefix + key

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        with _errors(self):
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type)

    def put_file(self, key: str, path: Path, content_type: str, *, move: bool = False) -> None:
        with _errors(self):
            # Multipart past 8 MB (a video), each part checked by the store; returns once the object is complete.
            self.client.upload_file(str(path), self.bucket, self._key(key), ExtraArgs={"ContentType": content_type})
        if move:
            path.unlink(missing_ok=True)

    def open(self, key: str) -> Opened | None:
        with _errors(self):
            try:
                answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
            except ClientError as exc:
                if _missing(exc):
                    return None
                raise
        body = answer["Body"]

        def chunks() -> Iterator[bytes]:
            try:
                with _errors(self):
                    yield from body.iter_chunks(CHUNK)
            finally:
                body.close()

        return Opened(int(answer["ContentLength"]), chunks(), body.close)

    def size(self, key: str) -> int | None:
        with _errors(self):
            try:
                return int(self.client.head_object(Bucket=self.bucket, Key=self._key(key))["ContentLength"])
            except ClientError as exc:
                if _missing(exc):
                    return None
                raise

    def keys(self) -> Iterator[tuple[str, int]]:
        with _errors(self):
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
            for page in pages:
                for obj in page.get("Contents", ()):
                    yield obj["Key"][len(self.prefix):], int(obj["Size"])

    def check(self) -> None:
        with _errors(self):
            self.client.head_bucket(Bucket=self.bucket)


def _missing(exc: ClientError) -> bool:
    return str(exc.response.get("Error", {}).get("Code")) in _MISSING


@contextmanager
def _errors(store: S3Store):
    """Network failures, timeouts, refused credentials and the store's own errors are all "unavailable"."""
    try:
        yield
    except ClientError as exc:
        if _missing(exc):
            raise
        error = exc.response.get("Error", {})
        raise StoreUnavailable(f"{store.url}: {error.get('Code')} {error.get('Message')}") from exc
    except BotoCoreError as exc:
        raise StoreUnavailable(f"{store.url}: {exc}") from exc
