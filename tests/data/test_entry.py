"""A command whose reader goes away (`| head`) ends quietly."""

from __future__ import annotations

import subprocess
import sys

from tests.collectors.helpers import REPO

LONG_OUTPUT = "from data.entry import run\nrun(lambda: [print(i) for i in range(200_000)] and 0)\n"


def test_a_closed_pipe_ends_the_command_without_a_traceback():
    proc = subprocess.Popen(
        [sys.executable, "-c", LONG_OUTPUT], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout.readline() == b"0\n"
    proc.stdout.close()
    assert proc.wait(timeout=60) == 1
    assert proc.stderr.read() == b""


def test_the_commands_exit_with_their_code():
    done = subprocess.run([sys.executable, "-c", "from data.entry import run\nrun(lambda: 3)"], cwd=REPO)
    assert done.returncode == 3
