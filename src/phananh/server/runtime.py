"""Process settings of a server worker that no framework sets for us.

The garbage collector. CPython collects its youngest generation every 700 new container objects; each
collection walks every young object still alive, and with 25 requests in flight per process most of a
request's objects are alive at any moment: under `make bench` (issue 7) the collector took 0.3 of the 1.3 ms of
Python time per submit with the default, 0.08 ms with a first generation of 50,000. Cyclic garbage is rare here
(reference counting frees nearly everything), so collections are better timed than counted: the young
generations are collected once a second by a small thread and everything once a minute, with an automatic
collection still at 1,000,000 new objects as a safety net. What exists after start-up (the app, its caches, the
libraries) is frozen out of every scan.
"""

from __future__ import annotations

import gc
import threading
import time

SAFETY_NET = 1_000_000  # new container objects before an automatic collection of the youngest generation
EVERY_SECONDS = 1.0  # the young generations
FULL_EVERY = 60  # ticks between full collections


def tune_garbage_collector() -> None:
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(SAFETY_NET, middle, old)
    threading.Thread(target=_collect_on_time, name="gc-timer", daemon=True).start()


def _collect_on_time() -> None:
    tick = 0
    while True:
        time.sleep(EVERY_SECONDS)
        tick += 1
        gc.collect(2 if tick % FULL_EVERY == 0 else 1)
