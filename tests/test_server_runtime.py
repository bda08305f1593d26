"""The server worker's garbage collector settings (phananh/server/runtime.py), in a process of their own."""

import subprocess
import sys
import textwrap


def test_cyclic_garbage_is_still_collected_within_seconds():
    script = textwrap.dedent("""
        import gc, time, weakref
        from phananh.server.runtime import SAFETY_NET, tune_garbage_collector

        tune_garbage_collector()
        assert gc.get_threshold()[0] == SAFETY_NET and gc.isenabled()

        class Node:
            pass

        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle: reference counting alone never frees it
        gone = weakref.ref(a)
        del a, b
        deadline = time.monotonic() + 5
        while gone() is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        print("collected" if gone() is None else "leaked")
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "collected"
