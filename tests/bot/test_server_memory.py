"""`serve` and `socket` cap glibc's malloc arenas before their thread pools start threads."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from bot.server import limit_malloc_arenas


def test_an_explicit_malloc_arena_max_is_left_to_glibc() -> None:
    assert limit_malloc_arenas({"MALLOC_ARENA_MAX": "4"}) is False


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="arenas are glibc's")
def test_threads_started_after_the_cap_share_the_capped_arenas() -> None:
    """In a fresh process: 16 threads that each allocate end up in at most 2 arenas, where
    glibc's default on this machine gives them their own (up to 8 per core)."""
    script = """
import ctypes, sys, threading
from bot.server import limit_malloc_arenas
capped = sys.argv[1] == "capped"
if capped:
    assert limit_malloc_arenas({})
libc = ctypes.CDLL(None)
gate = threading.Barrier(17)
def work():
    blocks = [libc.malloc(1024) for _ in range(64)]  # held until every thread has allocated
    gate.wait()
    gate.wait()
threads = [threading.Thread(target=work) for _ in range(16)]
for t in threads: t.start()
gate.wait()
libc.malloc_info(0, ctypes.c_void_p.in_dll(libc, "stdout"))
libc.fflush(None)
gate.wait()
for t in threads: t.join()
"""

    def arenas(mode: str) -> int:
        info = subprocess.run(
            [sys.executable, "-c", script, mode],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        return info.count("<heap nr=")

    assert 1 <= arenas("capped") <= 2
    assert arenas("default") > 2
