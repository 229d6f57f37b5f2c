"""A throwaway PostgreSQL server on loopback from Debian's postgresql binaries (as the postgres user when running
as root): for the tests, the benchmarks and ``make cluster``."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


class PostgresMissing(RuntimeError):
    pass


def _binaries() -> Path | None:
    for version in ("17", "16", "15", "14"):
        path = Path(f"/usr/lib/postgresql/{version}/bin")
        if (path / "initdb").exists():
            return path
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


class PostgresServer:
    """A throwaway PostgreSQL server of our own on loopback (trust authentication, fsync off: for tests,
    benchmarks and ``make cluster``, not for data that matters)."""

    def __init__(
        self, root: Path | None = None, database: str = "interview_grader_test", port: int | None = None
    ) -> None:
        """A new server in ``root`` (default: a new temporary folder), or the one kept there by an earlier run,
        started again on the port it had."""
        bin_dir = _binaries()
        if bin_dir is None:
            raise PostgresMissing("PostgreSQL is not installed (Debian: apt install postgresql; CI installs it)")
        self.bin = bin_dir
        self.root = root or Path(tempfile.mkdtemp(prefix="pg-test-"))
        self.root.mkdir(parents=True, exist_ok=True)
        self.data, sockets = self.root / "data", self.root / "sockets"
        kept = (self.data / "PG_VERSION").exists()
        port_file = self.root / "port"
        self.port = int(port_file.read_text()) if kept and port_file.exists() else (port or _free_port())
        self.env = {**os.environ, "LC_ALL": "C.UTF-8"}
        self.options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {sockets} -c fsync=off"
        if not kept:
            self.data.mkdir(exist_ok=True)
            sockets.mkdir(exist_ok=True)
            if os.geteuid() == 0:
                for path in (self.root, self.data, sockets):
                    shutil.chown(path, "postgres")
            self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
            port_file.write_text(str(self.port))
        self.start()
        if not kept:
            self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", database)
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, tool: str, *args: str, check: bool = True) -> None:
        subprocess.run(_as_postgres([str(self.bin / tool), *args]), check=check, capture_output=True, env=self.env)

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-o", self.options, "-w", "-l", str(self.root / "log"), "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def restart(self) -> None:
        self.stop("immediate")
        self.start()

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def stop_kept(root: Path) -> None:
    """Stop the server whose data is kept in ``root`` (if it runs), without starting anything."""
    bin_dir = _binaries()
    if bin_dir is not None and (root / "data" / "PG_VERSION").exists():
        subprocess.run(
            _as_postgres([str(bin_dir / "pg_ctl"), "-D", str(root / "data"), "-m", "fast", "-w", "stop"]),
            capture_output=True,
            check=False,
        )
