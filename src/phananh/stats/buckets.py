"""Fixed duration buckets: exact counts per bucket, percentiles interpolated inside one bucket.

A median or 90th percentile read from these buckets lies in the same bucket as the exact value, so its
error is at most the bucket's width: at most 1/3 of the value from 15 minutes up (1/2 below 15 minutes,
1 minute below 2 minutes); durations over 30 days are all read as 30 days. Averages are exact (the sum
of exact seconds is kept beside the counts).
"""

from __future__ import annotations

from bisect import bisect_right

EDGE_MINUTES = (1, 2, 5, 10, 15, 20, 30, 45, 60, 75, 90, 120, 150, 180, 240, 300, 360, 480, 600, 720, 960,
                1200, 1440, 2160, 2880, 4320, 5760, 7200, 10080, 20160, 43200)
EDGES = tuple(m * 60 for m in EDGE_MINUTES)  # bucket i holds [EDGES[i-1], EDGES[i]) seconds; 0 from 0 s


def bucket_of(seconds: int) -> int:
    return bisect_right(EDGES, max(seconds, 0))


def bounds(bucket: int) -> tuple[int, int]:
    lo = EDGES[bucket - 1] if bucket > 0 else 0
    hi = EDGES[bucket] if bucket < len(EDGES) else lo  # the open last bucket reads as its lower edge
    return lo, hi


def percentile(counts: dict[int, int], q: float) -> float | None:
    """The q-quantile (0 < q <= 1) of a histogram {bucket: count}, linear inside the bucket it falls in."""
    total = sum(counts.values())
    if total <= 0:
        return None
    rank = q * total
    seen = 0
    for bucket in sorted(counts):
        n = counts[bucket]
        if n <= 0:
            continue
        if seen + n >= rank:
            lo, hi = bounds(bucket)
            return lo + (hi - lo) * (rank - seen) / n
        seen += n
    return float(bounds(max(counts))[1])
