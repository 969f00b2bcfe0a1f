"""How every `python -m …` command ends: with its exit code, and quietly when whoever
reads its output has gone (`python -m metrics explain … | head`)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable


def run(main: Callable[[], int]) -> None:
    """Exit with main()'s code; a closed pipe ends the command with code 1 and no traceback."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # Python flushes stdout once more on exit: it goes to /dev/null instead of the closed pipe
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 1
    sys.exit(code)
