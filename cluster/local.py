"""``make cluster``: the scaled-out deployment on one machine, as plain processes on loopback: PostgreSQL (state
and the job queue), a Chroma server (the rubric index), app replicas and grading workers. Each replica and
worker has a data home of its own, so nothing they share can hide on one of their disks.

    python -m cluster.local up [--replicas 2] [--workers 2] [--port 8601]
    python -m cluster.local status
    python -m cluster.local down

The state (PostgreSQL's and Chroma's data, logs, ``cluster.json`` with the processes) lives in ``.cluster/``;
``down`` stops the processes and keeps the data, ``down --wipe`` removes it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

from cluster.chroma import free_port, start_chroma
from cluster.postgres import PostgresServer, stop_kept

ROOT = Path(".cluster")
CLI = Path(sys.executable).with_name("interview-grader")


@dataclass
class Member:
    role: str  # "replica", "worker", "chroma"
    pid: int
    url: str = ""
    log: str = ""


@dataclass
class Cluster:
    database_url: str
    chroma_url: str
    members: list[Member] = field(default_factory=list)

    def save(self, root: Path) -> None:
        (root / "cluster.json").write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, root: Path) -> Cluster | None:
        path = root / "cluster.json"
        if not path.exists():
            return None
        data = json.loads(path.read_text())
        return cls(data["database_url"], data["chroma_url"], [Member(**m) for m in data["members"]])


# The members this process started: kept so that ``down`` reaps them (a member outlives ``make cluster``'s
# process, which then hands it to init; a test that starts and stops a cluster must not leave zombies).
_started: list[subprocess.Popen[bytes]] = []


def _alive(pid: int) -> bool:
    for process in _started:  # our own child: ask it (a child that ended stays a zombie until reaped)
        if process.pid == pid:
            return process.poll() is None
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False


def _spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    _started.append(process)
    return process


def _reap() -> None:
    for process in list(_started):
        if process.poll() is not None:
            _started.remove(process)


def member_env(cluster: Cluster, home: Path) -> dict[str, str]:
    """What every replica and worker is started with: the shared servers, and a data home of its own."""
    return {
        **os.environ,
        "DATABASE_URL": cluster.database_url,
        "CHROMA_URL": cluster.chroma_url,
        "INTERVIEW_GRADER_HOME": str(home),
        "INTERVIEW_GRADER_ONNX_THREADS": "1",
    }


def start_replica(cluster: Cluster, root: Path, n: int, port: int) -> Member:
    home, log = root / f"replica-{n}", root / "logs" / f"replica-{n}.log"
    process = _spawn([str(CLI), "app", "--port", str(port)], member_env(cluster, home), log)
    return Member("replica", process.pid, f"http://127.0.0.1:{port}", str(log))


def start_worker(cluster: Cluster, root: Path, n: int, concurrency: int) -> Member:
    home, log = root / f"worker-{n}", root / "logs" / f"worker-{n}.log"
    command = [str(CLI), "worker", "--concurrency", str(concurrency)]
    process = _spawn(command, member_env(cluster, home), log)
    return Member("worker", process.pid, "", str(log))


def up(
    root: Path,
    replicas: int,
    workers: int,
    first_port: int,
    concurrency: int,
    timeout_s: float = 240,
    ports: list[int] | None = None,
) -> Cluster:
    """Start the cluster (replica ``n`` on ``ports[n]``, default ``first_port + n``) and wait for the replicas."""
    if (running := Cluster.load(root)) is not None and any(_alive(m.pid) for m in running.members):
        raise SystemExit(f"a cluster is running already (see {root / 'cluster.json'}); `make cluster-down` stops it")
    (root / "logs").mkdir(parents=True, exist_ok=True)
    pg = PostgresServer(root=root / "postgres", database="interview_grader")
    chroma, chroma_url = start_chroma(root / "chroma", log=root / "logs" / "chroma.log")
    _started.append(chroma)
    cluster = Cluster(pg.url, chroma_url, [Member("chroma", chroma.pid, chroma_url, str(root / "logs" / "chroma.log"))])
    ports = ports or [first_port + n for n in range(replicas)]
    cluster.members += [start_replica(cluster, root, n, ports[n]) for n in range(replicas)]
    cluster.members += [start_worker(cluster, root, n, concurrency) for n in range(workers)]
    cluster.save(root)
    deadline = time.monotonic() + timeout_s
    for m in cluster.members:
        while m.role == "replica" and not _healthy(m.url):
            if not _alive(m.pid) or time.monotonic() > deadline:
                down(root)
                raise SystemExit(f"replica {m.url} did not start; see {m.log}")
            time.sleep(0.5)
    return cluster


def down(root: Path, wipe: bool = False) -> None:
    cluster = Cluster.load(root)
    if cluster is not None:
        order = {"worker": 0, "replica": 1, "chroma": 2}
        for m in sorted(cluster.members, key=lambda m: order[m.role]):
            if _alive(m.pid):
                os.kill(m.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for m in cluster.members:
            while _alive(m.pid) and time.monotonic() < deadline:
                time.sleep(0.2)
            if _alive(m.pid):
                os.kill(m.pid, signal.SIGKILL)
        (root / "cluster.json").unlink()
    _reap()
    stop_kept(root / "postgres", wipe)
    if wipe:
        shutil.rmtree(root, ignore_errors=True)


def status(root: Path) -> int:
    cluster = Cluster.load(root)
    if cluster is None:
        print("no cluster is running (make cluster starts one)")
        return 1
    print(f"database: {cluster.database_url}\nrubric index: {cluster.chroma_url}")
    ok = True
    for m in cluster.members:
        alive = _alive(m.pid)
        state = "up" if alive and (m.role != "replica" or _healthy(m.url)) else "DOWN"
        ok = ok and state == "up"
        print(f"  {m.role:8} pid {m.pid:<7} {state:5} {m.url}  log: {m.log}")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cluster.local", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    start = sub.add_parser("up")
    start.add_argument("--replicas", type=int, default=2)
    start.add_argument("--workers", type=int, default=2)
    start.add_argument("--port", type=int, default=8601, help="the first replica's port; the next ones follow")
    start.add_argument("--concurrency", type=int, default=4, help="answers each worker grades at once")
    stop = sub.add_parser("down")
    stop.add_argument("--wipe", action="store_true", help="also remove the data (.cluster/)")
    sub.add_parser("status")
    parser.add_argument("--dir", type=Path, default=ROOT)
    args = parser.parse_args(argv)
    if args.action == "up":
        cluster = up(args.dir, args.replicas, args.workers, args.port, args.concurrency)
        for m in cluster.members:
            if m.role == "replica":
                print(f"replica: {m.url}")
        print(f"{args.workers} workers; database {cluster.database_url}; rubric index {cluster.chroma_url}")
        print("`make cluster-down` stops it (the data stays in .cluster/)")
        return 0
    if args.action == "down":
        down(args.dir, args.wipe)
        print("cluster stopped" + (" and its data removed" if args.wipe else "; its data stays in .cluster/"))
        return 0
    return status(args.dir)


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["Cluster", "Member", "down", "free_port", "status", "up"]
