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


def _postgres_can_enter(path: Path) -> bool:
    """Whether the server's user can reach ``path`` (as root, a folder under a private one, such as pytest's
    temporary folders, is not reachable by the postgres user)."""
    if os.geteuid() != 0:
        return True
    return subprocess.run(_as_postgres(["test", "-x", str(path)]), capture_output=True, check=False).returncode == 0


def _server_home(root: Path) -> Path:
    """Where the data, sockets and log live: ``root`` itself when the postgres user can reach it, otherwise a
    folder of its own under the system temporary folder, remembered in ``root/server-home``."""
    pointer = root / "server-home"
    if pointer.exists():
        return Path(pointer.read_text().strip())
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    if _postgres_can_enter(root):
        return root
    home = Path(tempfile.mkdtemp(prefix="pg-home-"))
    pointer.write_text(str(home))
    return home


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
        self.home = _server_home(self.root)
        self.data, sockets = self.home / "data", self.home / "sockets"
        kept = (self.data / "PG_VERSION").exists()
        port_file = self.root / "port"
        self.port = int(port_file.read_text()) if kept and port_file.exists() else (port or _free_port())
        self.env = {**os.environ, "LC_ALL": "C.UTF-8"}
        self.options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {sockets} -c fsync=off"
        if not kept:
            self.data.mkdir(exist_ok=True)
            sockets.mkdir(exist_ok=True)
            if os.geteuid() == 0:
                for path in (self.home, self.data, sockets):
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
        self._run("pg_ctl", "-D", str(self.data), "-o", self.options, "-w", "-l", str(self.home / "log"), "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def restart(self) -> None:
        self.stop("immediate")
        self.start()

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.home, ignore_errors=True)
        shutil.rmtree(self.root, ignore_errors=True)


def kept_home(root: Path) -> Path:
    pointer = root / "server-home"
    return Path(pointer.read_text().strip()) if pointer.exists() else root


def stop_kept(root: Path, wipe: bool = False) -> None:
    """Stop the server whose data is kept in ``root`` (if it runs), without starting anything; ``wipe`` also
    removes its data (wherever it was kept)."""
    bin_dir = _binaries()
    home = kept_home(root)
    data = home / "data"
    if bin_dir is not None and (data / "PG_VERSION").exists():
        subprocess.run(
            _as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            capture_output=True,
            check=False,
        )
    if wipe:
        shutil.rmtree(home, ignore_errors=True)
