"""A real Chroma server on loopback (``chroma run`` from the chromadb package), for the index tests."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.app_server import free_port

CHROMA = Path(sys.executable).with_name("chroma")  # installed with chromadb


@contextmanager
def chroma_server(data: Path) -> Iterator[str]:
    """Start ``chroma run`` on a free loopback port with its data in ``data``; yield its URL; stop it."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (data.parent / f"chroma-{port}.log").open("wb")
    process = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"chroma run did not start; see {log.name}") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
