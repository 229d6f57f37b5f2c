"""Two replicas (separate processes over one PostgreSQL and one Chroma server) save an edit of the same bank
question at the same moment: one version wins, the other gets the conflict message, nothing is half-written,
and afterwards both replicas' rubric index is the winning version's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cluster.chroma import chroma_server

pytestmark = pytest.mark.slow  # PostgreSQL, a Chroma server and two processes

REPLICA = r"""
import json, sys, time
from pathlib import Path
from rubric.bank import load_default_bank
from rubric.index import open_index
from screening import bank_edits
from store.bank_versions import FILE_AUTHOR, BankFollower
from store.db import Database

name, sync = sys.argv[1], Path(sys.argv[2])
follower = BankFollower(Database(), load_default_bank, FILE_AUTHOR)
base = follower.current()
text, points = bank_edits.editor_text(base.bank.get("q06"))
(sync / f"ready-{name}").touch()
while not (sync / "go").exists():
    time.sleep(0.005)
try:
    saved = bank_edits.save_question_edit(
        follower.db, base.info, "q06", text, points + f"\n{name} point | what {name} added", name
    )
    outcome = f"saved v{saved.info.version}"
except bank_edits.BankConflict as err:
    outcome = f"conflict: {err}"
(sync / f"edited-{name}").touch()
while not (sync / "check").exists():
    time.sleep(0.05)
stored = follower.current()
index = open_index(stored.bank)
print(json.dumps({
    "outcome": outcome,
    "base": base.info.version,
    "version": stored.info.version,
    "fingerprint": index.fingerprint,
    "last_point": index.bank.get("q06").points[-1].label,
    "chroma": index.chroma_url,
}))
"""


@pytest.fixture(scope="module")
def chroma(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with chroma_server(tmp_path_factory.mktemp("chroma")) as url:
        yield url


def _wait_for(paths: list[Path], timeout_s: float = 240) -> None:
    deadline = time.monotonic() + timeout_s
    while not all(p.exists() for p in paths):
        assert time.monotonic() < deadline, f"replicas did not get to {[p.name for p in paths]}"
        time.sleep(0.05)


def test_two_replicas_saving_at_once_one_wins_and_both_indexes_follow_it(
    pg_url: str, chroma: str, tmp_path: Path
) -> None:
    from rubric.bank import load_default_bank
    from store import bank_versions
    from store.db import Database
    from tests.postgres_server import empty

    db = Database(pg_url)
    empty(db)
    sync = tmp_path / "sync"
    sync.mkdir()
    replicas = {}
    for name in ("ada", "ben"):
        env = {
            **os.environ,
            "DATABASE_URL": pg_url,
            "CHROMA_URL": chroma,
            "INTERVIEW_GRADER_HOME": str(tmp_path / name),
            "INTERVIEW_GRADER_ONNX_THREADS": "1",
        }
        replicas[name] = subprocess.Popen(
            [sys.executable, "-c", REPLICA, name, str(sync)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
    try:
        _wait_for([sync / "ready-ada", sync / "ready-ben"])
        (sync / "go").touch()  # both save now
        _wait_for([sync / "edited-ada", sync / "edited-ben"])
        (sync / "check").touch()
        reports = {}
        for name, process in replicas.items():
            out, err = process.communicate(timeout=300)
            assert process.returncode == 0, err.decode()[-3000:]
            reports[name] = json.loads(out.decode().strip().splitlines()[-1])
    finally:
        for process in replicas.values():
            if process.poll() is None:
                process.kill()
                process.communicate()

    outcomes = sorted(r["outcome"] for r in reports.values())
    assert outcomes[0].startswith("conflict: ") and outcomes[1] == "saved v2", outcomes
    assert "was saved by" in outcomes[0] and "was not saved" in outcomes[0]
    winner = next(n for n, r in reports.items() if r["outcome"].startswith("saved"))

    shipped = load_default_bank()
    history = bank_versions.history(db, shipped.id)
    assert [v.version for v in history] == [1, 2] and history[1].author == winner  # nothing half-written
    latest = bank_versions.latest(db, shipped.id)
    assert latest is not None and latest.bank.get("q06").points[-1].label == f"{winner} point"
    ada, ben = reports["ada"], reports["ben"]
    assert ada["fingerprint"] == ben["fingerprint"]  # one index on the server, the winning version's
    for r in (ada, ben):
        assert r["base"] == 1 and r["version"] == 2 and r["chroma"] == chroma
        assert r["fingerprint"].endswith(f":{latest.info.content_hash}") and r["last_point"] == f"{winner} point"
    db.dispose()
