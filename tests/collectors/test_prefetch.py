import threading
import time

import pytest

from collectors.readers.prefetch import prefetched


def test_items_arrive_in_order_and_the_thread_ends():
    assert list(prefetched(iter(range(50)), depth=2)) == list(range(50))
    assert not [t for t in threading.enumerate() if t.name == "reader-prefetch"]


def test_a_reader_error_is_raised_after_the_items_before_it():
    def items():
        yield 1
        yield 2
        raise ValueError("文件损坏")

    got = []
    with pytest.raises(ValueError, match="文件损坏"):
        for item in prefetched(items()):
            got.append(item)
    assert got == [1, 2]


def test_closing_early_stops_the_reader():
    produced = []

    def items():
        for i in range(1000):
            produced.append(i)
            yield i

    stream = prefetched(items(), depth=1)
    assert next(stream) == 0
    stream.close()
    time.sleep(0.3)
    assert len(produced) <= 3  # the one handed over, the one queued, the one waiting
    assert not [t for t in threading.enumerate() if t.name == "reader-prefetch"]
