"""The throwaway PostgreSQL server keeps its data where the postgres user can reach it (CI runs as root inside
pytest's private temporary folders, where initdb as postgres had failed)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from cluster.postgres import _server_home, stop_kept

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("runuser") is None, reason="only as root is the server run as another user"
)


def test_a_root_under_a_private_folder_gets_a_reachable_home_that_is_remembered(tmp_path: Path) -> None:
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    root = private / "postgres"
    root.mkdir()
    home = _server_home(root)
    try:
        assert home != root and not home.is_relative_to(private)
        assert _server_home(root) == home  # the next start finds the same data
        stop_kept(root, wipe=True)
        assert not home.exists()
    finally:
        shutil.rmtree(home, ignore_errors=True)


def test_a_reachable_root_is_used_as_it_is(tmp_path: Path) -> None:
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="pg-reachable-"))
    try:
        os.chmod(root, 0o755)
        assert _server_home(root) == root
        assert not (root / "server-home").exists()
    finally:
        shutil.rmtree(root, ignore_errors=True)
