"""``interview-grader app``: start the Streamlit app with the offline settings."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app.py"


def register(commands: argparse._SubParsersAction) -> None:
    app = commands.add_parser("app", help="start the web app (Streamlit)")
    app.add_argument("--port", type=int, default=8501)
    app.add_argument("--address", default="127.0.0.1", help="interface to listen on (default: loopback)")
    app.set_defaults(handler=_app)


def _app(args: argparse.Namespace) -> int:
    argv = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.port",
        str(args.port),
        "--server.address",
        args.address,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    from config.settings import get_settings

    # The child runs with this command's settings (--home and --bank included) as its environment.
    os.execve(sys.executable, argv, {**os.environ, **get_settings().environment()})
    return 0  # not reached
