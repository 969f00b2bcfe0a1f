"""`python -m bench.reap USAGE_JSON ARGS...`: run `python ARGS` and write that child's wall
time, CPU time and peak RSS to USAGE_JSON; exit with its exit code.

Linux carries a process's peak RSS through fork and exec: a child forked straight from
the benchmark, which by then holds hundreds of MB of earlier results, reports at least
the benchmark's own size as its ru_maxrss. The measured child is forked from this small
process instead, so its ru_maxrss starts from a bare interpreter's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    usage_json, args = argv[0], argv[1:]
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *args])
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    with open(usage_json, "w", encoding="utf-8") as fh:
        json.dump(
            {"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024},
            fh,
        )
    code = os.waitstatus_to_exitcode(status)
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
