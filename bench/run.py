"""`make bench`: every benchmark of the project, one table of figures and ratios at the end.

Progress goes to stderr as it runs. Other benchmarks join by being a script `bench/<name>.py` listed in
EXTRA (run if present, bounded in time); the last line they print that starts with `RESULT ` is collected as
`key=value` pairs. Environment: BENCH_SECONDS (per run, default 10), BENCH_ROUNDS (default 3),
BENCH_CLIENTS (default 50), BENCH_WORKERS (default: the core count), BENCH_SKIP (names of EXTRA, and
media_s3: the photo run with media in SeaweedFS).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.intake import PER_ROUND, ROOT, Run, progress, run_intake  # noqa: E402
from bench.media_s3 import NAME as MEDIA_S3, run_media_s3  # noqa: E402

EXTRA = ["submit_cpu", "sla_sweep", "dashboard", "audit", "search"]
EXTRA_TIMEOUT = 180  # each; the whole of `make bench` stays within ~8 minutes
EXTRA_TIMEOUTS = {"search": 600, "dashboard": 420}  # 1,000,000 reports generated and indexed (~6 min at load 10)
TARGET_PER_SECOND_ON_2_CORES, TARGET_RATIO, TARGET_P99_MS = 1000, 0.6, 100


def run_extra(name: str) -> dict[str, str] | str:
    script = ROOT / "bench" / f"{name}.py"
    if not script.exists():
        return "not present"
    progress(f"{name}: running bench/{name}.py")
    try:
        proc = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True,
                              timeout=EXTRA_TIMEOUTS.get(name, EXTRA_TIMEOUT), env={**os.environ, "PYTHONPATH": str(ROOT)})
    except subprocess.TimeoutExpired:
        return f"timed out after {EXTRA_TIMEOUTS.get(name, EXTRA_TIMEOUT)} s"
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return f"failed (exit {proc.returncode}): {tail[:120]}"
    return dict(kv.split("=", 1) for kv in lines[-1][len("RESULT "):].split() if "=" in kv)


def table(cores: int, workers: int, clients: int, seconds: int, runs: dict[str, Run], extras: dict) -> str:
    out = [f"Phản ánh hiện trường — make bench · {cores} cores · server: phananh serve --workers {workers}"
           f" (PostgreSQL) · {clients} clients (wrk) · {seconds} s per run, best of the rounds", ""]
    head = f"{'benchmark':<30} {'reports/s':>10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7} {'× floor':>8}"
    out += [head, "-" * len(head)]
    verdicts = []
    for label in ("intake JSON", "intake photo 200 KB"):
        ours, floor = runs.get(f"{label} (ours)"), runs.get(f"{label} (floor)")
        extra = [runs.get("intake JSON, one cell (ours)"), runs.get("intake JSON, no stats hook")] \
            if label == "intake JSON" else [runs.get(MEDIA_S3)]
        for run in (ours, floor, *extra):
            if run is None:
                continue
            ratio = run.per_second / floor.per_second if floor and floor.per_second else 0.0
            out.append(f"{run.name:<30} {run.per_second:>10.0f} {run.p50_ms:>8.1f} {run.p95_ms:>8.1f} "
                       f"{run.p99_ms:>8.1f} {run.errors:>7} {ratio:>8.2f}" + (f"  {run.detail}" if run.detail else ""))
        paired = sorted(o.per_second / f.per_second for o, f in zip(PER_ROUND.get(f"{label} (ours)", []),
                                                                    PER_ROUND.get(f"{label} (floor)", [])) if f.per_second)
        if paired:
            out.append(f"{'':<30} ours ÷ floor of the same round: median {paired[len(paired) // 2]:.2f}"
                       f" (each round, sorted: {', '.join(f'{r:.2f}' for r in paired)})")
        if ours and floor and label == "intake JSON":
            ratio = ours.per_second / floor.per_second if floor.per_second else 0.0
            target = TARGET_PER_SECOND_ON_2_CORES * cores / 2
            verdicts += [
                f"target ≥ {target:.0f} reports/s ({TARGET_PER_SECOND_ON_2_CORES}/2 cores): {ours.per_second:.0f}"
                f" → {'met' if ours.per_second >= target else 'NOT met'}",
                f"target ≥ {TARGET_RATIO} × floor: {ratio:.2f} → {'met' if ratio >= TARGET_RATIO else 'NOT met'}",
                f"target p99 < {TARGET_P99_MS} ms: {ours.p99_ms:.1f} → {'met' if ours.p99_ms < TARGET_P99_MS else 'NOT met'}",
            ]
    for name, result in extras.items():
        figures = result if isinstance(result, str) else " ".join(f"{k}={v}" for k, v in result.items())
        out.append(f"{name:<30} {figures}")
    return "\n".join(out + [""] + verdicts)


def main() -> int:
    cores = os.cpu_count() or 1
    workers = int(os.environ.get("BENCH_WORKERS", cores))
    seconds = int(os.environ.get("BENCH_SECONDS", 10))
    rounds = int(os.environ.get("BENCH_ROUNDS", 3))
    clients = int(os.environ.get("BENCH_CLIENTS", 50))
    started = time.monotonic()
    progress(f"{cores} cores; intake: {rounds} rounds × 4 runs × {seconds} s")
    runs = run_intake(workers=workers, seconds=seconds, connections=clients, rounds=rounds)
    skip = set(os.environ.get("BENCH_SKIP", "").split(","))
    extras = {}
    if "media_s3" not in skip:  # the photo run again, media in a SeaweedFS bucket (issue 13 part 1)
        try:
            runs[MEDIA_S3] = run_media_s3(workers=workers, seconds=seconds, connections=clients, rounds=rounds)
        except Exception as exc:
            extras[MEDIA_S3] = f"failed: {str(exc)[:120]}"
    extras |= {name: run_extra(name) for name in EXTRA if name not in skip}
    progress(f"done in {time.monotonic() - started:.0f} s")
    print(table(cores, workers, clients, seconds, runs, extras))
    return 0


if __name__ == "__main__":
    sys.exit(main())
