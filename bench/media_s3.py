"""Intake with a 200 KB photo when media live in a real S3 store (SeaweedFS, started as the tests start it).

The same server, load and photo as `intake photo 200 KB (ours)` in bench/intake.py, with PHANANH_MEDIA_URL set to
a SeaweedFS bucket: every 201 means the photo was PUT into the bucket (and acknowledged) before the report was
written. SeaweedFS shares the machine's cores with the server, PostgreSQL and wrk.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.intake import Run, make_photo, pg_database, progress, server, wrk  # noqa: E402
from tests.support_s3 import seaweedfs  # noqa: E402

NAME = "intake photo 200 KB (SeaweedFS)"
# The servers' settings of bench/intake.py's runs (pool, no sweep, per-IP budgets above the load).
ENV = {"PHANANH_POOL_SIZE": os.environ.get("PHANANH_POOL_SIZE", "25"),
       "PHANANH_POOL_MAX_OVERFLOW": os.environ.get("PHANANH_POOL_MAX_OVERFLOW", "0"), "PHANANH_RUN_SWEEP": "0",
       "PHANANH_LIMIT_SUBMIT_PER_IP": "100000000/hour;1000000000/day",
       "PHANANH_LIMIT_MEDIA_PER_IP": "100000000/hour;1000000000/day"}


def run_media_s3(*, workers: int, seconds: int, connections: int, rounds: int) -> Run:
    """Best of `rounds` runs of `seconds` with a photo per report, media in a SeaweedFS bucket."""
    best: Run | None = None
    with tempfile.TemporaryDirectory() as tmp, pg_database() as url, seaweedfs() as store:
        photo = make_photo(Path(tmp) / "photo.jpg")
        bucket = f"s3://{store.new_bucket('bench')}/media"
        progress(f"{NAME}: SeaweedFS at {store.endpoint}, bucket {bucket}; our server ({workers} workers)")
        with server("phananh.asgi:app", url, workers=workers, env={**ENV, **store.env(bucket)}) as ours:
            wrk(ours, "warm-up", seconds=2, connections=connections, photo=photo)
            for r in range(rounds):
                progress(f"round {r + 1}/{rounds}: {NAME}, {connections} clients, {seconds} s")
                run = wrk(ours, NAME, seconds=seconds, connections=connections, photo=photo)
                progress(f"  {run.per_second:.0f} reports/s, p99 {run.p99_ms:.1f} ms, {run.errors} errors")
                if best is None or run.per_second > best.per_second:
                    best = run
    return best


if __name__ == "__main__":  # alone: python bench/media_s3.py (BENCH_SECONDS, BENCH_ROUNDS, BENCH_CLIENTS)
    result = run_media_s3(workers=int(os.environ.get("BENCH_WORKERS", os.cpu_count() or 1)),
                          seconds=int(os.environ.get("BENCH_SECONDS", 10)), rounds=int(os.environ.get("BENCH_ROUNDS", 1)),
                          connections=int(os.environ.get("BENCH_CLIENTS", 50)))
    print(f"RESULT reports_per_s={result.per_second:.0f} p50_ms={result.p50_ms:.1f} p95_ms={result.p95_ms:.1f} "
          f"p99_ms={result.p99_ms:.1f} errors={result.errors}")
