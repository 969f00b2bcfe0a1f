"""Read the next batch while the current one is validated and stored: parsing a CSV
block runs in Arrow outside the GIL, so on a second core it costs the run nothing
instead of a tenth of it. Readers never touch the store, so this changes no result."""
from __future__ import annotations

import queue
import threading
from typing import Iterator, TypeVar

T = TypeVar("T")
POLL_SECONDS = 0.1


def prefetched(items: Iterator[T], depth: int = 1) -> Iterator[T]:
    """`items` produced on a background thread at most `depth` ahead; the reader's errors
    are raised here, and closing this generator stops the thread."""
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(message) -> bool:
        while not stop.is_set():
            try:
                ready.put(message, timeout=POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(("item", item)):
                    return
            put(("end", None))
        except BaseException as exc:  # handed to the consumer, which raises it
            put(("error", exc))

    thread = threading.Thread(target=produce, name="reader-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = ready.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        thread.join()
