"""glibc's allocator told to keep the memory a collector frees.

A batch of exchange calls allocates and frees a few hundred MB of arrays. By default
glibc hands most of it back to the kernel at once and faults it in again for the next
batch: at ten million calls that was about 800 k page faults and several CPU seconds in
the kernel. Kept, the process stays at the peak of one batch, which it reaches anyway.
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_TRIM_THRESHOLD = -1
M_TOP_PAD = -2
M_MMAP_THRESHOLD = -3
SETTINGS = {
    M_MMAP_THRESHOLD: 32 << 20,  # glibc's maximum: smaller blocks come from the heap, reused
    M_TRIM_THRESHOLD: 1 << 30,  # give freed heap back to the kernel only beyond 1 GB
    M_TOP_PAD: 256 << 20,  # grow the heap in large steps
}


def keep_freed_memory() -> bool:
    """Apply SETTINGS in this process; False where the C library is not glibc."""
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt if name else None
    except (OSError, AttributeError):
        return False
    if mallopt is None:
        return False
    return all(mallopt(param, value) == 1 for param, value in SETTINGS.items())
