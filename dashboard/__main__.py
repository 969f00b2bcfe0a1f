"""Launcher: `python -m dashboard` starts Streamlit with streamlit_config.toml applied.

Streamlit reads only .streamlit/config.toml, so each [section] key = value of our
file is passed as a --section.key flag. Extra arguments are passed through. It runs
dashboard/server.py, which serves app.py together with the session-cookie route.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "streamlit_config.toml"
SERVER = Path(__file__).resolve().parent / "server.py"


def config_flags(path: Path = CONFIG) -> list[str]:
    flags = []
    with path.open("rb") as fh:
        for section, values in tomllib.load(fh).items():
            for key, value in values.items():
                if isinstance(value, bool):
                    value = str(value).lower()
                flags.append(f"--{section}.{key}={value}")
    return flags


def main(argv: list[str] | None = None) -> int:
    from streamlit.web import cli as stcli

    sys.argv = ["streamlit", "run", str(SERVER), *config_flags(), *(argv or sys.argv[1:])]
    return stcli.main()


if __name__ == "__main__":
    sys.exit(main())
