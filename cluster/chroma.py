"""A Chroma server on loopback (``chroma run``, installed with the chromadb package) for the rubric index that
replicas share: for the tests, the benchmarks and ``make cluster``."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMA = Path(sys.executable).with_name("chroma")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes] | None = None, timeout_s: float = 60) -> None:
    """Wait for the server's heartbeat; RuntimeError if it does not come (or the process ended)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        if (process is not None and process.poll() is not None) or time.monotonic() > deadline:
            raise RuntimeError(f"the Chroma server at {url} did not start")
        time.sleep(0.2)


def start_chroma(data: Path, port: int | None = None, log: Path | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``chroma run`` with its data in ``data``; the process and its URL, once it answers."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    data.mkdir(parents=True, exist_ok=True)
    out = (log or data.parent / f"chroma-{port}.log").open("ab")
    process = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    out.close()
    try:
        wait_until_up(url, process)
    except RuntimeError:
        process.kill()
        raise
    return process, url


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def chroma_server(data: Path) -> Iterator[str]:
    """A Chroma server for the duration: yields its URL, stops it after."""
    process, url = start_chroma(data)
    try:
        yield url
    finally:
        stop(process)
