"""The collector keeps freed memory (collectors.memory) on this machine's glibc."""

from __future__ import annotations

import subprocess
import sys

from tests.collectors.helpers import REPO

# glibc's own statistics: after freeing 200 MB of arrays, how much it still holds unused
PROBE = """
import ctypes, numpy as np, sys
from collectors.memory import keep_freed_memory
if sys.argv[1] == "kept":
    assert keep_freed_memory()
arrays = [np.ones(2 << 20 >> 3) for _ in range(100)]
del arrays
class Mallinfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]
libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Mallinfo2
print(libc.mallinfo2().fordblks)
"""


def held_after_freeing(mode: str) -> int:
    out = subprocess.run([sys.executable, "-c", PROBE, mode], cwd=REPO, capture_output=True, text=True, check=True)
    return int(out.stdout)


def test_freed_arrays_stay_with_the_process_for_the_next_batch():
    assert held_after_freeing("kept") >= 150 << 20
    assert held_after_freeing("default") < 50 << 20
